"""The score sheet: its sections come from the scoring form (an analyst edits the form, not the code).

A section is an integer field of a sampled call's entry with a ``maximum``; ``kesalahan_fatal`` zeroes the call.
A call scores the points it got as a share of the sheet's maximum (0–100); an agent the mean of its calls.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SHEET_FIELD = "penilaian"  # the list of scored calls
SAMPLE_FIELD = "sampel"  # in each entry: the sample it scores
FATAL_FIELD = "kesalahan_fatal"  # in each entry: a fatal error zeroes the call
NOTES_FIELD = "catatan"  # in each entry: the assessor's notes on the call
FEEDBACK_FIELD = "umpan_balik"  # the feedback the agent reads


@dataclass(frozen=True)
class Section:
    name: str
    maximum: int
    field: Mapping[str, Any]  # its JSON Schema node (title, x-title-en)


def entry_schema(form: Mapping[str, Any]) -> Mapping[str, Any]:
    """The JSON Schema of one scored call."""
    return form.get("properties", {}).get(SHEET_FIELD, {}).get("items", {})


def sections(form: Mapping[str, Any]) -> tuple[Section, ...]:
    """The sheet's scored sections, in the form's order."""
    return tuple(Section(name, int(prop["maximum"]), prop)
                 for name, prop in entry_schema(form).get("properties", {}).items()
                 if prop.get("type") == "integer" and "maximum" in prop and name != SAMPLE_FIELD)


def call_score(sheet: Iterable[Section], entry: Mapping[str, Any]) -> float:
    """0–100: the points of every section as a share of their maxima; 0 with a fatal error."""
    parts = [(int(entry.get(s.name) or 0), s.maximum) for s in sheet]
    total = sum(maximum for _, maximum in parts)
    if entry.get(FATAL_FIELD) or not total:
        return 0.0
    return round(100 * sum(points for points, _ in parts) / total, 1)


def mean_score(scores: Iterable[float]) -> float | None:
    values = list(scores)
    return round(sum(values) / len(values), 1) if values else None
