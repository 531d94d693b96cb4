"""Documents: what ``make docs`` runs (``klip docs``, into a scratch folder: docs/ stays as it is) and ``klip render``
of the largest diagram we have, each a fresh process timed from start to exit (Python's start and imports
included: that is what the analyst waits for)."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .harness import ROOT

RUNS = 3


@dataclass
class DocumentsResult:
    docs_s: float
    docs_files: int
    render_s: float
    render_source: str
    render_bytes: int
    svg_bytes: int


def _klip() -> list[str]:
    return [sys.executable, "-c", "from webapp.cli import main; main()"]


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def largest_diagram() -> Path:
    """The largest BPMN file of the product's models and the tests' fixtures."""
    candidates = [*ROOT.glob("bpmn/*.bpmn"), *ROOT.glob("tests/data/**/*.bpmn")]
    return max(candidates, key=lambda path: path.stat().st_size)


def measure(directory: Path) -> DocumentsResult:
    out = directory / "docs"
    docs = statistics.median(_timed([*_klip(), "docs", "--out", str(out)]) for _ in range(RUNS))
    source, svg = largest_diagram(), directory / "largest.svg"
    render = statistics.median(_timed([*_klip(), "render", str(source), "-o", str(svg)]) for _ in range(RUNS))
    return DocumentsResult(docs, sum(1 for p in out.rglob("*") if p.is_file()), render,
                           str(source.relative_to(ROOT)), source.stat().st_size, svg.stat().st_size)
