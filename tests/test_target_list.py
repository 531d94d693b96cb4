"""Target list parsing: CSV/XLSX, row errors and warnings, duplicates, whole-file rejections."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from stdnum import luhn

from engine.campaign import target_file
from engine.campaign.identifiers import mask_npwp, mask_npwp_cell
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
        "warning_count": 0, "error_count": 0, "duplicate_rows": [], "rejected_rows": [],
        "accepted_with_warnings": 0, "warning_rows": [],
        "file": {"format": "csv", "extension": "csv", "encoding": "UTF-8", "delimiter": ","},
    }


def test_numbers_typed_with_full_width_or_arabic_indic_digits_are_stored_in_plain_digits() -> None:
    numbers = ["08\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",  # 08 then full-width
               "\u0660\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",  # Arabic-Indic
               "0812\uff13\uff14\uff15\uff16-7890"]
    parsed = parse_target_list("daftar.csv", csv_bytes([HEADER] + [[npwp15(i + 10), "Wajib Pajak", number, "", ""]
                                                                   for i, number in enumerate(numbers)]))
    assert [row["phones"] for row in parsed.rows] == [["+6281234567890"], ["+6281234567890"], ["+6281234567890"]]


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
    assert parsed.report["duplicate_rows"] == [
        {"row": 4, "duplicate_of": 2, "name": "Satu lagi", "npwp_masked": mask_npwp(A)},
        {"row": 5, "duplicate_of": 3, "name": "Dua (16 digit)", "npwp_masked": mask_npwp("0" + B)}]
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


def test_corrupt_xlsx_and_text_named_like_a_workbook_are_rejected() -> None:
    assert "XLSX" in rejection("daftar.xlsx", b"PK\x03\x04 not really a zip").message
    assert "XLSX" in rejection("daftar.csv", b"PK\x03\x04 not really a zip").message  # the content decides
    error = rejection("daftar.xls", b"whatever")  # neither a workbook nor a table
    assert "XLSX" in error.message and "bukan tabel CSV" in error.fields["file"]


def test_too_many_rows_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(target_file, "MAX_ROWS", 3)
    rows = [["npwp", "nama", "telepon"]] + [[npwp15(i), "WP", "081234567890"] for i in range(4)]
    assert "lebih dari 3 baris" in rejection("x.csv", csv_bytes(rows)).fields["file"]


def test_duplicate_header_is_rejected() -> None:
    error = rejection("x.csv", csv_bytes([["npwp", "nama", "telepon", "NPWP"], [A, "B", "0812345678", A]]))
    assert "npwp" in error.fields["file"]


# --- files as offices make them: encodings, separators, names that do not say what a file is ----------------

NAMES = ["José Müller", "Zoë O’Brien", "Ñoño Pérez", "Françoise Hœl"]  # ’ and œ exist in Windows-1252 only


def named_rows(names: list[str], delimiter: str = ",") -> str:
    lines = [delimiter.join(["npwp", "nama", "telepon"])]
    lines += [delimiter.join([npwp15(10 + i), name, f"08123456{7800 + i}"]) for i, name in enumerate(names)]
    return "\r\n".join(lines) + "\r\n"


def test_windows_1252_csv_keeps_accented_names_and_curly_apostrophes() -> None:
    parsed = parse_target_list("daftar.csv", named_rows(NAMES, ";").encode("cp1252"))
    assert [r["name"] for r in parsed.rows] == NAMES
    assert parsed.report["file"]["encoding"] == "Windows-1252" and parsed.report["file"]["delimiter"] == ";"


def test_latin_1_csv_is_read() -> None:
    names = ["Bödi Ñoño", "Ærø Façade", "Ângela Çé"]
    parsed = parse_target_list("daftar.csv", named_rows(names).encode("latin-1"))
    assert [r["name"] for r in parsed.rows] == names


@pytest.mark.parametrize(("bom", "label"), [(False, "UTF-8"), (True, "UTF-8 (BOM)")])
def test_utf8_with_and_without_bom_is_preferred(bom: bool, label: str) -> None:
    names = NAMES + ["Nguyễn Thị Hà", "Agus 😀"]  # beyond Windows-1252: only UTF-8 can hold these
    content = ("\ufeff" if bom else "") + named_rows(names)
    parsed = parse_target_list("daftar.csv", content.encode("utf-8"))
    assert [r["name"] for r in parsed.rows] == names
    assert parsed.report["file"]["encoding"] == label


def test_utf8_file_with_a_few_windows_1252_bytes_keeps_both() -> None:
    pasted = f"{npwp15(40)},Zoë O’Brien,081234560040\r\n".encode("cp1252")  # a line an older tool added
    content = named_rows(["José Müller"]).encode("utf-8") + pasted
    parsed = parse_target_list("daftar.csv", content)
    assert [r["name"] for r in parsed.rows] == ["José Müller", "Zoë O’Brien"]


def test_one_accented_name_far_down_a_windows_1252_file_decides_the_encoding() -> None:
    names = [f"Wajib Pajak {i}" for i in range(3000)] + ["Zoë O’Brien"]
    parsed = parse_target_list("daftar.csv", named_rows(names).encode("cp1252"))
    assert parsed.rows[-1]["name"] == "Zoë O’Brien"


def test_utf16_unicode_text_from_excel_is_read() -> None:
    parsed = parse_target_list("daftar.txt", ("\ufeff" + named_rows(NAMES, "\t")).encode("utf-16-le"))
    assert [r["name"] for r in parsed.rows] == NAMES and parsed.report["file"]["encoding"] == "UTF-16"


def test_semicolon_file_whose_fields_and_header_hold_commas() -> None:
    content = (f'npwp;nama;telepon;"alamat, kota, provinsi, kode pos"\r\n'
               f'{A};"Santoso, Budi";0812-3456-7890, 021-5251509;"Jl. Merdeka 1, Bandung, Jawa Barat, 40111"\r\n'
               f"{B};PT Maju, Tbk;081234567891;Jl. Sudirman, Jakarta\r\n").encode()
    parsed = parse_target_list("daftar.csv", content)
    first, second = parsed.rows
    assert (first["name"], first["phones"]) == ("Santoso, Budi", ["+6281234567890", "+62215251509"])
    assert first["extra"] == {"alamat, kota, provinsi, kode pos": "Jl. Merdeka 1, Bandung, Jawa Barat, 40111"}
    assert (second["name"], second["extra"]) == ("PT Maju, Tbk", {"alamat, kota, provinsi, kode pos":
                                                                  "Jl. Sudirman, Jakarta"})
    assert parsed.report["file"]["delimiter"] == ";" and parsed.report["errors"] == []


def test_comma_file_with_quoted_fields_holding_semicolons() -> None:
    content = (f'npwp,nama,telepon,"catatan; unit; seksi; lain-lain"\r\n'
               f'{A},Budi,"081234567890;021-5251509","KPP Gambir; Seksi Waskon; prioritas"\r\n'
               f'{B},"Siti; Rahayu",081234567891,\r\n').encode()
    parsed = parse_target_list("daftar.csv", content)
    first, second = parsed.rows
    assert first["phones"] == ["+6281234567890", "+62215251509"]
    assert first["extra"] == {"catatan; unit; seksi; lain-lain": "KPP Gambir; Seksi Waskon; prioritas"}
    assert second["name"] == "Siti; Rahayu" and parsed.report["file"]["delimiter"] == ","


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row() -> None:
    parsed = parse_target_list("daftar.csv", ("sep=|\r\n" + named_rows(NAMES[:2], "|")).encode())
    assert [(r["row_number"], r["name"]) for r in parsed.rows] == [(2, NAMES[0]), (3, NAMES[1])]


@pytest.mark.parametrize("filename", ["data.csv", "data.xls", "data", "DATA.TXT"])
def test_xlsx_with_another_name_is_read_as_xlsx(filename: str) -> None:
    parsed = parse_target_list(filename, xlsx_bytes([HEADER, [A, "Zoë O’Brien", "081234567890", "KPP", 2024]]))
    assert parsed.rows[0]["name"] == "Zoë O’Brien" and parsed.rows[0]["extra"] == {"Tahun Pajak": "2024"}
    assert parsed.report["file"]["format"] == "xlsx"


def test_csv_named_xlsx_is_read_as_csv() -> None:
    parsed = parse_target_list("daftar.xlsx", named_rows(NAMES, ";").encode("cp1252"))
    assert [r["name"] for r in parsed.rows] == NAMES
    assert parsed.report["file"] == {"format": "csv", "extension": "xlsx", "encoding": "Windows-1252",
                                     "delimiter": ";"}


def test_zip_bomb_guard_holds_whatever_the_file_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl must not read a rejected archive")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"A" * 5 * 2**20)
    for filename in ("sasaran.csv", "sasaran", "sasaran.xls"):
        assert rejection(filename, buffer.getvalue()).message == "Berkas XLSX tidak wajar"


def ole2(*streams: str) -> bytes:
    """The start of an OLE2 compound file (what Excel 97-2003 writes), naming ``streams`` in its directory."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"".join(s.encode("utf-16-le") for s in streams)


@pytest.mark.parametrize("filename", ["daftar.xls", "daftar.xlsx", "daftar.csv"])
def test_legacy_xls_is_rejected_with_what_to_do(filename: str) -> None:
    error = rejection(filename, ole2("Workbook"))
    assert error.message == "Format Excel 97-2003 (.xls) tidak didukung"
    assert "simpan ulang sebagai Excel Workbook (.xlsx) atau CSV UTF-8 (.csv)" in error.fields["file"]


def test_password_protected_workbook_is_rejected_with_what_to_do() -> None:
    error = rejection("daftar.xlsx", ole2("EncryptionInfo", "EncryptedPackage"))
    assert error.message == "Berkas Excel dilindungi kata sandi" and "hapus kata sandinya" in error.fields["file"]


def zip_of(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "message"), [
    (zip_of("mimetype", "content.xml"), "Format OpenDocument (.ods) tidak didukung"),
    (zip_of("[Content_Types].xml", "xl/workbook.bin"), "Format Excel Binary (.xlsb) tidak didukung"),
    (zip_of("foto.jpg"), "Berkas XLSX rusak atau tidak dapat dibaca"),
    (b"<html><body><table><tr><td>npwp</td></tr></table></body></html>", "Format berkas tidak didukung"),
    (bytes(range(256)) * 8, "Berkas CSV tidak dapat dibaca"),
])
def test_other_files_are_rejected_saying_what_they_are(content: bytes, message: str) -> None:
    error = rejection("daftar.xls", content)
    assert error.message == message and (".xlsx" in error.fields["file"] or "Excel" in error.fields["file"])


# --- the import report: who each listed row is, never their full NPWP -------------------------------------

def test_report_lists_rejected_and_warned_rows_with_name_and_masked_npwp() -> None:
    wrong = bad_check(C)
    content = csv_bytes([
        ["npwp", "nama", "telepon"],
        [A, "Budi", "081234567890"],                       # row 2: accepted, no warning
        ["12.345.678.9-091", "Siti Pendek", "081234567891"],  # row 3: wrong length → rejected
        [wrong, "Cek Digit", "081234567892"],              # row 4: check digit → accepted with a warning
        [B, "", "081234567893"],                           # row 5: no name → rejected
        [bad_check(npwp15(9)), "Dua Masalah", "12"],       # row 6: check digit warning + no phone → rejected
        ["01A3121660091000", "Huruf", "081234567894"],     # row 7: non-digits → rejected
        [npwp15(8), "Telepon Sebagian", "12;081234567895"],  # row 8: accepted with a phone warning
    ])
    report = parse_target_list("x.csv", content).report
    rejected = {r["row"]: r for r in report["rejected_rows"]}
    assert list(rejected) == [3, 5, 6, 7] and report["rejected"] == 4
    assert (rejected[3]["name"], rejected[3]["npwp_masked"]) == ("Siti Pendek", "•" * 8 + "9091")
    assert rejected[3]["errors"] == [{"field": "npwp", "message": "NPWP harus 15 atau 16 digit (terbaca 12 digit)"}]
    assert (rejected[5]["name"], rejected[5]["npwp_masked"]) == ("", mask_npwp(B))
    assert [e["field"] for e in rejected[6]["errors"]] == ["telepon"]
    assert [w["field"] for w in rejected[6]["warnings"]] == ["npwp"]
    assert rejected[7]["npwp_masked"] == "•" * 16  # letters: nothing shown
    warned = {r["row"]: r for r in report["warning_rows"]}
    assert list(warned) == [4, 8] and report["accepted_with_warnings"] == 2 and report["accepted"] == 3
    assert (warned[4]["name"], warned[4]["npwp_masked"]) == ("Cek Digit", mask_npwp(wrong))
    assert warned[4]["warnings"] == [{"field": "npwp", "message":
                                      "NPWP 15 digit: digit pemeriksa (check digit) tidak cocok; periksa kembali"}]
    stored = json.dumps(report, ensure_ascii=False)
    for secret in (A, B, wrong, "12.345.678.9-091", "123456789091", "01A3121660091000", "081234567890", "8123456789"):
        assert secret not in stored


def test_long_names_are_shortened_in_the_report() -> None:
    content = csv_bytes([["npwp", "nama", "telepon"], [A, "N" * 300, "081234567890"], [B, "Budi", "081234567891"]])
    (row,) = parse_target_list("x.csv", content).report["rejected_rows"]
    assert row["name"] == "N" * 79 + "…"


@pytest.mark.parametrize(("cell", "shown"), [
    ("", ""), ("12.345", "•••••"), ("1234567", "•••••••"), ("12345678", "••••5678"),
    ("1" * 40, "•" * 16 + "1111"), ("PT Maju Jaya Makmur Sentosa", "•" * 20), ("3171011501900001", "•" * 12 + "0001"),
])
def test_mask_npwp_cell_never_shows_more_than_the_call_list(cell: str, shown: str) -> None:
    assert mask_npwp_cell(cell) == shown
    assert mask_npwp_cell(dotted(A)) == mask_npwp(A)
