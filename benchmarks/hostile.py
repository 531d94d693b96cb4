"""``make bench`` (second table): what hostile input costs, against the goal each must meet (issue 11).

The tests assert the behaviour (a 422, a BudgetExceeded); the time each takes is measured here, where a slow
machine is a number to look at rather than a failing build.
"""
from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl

from engine.campaign.target_list import parse_target_list
from engine.demo import npwp15
from engine.errors import InvalidInput
from engine.process.expressions import PURE_FUNCTIONS, ExpressionRejected, SafeEnvironment


def far_cell_workbook(rows: int) -> bytes:
    """A workbook whose sheet declares A1:XFD1048576 and whose every row also has a cell in column XFD (16,384):
    openpyxl's own file, with its sheet edited."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["npwp", "nama", "telepon"])
    for n in range(2, rows + 2):
        sheet.append([npwp15(n), "Budi", "081234567890"])
    written = io.BytesIO()
    workbook.save(written)
    edited = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', data.decode())
                text = re.sub(r'<row r="(\d+)"(.*?)</row>', lambda m: f'<row r="{m[1]}"{m[2]}<c r="XFD{m[1]}">'
                              '<v>1</v></c></row>', text)
                data = text.encode()
            target.writestr(item, data)
    return edited.getvalue()


def _refused(fn: Callable[[], Any], *errors: type[Exception]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except errors:
            return
        raise AssertionError("expected a refusal")
    return run


def cases() -> list[tuple[str, float, Callable[[], Any]]]:
    """(what, goal in ms, the work), each input built before it is timed."""
    wide = (",".join(["npwp", "nama", "telepon"] + [f"k{i}" for i in range(99_997)])
            + f"\n{npwp15(1)},Budi,081234567890\n").encode()
    long_row = (f"npwp,nama,telepon\n{npwp15(1)},Budi,081234567890" + "," * 5_000_000 + "x\n").encode()
    workbook = far_cell_workbook(20_000)
    env = SafeEnvironment(dict(PURE_FUNCTIONS))
    nested = {"x": [[1] * 999] * 999}
    return [
        ("CSV header of 100,000 columns (0.7 MB) → 422", 1000,
         _refused(lambda: parse_target_list("wide.csv", wide), InvalidInput)),
        ("CSV row of 5,000,000 cells (5 MB)", 3000, lambda: parse_target_list("long.csv", long_row)),
        ("XLSX 20,000 rows with a cell in column XFD", 5000, lambda: parse_target_list("far.xlsx", workbook)),
        ("expression len(x), x 999 × 999 → over budget", 1000,
         _refused(lambda: env.evaluate("len(x)", nested), ExpressionRejected)),
        ("expression len([[[1]*999]*999]*999) → refused", 100,
         _refused(lambda: env.evaluate("len([[[1]*999]*999]*999)", {}), ExpressionRejected)),
    ]


def measured() -> list[tuple[str, float, float]]:
    """(what, ms it took, goal in ms) of each case."""
    results = []
    for what, goal, work in cases():
        started = time.perf_counter()
        work()
        results.append((what, (time.perf_counter() - started) * 1000, float(goal)))
    return results


def main() -> None:
    print(f"\n{'hostile input':<52}{'ms':>10}{'goal ms':>10}")
    for what, elapsed, goal in measured():
        print(f"{what:<52}{elapsed:>10,.1f}{goal:>10,.0f}{'' if elapsed <= goal else '  OVER GOAL'}")


if __name__ == "__main__":
    main()
