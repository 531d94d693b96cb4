"""Text for the BPMN renderer: Arial-like metrics, word wrapping and ``<text>`` elements.

Widths are estimated from Helvetica/Arial advance widths (1/1000 em) rather than measured by a browser,
so wrapping is deterministic: the same name always breaks into the same lines.
"""
from __future__ import annotations

import unicodedata

from lxml import etree

from .svg import num, sub

FONT_SIZE = 12.0
EXTERNAL_FONT_SIZE = 11.0
LINE_HEIGHT = 1.2

_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
     556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015,
     667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611,
     722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
     556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278,
     556, 500, 722, 500, 500, 500, 334, 260, 334, 584),
    strict=True,
))


def char_width(char: str) -> int:
    """Advance width of one character in 1/1000 em."""
    if char in _WIDTHS:
        return _WIDTHS[char]
    if unicodedata.combining(char):
        return 0
    return 1000 if unicodedata.east_asian_width(char) in ("W", "F") else 556


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimated rendered width of ``text`` at ``size`` px."""
    return sum(char_width(c) for c in text) * size / 1000


def _split_long_word(word: str, max_width: float, size: float) -> list[str]:
    """Break a word wider than the box into pieces that fit (at least one character each)."""
    pieces, current = [], ""
    for char in word:
        if current and text_width(current + char, size) > max_width:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current] if current else pieces


def wrap_words(text: str, max_width: float, size: float = FONT_SIZE) -> tuple[list[str], list[bool]]:
    """Greedy word wrap (explicit line breaks in the name are kept): the lines, and for each line after the
    first whether a space separates it from the line before (False where a word too wide for the box broke)."""
    lines: list[str] = []
    spaced: list[bool] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        current = ""
        spaced.append(True)
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
                spaced.append(True)
            pieces = _split_long_word(word, max_width, size) if text_width(word, size) > max_width else [word]
            lines.extend(pieces[:-1])
            spaced.extend([False] * (len(pieces) - 1))
            current = pieces[-1]
        lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines, spaced[1:len(lines)]


def text_block(parent: etree._Element, lines: list[str], cx: float, top: float, *,
               size: float = FONT_SIZE, css: str = "bpmn-label", transform: str | None = None,
               spaced: list[bool] | None = None) -> etree._Element | None:
    """Append a ``<text>`` of ``lines`` whose first line box starts at ``top`` (one tspan a line).

    Between two lines that a space separated in the name (``spaced``, default all) goes a tspan holding one space,
    placed on its own so that it moves no line: the text then reads as the name with its spaces ("konsep rencana",
    not "konseprencana") for screen readers, text selection, and accessible-name checks.
    """
    if not lines:
        return None
    attrs = {"class": css}
    if transform:
        attrs["transform"] = transform
    text = sub(parent, "text", attrs)
    line_height = size * LINE_HEIGHT
    for index, line in enumerate(lines):
        baseline = top + index * line_height + line_height / 2 + size * 0.35
        if index and (spaced is None or spaced[index - 1]):
            sub(text, "tspan", {"x": num(cx), "y": num(baseline - line_height), "class": "bpmn-space"}).text = " "
        span = sub(text, "tspan", {"x": num(cx), "y": num(baseline)})
        span.text = line
    return text


def block_height(lines: list[str], size: float = FONT_SIZE) -> float:
    """Height of a block of ``lines`` at ``size`` px."""
    return len(lines) * size * LINE_HEIGHT
