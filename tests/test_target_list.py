"""Target list parsing: CSV/XLSX, row errors and warnings, duplicates, whole-file rejections."""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from stdnum import luhn

from engine.campaign import target_list
from engine.campaign.target_list import parse_target_list
from engine.errors import InvalidInput


def npwp15(serial: int, kind: str = "01", kpp: str = "091", branch: str = "000") -> str:
    """A 15-digit NPWP with a correct check digit (Luhn over the first 8 digits, 9th digit)."""
    head = f"{kind}{serial:06d}"
    return head + luhn.calc_check_digit(head) + kpp + branch


def bad_check(number: str) -> str:
    """The same NPWP with a wrong check digit."""
    return number[:8] + str((int(number[8]) + 1) % 10) + number[9:]


def dotted(number: str) -> str:
    return f"{number[:2]}.{number[2:5]}.{number[5:8]}.{number[8]}-{number[9:12]}.{number[12:]}"


def csv_bytes(rows: list[list[Any]], delimiter: str = ",", bom: bool = False) -> bytes:
    lines = [delimiter.join(f'"{c}"' if delimiter in str(c) or ";" in str(c) else str(c) for c in r) for r in rows]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["NPWP", "Nama", "Telepon", "KPP", "Tahun Pajak"]
A, B, C = npwp15(1), npwp15(2), npwp15(3)


def test_good_csv_rows_are_normalised_and_extra_columns_kept() -> None:
    content = csv_bytes([HEADER, [dotted(A), " Budi Santoso ", "0812-3456-7890; +62 21 5251509", "KPP Gambir", "2024"],
                         [B, "PT Maju", "081234567891;081234567891", "", "2023"]])
    parsed = parse_target_list("daftar.csv", content)
    first, second = parsed.rows
    assert first == {
        "row_number": 2, "npwp": A, "npwp_raw": dotted(A), "name": "Budi Santoso",
        "phones": ["+6281234567890", "+62215251509"], "kpp": "KPP Gambir",
        "extra": {"Tahun Pajak": "2024"}, "warnings": [],
    }
    assert second["phones"] == ["+6281234567891"]  # duplicate number in a row dropped
    assert parsed.report == {
        "rows": 2, "accepted": 2, "rejected": 0, "duplicates": 0, "warnings": [], "errors": [],
        "warning_count": 0, "error_count": 0, "duplicate_rows": [],
    }


def test_row_errors_and_warnings_name_row_and_field() -> None:
    content = csv_bytes([
        ["npwp", "nama", "telepon"],
        ["12.345", "Salah Panjang", "081234567890"],  # row 2: wrong length → error
        [bad_check(A), "Cek Digit", "081234567890"],  # row 3: checksum → warning, accepted
        [B, "Satu Salah", "12;081234567891"],  # row 4: one bad phone → warning
        [C, "Semua Salah", "12;abc"],  # row 5: no valid phone → error
        [npwp15(4), "", "081234567892"],  # row 6: missing name → error
        ["01A3121660091000", "Huruf", "081234567893"],  # row 7: non-digits → error
    ])
    parsed = parse_target_list("x.csv", content)
    report = parsed.report
    assert (report["rows"], report["accepted"], report["rejected"]) == (6, 2, 4)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "npwp"), (5, "telepon"), (6, "nama"), (7, "npwp")]
    assert [(w["row"], w["field"]) for w in report["warnings"]] == [(3, "npwp"), (4, "telepon")]
    assert report["errors"][0]["message"] == "NPWP harus 15 atau 16 digit (terbaca 5 digit)"  # not the NPWP
    assert report["errors"][1]["message"] == "Tidak ada nomor telepon yang valid (nomor ke-1, nomor ke-2 tidak valid)"
    assert report["warnings"][1]["message"] == "Nomor telepon ke-1 tidak valid dan diabaikan"
    accepted = {r["row_number"]: r for r in parsed.rows}
    assert accepted[3]["npwp"] == bad_check(A) and "check digit" in accepted[3]["warnings"][0]
    assert accepted[4]["phones"] == ["+6281234567891"]


def test_duplicate_npwp_is_counted_and_points_to_first_row() -> None:
    content = csv_bytes([["npwp", "nama", "telepon"], [A, "Satu", "081234567890"],
                         [B, "Dua", "081234567891"], [dotted(A), "Satu lagi", "081234567892"],
                         ["0" + B, "Dua (16 digit)", "081234567893"]])
    parsed = parse_target_list("x.csv", content)
    assert [r["row_number"] for r in parsed.rows] == [2, 3]
    assert parsed.report["duplicates"] == 2
    assert parsed.report["duplicate_rows"] == [{"row": 4, "duplicate_of": 2}, {"row": 5, "duplicate_of": 3}]
    assert "baris 2" in parsed.report["warnings"][0]["message"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_csv_with_bom(delimiter: str) -> None:
    content = csv_bytes([["NPWP ", " nama", "TELEPON"], [A, "Budi", "081234567890;081234567891"]],
                        delimiter=delimiter, bom=True)
    parsed = parse_target_list("X.CSV", content)
    assert parsed.rows[0]["npwp"] == A
    assert parsed.rows[0]["phones"] == ["+6281234567890", "+6281234567891"]


def test_sixteen_digit_npwp_and_blank_lines_keep_spreadsheet_row_numbers() -> None:
    content = csv_bytes([["npwp", "nama", "telepon"], ["0" + A, "Badan", "081234567890"], ["", "", ""],
                         ["3171011501900001", "Orang (NIK)", "081234567891"]])
    parsed = parse_target_list("x.csv", content)
    assert [(r["row_number"], r["npwp"]) for r in parsed.rows] == [(2, "0" + A), (4, "3171011501900001")]
    assert parsed.report["rows"] == 2


def test_nik_with_impossible_birth_date_warns_and_surplus_cells_warn() -> None:
    content = csv_bytes([["npwp", "nama", "telepon"], ["3171011513900001", "NIK aneh", "081234567890", "lebih"]])
    parsed = parse_target_list("x.csv", content)
    assert parsed.report["accepted"] == 1
    warnings = [(w["field"], "NIK" in w["message"]) for w in parsed.report["warnings"]]
    assert warnings == [("npwp", True), ("kolom", False)]


def test_xlsx_numbers_and_dates_become_clean_strings() -> None:
    content = xlsx_bytes([
        HEADER + ["Jatuh Tempo", "Jumlah"],
        [int(A), "Budi", 81234567890, 91, 2024, date(2025, 3, 31), 1500000.5],
        [float(B), "Sari", "0812 3456 7891", "KPP Gambir", 2023.0, datetime(2025, 4, 1, 9, 30), 2e6],
        [int(npwp15(5)), "Nol di depan", "081234567892"],  # 0 1... stored as a number: leading zero lost
    ])
    parsed = parse_target_list("daftar.xlsx", content)
    first, second, third = parsed.rows
    assert first["npwp"] == A and first["phones"] == ["+6281234567890"] and first["kpp"] == "91"
    assert first["extra"] == {"Tahun Pajak": "2024", "Jatuh Tempo": "2025-03-31", "Jumlah": "1500000.5"}
    assert second["npwp"] == B and "e" not in second["npwp_raw"]
    assert second["extra"] == {"Tahun Pajak": "2023", "Jatuh Tempo": "2025-04-01 09:30:00", "Jumlah": "2000000"}
    assert third["npwp"] == npwp15(5) and "nol di depan" in third["warnings"][0]


def test_xlsx_row_errors_are_reported() -> None:
    content = xlsx_bytes([["npwp", "nama", "telepon"], [A, "Budi", "081234567890"], [123, "Pendek", "0812"]])
    parsed = parse_target_list("x.xlsx", content)
    assert parsed.report["accepted"] == 1
    assert [(e["row"], e["field"]) for e in parsed.report["errors"]] == [(3, "npwp"), (3, "telepon")]


def rejection(filename: str, content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_target_list(filename, content)
    assert set(info.value.fields) == {"file"}
    return info.value


def test_missing_required_columns_are_named() -> None:
    error = rejection("x.csv", csv_bytes([["npwp", "nama lengkap", "hp"], [A, "Budi", "081234567890"]]))
    assert "nama, telepon" in error.fields["file"]


def test_no_valid_row_rejects_the_file_with_examples() -> None:
    error = rejection("x.csv", csv_bytes([["npwp", "nama", "telepon"], ["123", "Budi", "081234567890"]]))
    assert "baris 2 (npwp)" in error.fields["file"]


def test_header_only_and_empty_files_are_rejected() -> None:
    assert "tidak berisi baris data" in rejection("x.csv", csv_bytes([["npwp", "nama", "telepon"]])).fields["file"]
    assert rejection("x.csv", b"").message == "Berkas kosong"
    assert rejection("x.csv", b"\n\n").message == "Berkas kosong"


def test_wrong_format_corrupt_xlsx_and_bad_encoding_are_rejected() -> None:
    assert ".csv atau .xlsx" in rejection("daftar.xls", b"whatever").fields["file"]
    assert "XLSX" in rejection("daftar.xlsx", b"PK\x03\x04 not really a zip").message
    assert "XLSX" in rejection("daftar.xlsx", csv_bytes([["npwp", "nama", "telepon"]])).message
    assert "UTF-8" in rejection("daftar.csv", "npwp,nama,telepon\n1,Bödi,2\n".encode("latin-1")).fields["file"]


def test_too_many_rows_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(target_list, "MAX_ROWS", 3)
    rows = [["npwp", "nama", "telepon"]] + [[npwp15(i), "WP", "081234567890"] for i in range(4)]
    assert "lebih dari 3 baris" in rejection("x.csv", csv_bytes(rows)).fields["file"]


def test_duplicate_header_is_rejected() -> None:
    error = rejection("x.csv", csv_bytes([["npwp", "nama", "telepon", "NPWP"], [A, "B", "0812345678", A]]))
    assert "npwp" in error.fields["file"]
