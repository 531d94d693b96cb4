"""Odd and oversized input is refused cleanly (422/404, or a row error), never a crash or a database error.

Covers the reviewer's reproductions: an XLSX decompression bomb, full NPWPs and phone numbers in the import
report, values longer than their columns and NUL characters (PostgreSQL refuses both), unbounded numbers in
query parameters, call fields and URL ids. Tests taking ``make_ctx``/``client`` also run on PostgreSQL when
KLIP_TEST_POSTGRES_URL is set (``scripts/with-postgres.sh``).
"""
from __future__ import annotations

import io
import json
import random
import time
import zipfile
from datetime import datetime, timedelta, timezone
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine import campaign as campaigns
from engine import forms
from engine.campaign import contacts, target_file, target_list
from engine.campaign.target_list import parse_target_list
from engine.demo import npwp15, sample_target_list
from engine.errors import InvalidInput
from engine.models import CallAttempt, Campaign, Contact
from engine.walkthrough import WORK_PLAN, task_for
from webapp.converters import MAX_ID, BoundedIntConverter

from sop_helpers import at_step_5, do, new_campaign, setup_sop
from web_helpers import bearer, login_as

HEADER = "npwp,nama,telepon,kpp"
NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # the ``clock`` fixture's time


def rejection(filename: str, content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_target_list(filename, content)
    assert set(info.value.fields) == {"file"}
    return info.value


def csv_file(*rows: str) -> bytes:
    return "\n".join((HEADER,) + rows).encode()


# --- 1. XLSX decompression bomb ---------------------------------------------------------------------------

XLSX_PARTS = {  # the smallest package openpyxl reads: one sheet whose cell A1 is shared string 0
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
    'name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org'
    '/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>',
    "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
}


def bomb(strings: int, size: int = 1_000_000) -> bytes:
    """The reviewer's t7.py: a valid XLSX whose sharedStrings.xml holds ``strings`` strings of ``size`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for i in range(strings):
                part.write(b"<si><t>" + b"%d" % i + b"A" * size + b"</t></si>")
            part.write(b"</sst>")
    return buffer.getvalue()


def zip_file(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if openpyxl is asked to open the workbook: the archive check must refuse it first."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl must not read a rejected archive")
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_xlsx_bomb_is_rejected_quickly_before_openpyxl_inflates_it(no_openpyxl: None) -> None:
    content = bomb(150)  # 150 MB of shared strings in about 150 KB
    assert len(content) < 1_000_000
    started = time.monotonic()
    error = rejection("sasaran.xlsx", content)
    assert time.monotonic() - started < 2
    assert error.message == "Berkas XLSX terlalu besar"
    assert "xl/sharedStrings.xml" in error.fields["file"] and "paling banyak 60 MB" in error.fields["file"]


def test_single_150_mb_member_of_repeated_bytes_is_rejected(no_openpyxl: None) -> None:
    content = zip_file({**{k: v.encode() for k, v in XLSX_PARTS.items()}, "xl/sharedStrings.xml": b"A" * 150 * 2**20})
    assert len(content) < 1_000_000
    assert rejection("sasaran.xlsx", content).message == "Berkas XLSX terlalu besar"


def test_a_target_list_of_100000_rows_fits_the_upload_limit(client) -> None:
    content = sample_target_list(100_000, bad_rows=False)
    assert len(content) * 4 < client.application.config["MAX_CONTENT_LENGTH"]  # room for wider rows


def test_highly_compressed_member_is_rejected_even_when_small(no_openpyxl: None) -> None:
    content = zip_file({**{k: v.encode() for k, v in XLSX_PARTS.items()}, "xl/sharedStrings.xml": b"A" * 5 * 2**20})
    error = rejection("sasaran.xlsx", content)  # 5 MB: under the size limits, but over 100:1
    assert error.message == "Berkas XLSX tidak wajar" and "100:1" in error.fields["file"]


def test_total_uncompressed_size_is_limited(no_openpyxl: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(target_file, "MAX_XLSX_TOTAL", 2**20)  # instead of building 100 MB of incompressible data
    noise = random.Random(7)
    content = zip_file({f"xl/part{i}.bin": noise.randbytes(600_000) for i in range(2)})
    error = rejection("sasaran.xlsx", content)
    assert error.message == "Berkas XLSX terlalu besar" and "lebih dari 1 MB" in error.fields["file"]


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"plain text", b"PK\x05\x06" + b"\0" * 18])
def test_not_a_zip_is_rejected_as_an_unreadable_xlsx(no_openpyxl: None, content: bytes) -> None:
    error = rejection("sasaran.xlsx", content)
    assert error.message == "Berkas XLSX rusak atau tidak dapat dibaca"


def test_real_xlsx_with_twenty_thousand_rows_is_accepted() -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["npwp", "nama", "telepon", "kpp", "tahun_pajak"])
    for i in range(20_000):
        sheet.append([npwp15(1000 + i), f"Wajib Pajak {i}", f"0812{i:08d}", "KPP Pratama Jakarta Gambir Satu", 2025])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse_target_list("sasaran.xlsx", buffer.getvalue())
    assert parsed.report["accepted"] == 20_000 and parsed.report["error_count"] == 0
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:  # far from every limit: 100k rows fit too
        sheet_part = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet_part.file_size * 5 < target_file.MAX_XLSX_MEMBER
        assert sheet_part.file_size < 30 * sheet_part.compress_size


# --- 2. no full NPWP or phone number in the import report -------------------------------------------------

def report_texts(parsed: target_list.ParsedTargetList) -> str:
    entries = parsed.report["warnings"] + parsed.report["errors"]
    return "\n".join([e["message"] for e in entries] + [w for row in parsed.rows for w in row["warnings"]])


def test_import_report_names_rows_and_digit_counts_but_never_the_npwp_or_full_phone() -> None:
    good, other = npwp15(1), npwp15(5)
    bad_check = other[:8] + str((int(other[8]) + 1) % 10) + other[9:]  # the reviewer's t11.py row
    content = csv_file(
        f"{good},Budi,081234567890",
        f"{bad_check},Siti,081234567891",                 # checksum warning
        "3171011513900001,NIK Aneh,081234567892",         # NIK warning
        "12.345.678,Pendek,081234567893",                 # length error
        "01A3121660091000,Huruf,081234567894",            # format error
        f"{good},Ganda,081234567895",                     # duplicate of row 2
        f"{npwp15(7)},Satu Salah,0219876543210987;081234567896",  # one invalid phone → warning
        f"{npwp15(8)},Semua Salah,0219876543210987;12",   # no valid phone → error
    )
    parsed = parse_target_list("sasaran.csv", content)
    by_row = {(e["row"], e["field"]): e["message"] for e in parsed.report["warnings"] + parsed.report["errors"]}
    assert by_row[(3, "npwp")] == "NPWP 15 digit: digit pemeriksa (check digit) tidak cocok; periksa kembali"
    assert by_row[(4, "npwp")] == "NPWP 16 digit: NIK tidak valid (tanggal lahir/kode wilayah); periksa kembali"
    assert by_row[(5, "npwp")] == "NPWP harus 15 atau 16 digit (terbaca 8 digit)"
    assert by_row[(6, "npwp")] == "NPWP mengandung karakter selain angka"
    assert by_row[(7, "npwp")] == "NPWP sama dengan baris 2; baris ini tidak disimpan (duplikat)"
    assert by_row[(8, "telepon")] == "Nomor telepon ke-1 berakhiran 987 tidak valid dan diabaikan"
    assert by_row[(9, "telepon")] == ("Tidak ada nomor telepon yang valid "
                                      "(nomor ke-1 berakhiran 987, nomor ke-2 tidak valid)")
    texts = report_texts(parsed)
    for secret in (good, bad_check, "3171011513900001", "12.345.678", "01A3121660091000", "0219876543210987",
                   "9876543210987", "3210987"):
        assert secret not in texts


def test_excel_number_warnings_do_not_repeat_the_npwp() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["npwp", "nama", "telepon"])
    sheet.append([int(npwp15(5)), "Nol hilang", "081234567890"])
    sheet.append([3171011501900001, "Enam belas", "081234567891"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse_target_list("sasaran.xlsx", buffer.getvalue())
    assert parsed.report["accepted"] == 2
    texts = report_texts(parsed)
    assert "nol di depan ditambahkan" in texts and "Excel hanya menyimpan 15 digit" in texts
    assert str(int(npwp15(5))) not in texts and "3171011501900001" not in texts


def test_campaign_page_does_not_show_the_full_npwp_to_an_agent(client, make_ctx) -> None:
    """The reviewer's t11.py: a checksum warning used to print the NPWP on the campaign page."""
    setup_sop(make_ctx)
    other = npwp15(5)
    bad_check = other[:8] + str((int(other[8]) + 1) % 10) + other[9:]
    content = csv_file(f"{npwp15(1)},Budi,081234567890", f"{bad_check},Siti,081234567891")
    view = campaigns.create_campaign(make_ctx(), "unit", "a.csv", content, "t", "")
    assert login_as(client, "agen2").get(f"/kampanye/{view.id}").status_code == 403  # not on this campaign
    html = login_as(client, "kasi").get(f"/kampanye/{view.id}").get_data(as_text=True)
    assert "digit pemeriksa (check digit) tidak cocok" in html
    assert bad_check not in html


# --- 3. column sizes and NUL --------------------------------------------------------------------------------

def test_target_list_limits_are_the_contact_column_sizes() -> None:
    columns = Contact.__table__.c
    assert (columns.name.type.length, columns.kpp.type.length, columns.npwp_raw.type.length) == (
        target_list.MAX_NAME, target_list.MAX_KPP, target_list.MAX_NPWP_RAW)
    assert CallAttempt.__table__.c.recording_ref.type.length == contacts.MAX_RECORDING_REF


def test_overlong_cells_are_row_errors_on_their_field() -> None:
    spaced = " .- ".join(npwp15(3))  # 15 digits spread over 71 characters
    content = csv_file(f"{npwp15(1)},{'N' * 256},081234567890", f"{npwp15(2)},Budi,081234567891,{'K' * 129}",
                       f"{spaced},Siti,081234567892", f"{npwp15(4)},{'N' * 255},081234567893,{'K' * 128}")
    parsed = parse_target_list("sasaran.csv", content)
    errors = {(e["row"], e["field"]): e["message"] for e in parsed.report["errors"]}
    assert errors == {
        (2, "nama"): "Nama wajib pajak terlalu panjang (256 karakter; paling banyak 255)",
        (3, "kpp"): "KPP terlalu panjang (129 karakter; paling banyak 128)",
        (4, "npwp"): "NPWP terlalu panjang (71 karakter; paling banyak 64)",
    }
    assert [r["row_number"] for r in parsed.rows] == [5]  # exactly at the limits: accepted


def test_nul_characters_are_removed_from_every_cell() -> None:
    content = f"np\x00wp,nama,telepon,kpp,cat\x00atan\n{npwp15(1)}\x00,Bu\x00di,0812\x0034567890,KPP\x00,a\x00b\n"
    parsed = parse_target_list("sasaran.csv", content.encode())
    (row,) = parsed.rows
    assert (row["npwp"], row["name"], row["phones"], row["kpp"], row["extra"]) == (
        npwp15(1), "Budi", ["+6281234567890"], "KPP", {"catatan": "ab"})
    assert target_file.cell_text("\x00 Siti \x00") == "Siti"  # XLSX cells go through the same cleaning


def test_overlong_and_nul_cells_store_on_every_database(make_ctx) -> None:
    """The reviewer's t8.py/t16.py: these rows crashed PostgreSQL (DataError) instead of being reported."""
    setup_sop(make_ctx)
    content = csv_file(f"{npwp15(1)},{'N' * 300},081234567890", f"{npwp15(2)},Budi,081234567891,{'K' * 200}",
                       f"{npwp15(3)},Si\x00ti,081234567892,KPP\x00 Gambir")
    view = campaigns.create_campaign(make_ctx(), "unit", "a.csv", content, "Judul", "")
    assert (view.import_report["accepted"], view.import_report["rejected"]) == (1, 2)
    with make_ctx().transaction() as session:
        stored = session.scalars(select(Contact).where(Contact.campaign_id == view.id)).one()
        assert (stored.name, stored.kpp) == ("Siti", "KPP Gambir")


# --- 3. call fields -----------------------------------------------------------------------------------------

@pytest.fixture
def calling(make_ctx) -> int:
    """A 6-contact campaign at step 5: agen1 and agen2 have three contacts each."""
    return at_step_5(make_ctx)


def first_contact(make_ctx, campaign_id: int) -> int:
    return campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0].id


@pytest.mark.parametrize(("call", "field"), [
    ({"notes": "x" * 4001}, "notes"),
    ({"recording_ref": "R" * 256}, "recording_ref"),
    ({"duration_s": -1}, "duration_s"),
    ({"duration_s": 86_401}, "duration_s"),
    ({"duration_s": 10**30}, "duration_s"),
    ({"outcome": "minta_dihubungi_kembali", "callback_at": NOW + timedelta(days=367)}, "callback_at"),
    ({"outcome": "minta_dihubungi_kembali",
      "callback_at": datetime.fromisoformat("9999-12-31T23:59:59-23:59")}, "callback_at"),
    ({"outcome": "minta_dihubungi_kembali",
      "callback_at": datetime.fromisoformat("0001-01-01T00:00:00+23:59")}, "callback_at"),
])
def test_record_call_refuses_oversized_fields(make_ctx, calling: int, call: dict[str, Any], field: str) -> None:
    contact_id = first_contact(make_ctx, calling)
    with pytest.raises(InvalidInput) as info:
        campaigns.record_call(make_ctx(), "agen1", contact_id, **{"outcome": "sibuk", **call})
    assert list(info.value.fields) == [field]
    assert campaigns.contact_detail(make_ctx(), "agen1", contact_id)[1] == []


def test_record_call_accepts_the_limits_and_drops_nul_from_notes(make_ctx, calling: int) -> None:
    contact_id = first_contact(make_ctx, calling)
    campaigns.record_call(make_ctx(), "agen1", contact_id, "minta_dihubungi_kembali",
                          notes="a\x00b" + "x" * 3998, callback_at=NOW + timedelta(days=365),
                          duration_s=86_400, recording_ref="R\x00" + "R" * 254)
    (call,) = campaigns.contact_detail(make_ctx(), "agen1", contact_id)[1]
    assert call.notes == "ab" + "x" * 3998 and call.recording_ref == "R" * 255
    assert call.duration_s == 86_400 and call.callback_at == NOW + timedelta(days=365)


# --- 3. generic caps on task data ---------------------------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"teks": {"type": "string"}, "daftar": {"type": "array"},
                                            "objek": {"type": "object"}}}


def form_errors(make_ctx, data: dict[str, Any]) -> dict[str, str]:
    with make_ctx().transaction() as session:
        try:
            forms.validate_form(session, SCHEMA, data)
        except InvalidInput as exc:
            return exc.fields
    return {}


def test_form_strings_arrays_and_nul_are_capped(make_ctx) -> None:
    too_long = "terlalu panjang (paling banyak 20.000 karakter)"
    at_limits = {"teks": "x" * 20_000, "daftar": list(range(500)), "objek": {"a": ["y" * 20_000]}}
    assert form_errors(make_ctx, at_limits) == {}
    assert form_errors(make_ctx, {"teks": "x" * 20_001}) == {"teks": too_long}
    assert form_errors(make_ctx, {"objek": {"a": [{"b": "y" * 20_001}]}}) == {"objek": too_long}
    assert form_errors(make_ctx, {"daftar": list(range(501))}) == {"daftar": "terlalu banyak isian (paling banyak 500)"}
    assert form_errors(make_ctx, {"objek": {"a": [[0] * 501]}}) == {"objek": "terlalu banyak isian (paling banyak 500)"}
    assert form_errors(make_ctx, {"teks": "a\x00b"}) == {"teks": "tidak boleh mengandung karakter NUL"}
    assert form_errors(make_ctx, {"objek": {"k\x00": 1}}) == {"objek": "tidak boleh mengandung karakter NUL"}
    deep: Any = "x" * 20_001
    for _ in range(5000):  # deeper than the recursion limit: checked iteratively
        deep = [deep]
    assert form_errors(make_ctx, {"daftar": deep}) == {"daftar": too_long}
    errors = form_errors(make_ctx, {"teks": 1, "daftar": ["z" * 20_001]})  # the caps answer before the schema
    assert errors == {"daftar": too_long}


def test_task_with_nul_or_huge_text_is_refused_and_nothing_is_saved(make_ctx) -> None:
    """The reviewer's t16.py: NUL in task data; and a 1 MB text in the work plan (state kept small)."""
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx, 3)
    do(make_ctx, "kasi", "tugaskan_pelaksana", campaign_id, {"pelaksana": "pelaksana"})
    task = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", campaign_id)
    for data, field in (({**WORK_PLAN, "naskah": "a\x00b"}, "naskah"), ({**WORK_PLAN, "materi": "m" * 1_000_000},
                                                                           "materi")):
        with pytest.raises(InvalidInput) as info:
            do(make_ctx, "pelaksana", "susun_rencana_kerja", campaign_id, data)
        assert list(info.value.fields) == [field]
    assert task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", campaign_id).id == task.id  # still open


# --- 4. API: query parameters, call fields, ids -------------------------------------------------------------

def api_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"}
    return body


@pytest.mark.parametrize(("query", "param"), [
    ("limit=%C2%B2", "limit"), ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=" + "9" * 25, "limit"),
    ("limit=" + "9" * 5000, "limit"), ("limit=-1", "limit"), ("limit=1.0", "limit"), ("limit=%201", "limit"),
    ("limit=%D9%A3", "limit"), ("offset=10000001", "offset"), ("offset=" + "9" * 25, "offset"),
    ("offset=abc", "offset"), ("offset=%C2%B2", "offset"),
])
def test_api_bad_limit_or_offset_is_422_naming_the_parameter(client, make_ctx, calling: int, query: str,
                                                            param: str) -> None:
    response = client.get(f"/api/v1/campaigns/{calling}/contacts?assigned=me&{query}",
                          headers=bearer(make_ctx(), "agen1"))
    assert list(api_error(response, 422)["fields"]) == [param]


def test_api_limit_and_offset_at_their_bounds_work(client, make_ctx, calling: int) -> None:
    headers = bearer(make_ctx(), "kasi")
    path = f"/api/v1/campaigns/{calling}/contacts"
    assert len(client.get(f"{path}?limit=1000&offset=0", headers=headers).get_json()) == 6
    assert len(client.get(f"{path}?limit=1&offset=5", headers=headers).get_json()) == 1
    assert len(client.get(f"{path}?limit=0001", headers=headers).get_json()) == 1
    assert client.get(f"{path}?offset=10000000", headers=headers).get_json() == []


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "sibuk", "duration_s": 10**30}, "duration_s"),
    ({"outcome": "sibuk", "duration_s": 86_401}, "duration_s"),
    ({"outcome": "minta_dihubungi_kembali", "callback_at": "9999-12-31T23:59:59-23:59"}, "callback_at"),
    ({"outcome": "minta_dihubungi_kembali", "callback_at": "2031-03-09T09:00:00+07:00"}, "callback_at"),
    ({"outcome": "sibuk", "notes": "n" * 4001}, "notes"),
    ({"outcome": "sibuk", "recording_ref": "r" * 256}, "recording_ref"),
])
def test_api_oversized_call_fields_are_422_and_record_nothing(client, make_ctx, calling: int, body: dict[str, Any],
                                                             field: str) -> None:
    """The reviewer's t5.py: huge duration and a year-9999 callback were 500s."""
    contact_id = first_contact(make_ctx, calling)
    response = client.post(f"/api/v1/contacts/{contact_id}/calls", json=body, headers=bearer(make_ctx(), "agen1"))
    assert list(api_error(response, 422)["fields"]) == [field]
    assert campaigns.contact_detail(make_ctx(), "agen1", contact_id)[1] == []


@pytest.mark.parametrize("number", ["99999999999999999999999", str(2**31), str(2**63), "9" * 5000])
def test_api_oversized_ids_are_404(client, make_ctx, number: str) -> None:
    """The reviewer's t19.py: SQLite raised OverflowError (500) for ids beyond 64 bits."""
    setup_sop(make_ctx)
    headers = bearer(make_ctx(), "kasi")
    for path in (f"/campaigns/{number}", f"/campaigns/{number}/report", f"/campaigns/{number}/contacts",
                 f"/instances/{number}"):
        assert api_error(client.get("/api/v1" + path, headers=headers), 404)["error"] == "not_found"
    response = client.post(f"/api/v1/contacts/{number}/calls", json={"outcome": "sibuk"}, headers=headers)
    assert api_error(response, 404)["error"] == "not_found"


def test_largest_int_id_still_reaches_the_view(client, make_ctx) -> None:
    setup_sop(make_ctx)
    response = client.get(f"/api/v1/campaigns/{MAX_ID}", headers=bearer(make_ctx(), "kasi"))
    assert api_error(response, 404)["message"] == f"Kampanye {MAX_ID} tidak ditemukan."  # the engine, not routing


def test_int_converter_is_bounded_and_builds_urls(app) -> None:
    assert app.url_map.converters["int"] is BoundedIntConverter
    with app.test_request_context():
        from flask import url_for
        assert url_for("api.campaign", campaign_id=MAX_ID) == f"/api/v1/campaigns/{MAX_ID}"
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/api/v1/campaigns/42") == ("api.campaign", {"campaign_id": 42})


def test_api_upload_drops_nul_from_title_requester_and_topic(client, make_ctx) -> None:
    """The reviewer's t16.py: a NUL in the title was a PostgreSQL DataError (500)."""
    setup_sop(make_ctx)
    data = {"title": "Ju\x00dul", "requester": "Direktorat P2\x00Humas", "topic": "To\x00pik",
            "file": (io.BytesIO(csv_file(f"{npwp15(1)},Budi,081234567890")), "sasa\x00ran.csv")}
    response = client.post("/api/v1/campaigns", data=data, headers=bearer(make_ctx(), "unit"),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    view = campaigns.get_campaign(make_ctx(), "unit", response.get_json()["id"])
    assert (view.title, view.requester, view.topic) == ("Judul", "Direktorat P2Humas", "Topik")


# --- 4. web pages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("duration", ["²", "١٢", "9" * 5000, "9" * 30, "86401", "24:00:01", "9999:00:00", "1:9999:00"])
def test_web_unreadable_or_huge_duration_is_the_inline_422(client, make_ctx, calling: int, duration: str) -> None:
    contact_id = first_contact(make_ctx, calling)
    response = login_as(client, "agen1").post(f"/kontak/{contact_id}/panggilan",
                                              data={"outcome": "sibuk", "duration": duration})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "menit:detik" in html or "Durasi panggilan terlalu lama" in html
    assert campaigns.contact_detail(make_ctx(), "agen1", contact_id)[1] == []


def test_web_longest_duration_is_recorded(client, make_ctx, calling: int) -> None:
    contact_id = first_contact(make_ctx, calling)
    response = login_as(client, "agen1").post(f"/kontak/{contact_id}/panggilan",
                                              data={"outcome": "sibuk", "duration": "24:00:00"})
    assert response.status_code == 302
    assert campaigns.contact_detail(make_ctx(), "agen1", contact_id)[1][0].duration_s == 86_400


def test_web_oversized_call_fields_are_the_inline_422(client, make_ctx, calling: int) -> None:
    contact_id = first_contact(make_ctx, calling)
    login_as(client, "agen1")
    for data, message in (({"notes": "n" * 4001}, "Catatan terlalu panjang"),
                          ({"outcome": "minta_dihubungi_kembali", "callback_at": "9999-12-31T23:59"},
                           "paling lambat satu tahun")):
        response = client.post(f"/kontak/{contact_id}/panggilan", data={"outcome": "sibuk", **data})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert campaigns.contact_detail(make_ctx(), "agen1", contact_id)[1] == []


@pytest.fixture
def one_per_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.views import calls as call_views
    monkeypatch.setattr(call_views, "PAGE_SIZE", 1)  # agen1's three contacts make three pages


@pytest.mark.parametrize("page", ["9" * 25, "9" * 5000, "²", "0", "-1", "abc", "100001"])
def test_web_invalid_page_number_shows_the_first_page(client, make_ctx, calling: int, one_per_page: None,
                                                      page: str) -> None:
    """The reviewer's t5.py: ?halaman=999… overflowed SQLite's OFFSET (500)."""
    response = login_as(client, "agen1").get(f"/kampanye/{calling}/panggilan?halaman={page}")
    assert response.status_code == 200
    assert "Halaman 1 dari 3" in response.get_data(as_text=True)


def test_web_page_number_within_bounds_still_pages(client, make_ctx, calling: int, one_per_page: None) -> None:
    login_as(client, "agen1")
    assert "Halaman 2 dari 3" in client.get(f"/kampanye/{calling}/panggilan?halaman=2").get_data(as_text=True)
    assert client.get(f"/kampanye/{calling}/panggilan?halaman=100000").status_code == 200  # past the end: empty


@pytest.mark.parametrize("path", ["/kampanye/{n}", "/kampanye/{n}/laporan", "/kampanye/{n}/panggilan",
                                  "/kontak/{n}", "/proses/{n}", "/dokumentasi/versi/{n}"])
def test_web_oversized_ids_are_404(client, make_ctx, path: str) -> None:
    setup_sop(make_ctx)
    login_as(client, "kasi")
    assert client.get(path.format(n="99999999999999999999999")).status_code == 404


def test_web_upload_drops_nul_from_the_campaign_fields(client, make_ctx) -> None:
    setup_sop(make_ctx)
    data = {"title": "Ju\x00dul", "requester": "Direktorat P2\x00Humas", "topic": "",
            "file": (io.BytesIO(csv_file(f"{npwp15(1)},Bu\x00di,081234567890")), "sasaran.csv")}
    response = login_as(client, "unit").post("/kampanye/unggah", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with make_ctx().transaction() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert (campaign.title, campaign.requester) == ("Judul", "Direktorat P2Humas")


# --- 5. every upload is linear (issue 11) ---------------------------------------------------------------------

def post_multipart(client: Any, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a multipart body built in memory (the test client spools one over 500 KB to a file it never closes)."""
    boundary, body = encode_multipart(data)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def wide_header(columns: int) -> str:
    return ",".join(["npwp", "nama", "telepon"] + [f"k{i}" for i in range(columns - 3)])


def test_api_upload_of_a_100000_column_header_is_a_422_naming_the_column_limit(client, make_ctx) -> None:
    """The reviewer's 0.7 MB CSV: the duplicate-column check was quadratic (minutes of CPU, then a 201)."""
    setup_sop(make_ctx)
    content = (wide_header(100_000) + f"\n{npwp15(1)},Budi,081234567890\n").encode()
    assert len(content) < 1_000_000
    data = {"title": "Lebar", "requester": "Direktorat P2Humas", "file": FileStorage(io.BytesIO(content), "lebar.csv")}
    body = api_error(post_multipart(client, "/api/v1/campaigns", data, headers=bearer(make_ctx(), "unit")), 422)
    assert body["message"] == "Terlalu banyak kolom"
    assert "lebih dari 200 kolom" in body["fields"]["file"]
    with make_ctx().transaction() as session:
        assert session.scalars(select(Campaign)).all() == []


def test_web_upload_of_a_too_wide_header_shows_the_limit_and_stores_nothing(client, make_ctx) -> None:
    setup_sop(make_ctx)
    data = {"title": "Lebar", "requester": "", "topic": "",
            "file": (io.BytesIO((wide_header(201) + f"\n{npwp15(1)},Budi,081234567890\n").encode()), "l.csv")}
    response = login_as(client, "unit").post("/kampanye/unggah", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "lebih dari 200 kolom" in response.get_data(as_text=True)
    with make_ctx().transaction() as session:
        assert session.scalars(select(Campaign)).all() == []


def test_two_hundred_columns_are_accepted_and_duplicates_still_named() -> None:
    parsed = parse_target_list("a.csv", (wide_header(200) + f"\n{npwp15(1)},Budi,081234567890\n").encode())
    assert parsed.report["accepted"] == 1 and len(parsed.rows[0]["extra"]) == 197
    error = rejection("a.csv", (wide_header(200)[:-len("k196")] + "NPWP\n").encode())
    assert (error.message, error.fields["file"]) == ("Nama kolom ganda",
                                                     "Kolom berikut muncul lebih dari sekali: npwp.")


def xlsx_of_sheet(sheet_xml: str) -> bytes:
    parts = {**XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet_xml,
             "xl/sharedStrings.xml": '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                                     'spreadsheetml/2006/main"></sst>'}
    return zip_file({name: text.encode() for name, text in parts.items()})


def inline_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet(rows: str, dimension: str = "") -> str:
    return ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + (f'<dimension ref="{dimension}"/>' if dimension else "") + f"<sheetData>{rows}</sheetData></worksheet>")


def contact_row(number: int) -> str:
    return (f'<row r="{number}">' + inline_cell(f"A{number}", npwp15(number)) + inline_cell(f"B{number}", "Budi")
            + inline_cell(f"C{number}", "081234567890") + "</row>")


HEADER_ROW = ('<row r="1">' + inline_cell("A1", "npwp") + inline_cell("B1", "nama") + inline_cell("C1", "telepon")
              + "</row>")


@pytest.fixture
def widest_row(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The widest row openpyxl hands to the parser, recorded as it is read."""
    widths = [0]
    collect = target_file._collect

    def recording(table: Any, padded: bool = False) -> Any:
        def rows() -> Any:
            for row in table:
                widths[0] = max(widths[0], len(row))
                yield row
        return collect(rows(), padded)

    monkeypatch.setattr(target_file, "_collect", recording)
    return widths


def test_xlsx_rows_are_not_padded_to_the_width_a_sheet_declares_or_to_a_far_cell(widest_row: list[int]) -> None:
    """openpyxl pads every row to the declared dimension (A1:XFD1048576) or to its last cell (column XFD = 16,384):
    200,000 such rows were 3 billion cells to look at."""
    far = "".join(contact_row(n)[:-len("</row>")] + f'<c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 12))
    parsed = parse_target_list("a.xlsx", xlsx_of_sheet(sheet(HEADER_ROW + far, "A1:XFD1048576")))
    assert parsed.report["accepted"] == 10
    assert widest_row[0] <= target_file.MAX_COLUMNS + 1


def test_xlsx_header_over_the_column_limit_is_rejected() -> None:
    cells = "".join(inline_cell(f"{openpyxl.utils.get_column_letter(i)}1", f"k{i}") for i in range(4, 250))
    header = HEADER_ROW.replace("</row>", cells + "</row>")
    error = rejection("a.xlsx", xlsx_of_sheet(sheet(header + contact_row(2))))
    assert error.message == "Terlalu banyak kolom" and "lebih dari 200 kolom" in error.fields["file"]


def test_xlsx_header_padding_is_not_a_column_and_a_row_near_the_sheet_end_is_read() -> None:
    parsed = parse_target_list("a.xlsx", xlsx_of_sheet(sheet(HEADER_ROW + contact_row(2) + contact_row(1_048_576),
                                                             "A1:E1048576")))
    assert [r["row_number"] for r in parsed.rows] == [2, 1_048_576]
    assert parsed.rows[0]["extra"] == {}  # columns D and E of the declared size are padding, not columns


def test_csv_cells_beyond_the_header_are_cut_from_each_row_and_warned_once() -> None:
    content = f"npwp,nama,telepon\n{npwp15(1)},Budi,081234567890{',' * 100_000}x\n{npwp15(2)},Siti,081234567891"
    parsed = parse_target_list("a.csv", (content + "," * 50_000 + " \x00 \n").encode())
    warned = [(w["row"], w["field"]) for w in parsed.report["warnings"]]
    assert warned == [(2, "kolom")]  # row 3's extra cells hold only blanks
    table = target_file.open_table("a.csv", io.BytesIO(content.encode()))
    assert [(len(cells), overflow) for _, cells, overflow in table.records] == [(3, True), (3, False)]


# --- 5. JSON bodies and form arrays (issue 11) --------------------------------------------------------------

def test_api_json_nested_deeper_than_the_parser_goes_is_a_400_not_a_500(client, make_ctx) -> None:
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx, 3)
    task = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", campaign_id)
    response = client.post(f"/api/v1/tasks/{task.id}", data="[" * 100_000 + "]" * 100_000,
                           headers={**bearer(make_ctx(), "kasi"), "Content-Type": "application/json"})
    assert api_error(response, 400)["error"] == "bad_request"


def test_bodies_over_one_megabyte_are_refused_unread_except_uploads(client, make_ctx) -> None:
    """A 48 MB JSON array of empty objects took 1.2 GB to parse; no form or call comes near 1 MB."""
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx, 3)
    task = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", campaign_id)
    big = json.dumps({"pelaksana": "pelaksana", "catatan": "x" * 1_100_000})
    response = client.post(f"/api/v1/tasks/{task.id}", data=big,
                           headers={**bearer(make_ctx(), "kasi"), "Content-Type": "application/json"})
    assert api_error(response, 413)["message"] == "Data yang dikirim melebihi batas 1 MB untuk permintaan ini."
    response = login_as(client, "kasi").post(f"/tugas/{task.id}", data={"pelaksana": "pelaksana",
                                                                        "catatan": "x" * 1_100_000})
    assert response.status_code == 413
    assert task_for(make_ctx(), "kasi", "tugaskan_pelaksana", campaign_id).id == task.id  # nothing done
    rows = [f"{npwp15(i)},{'Wajib Pajak ' + 'x' * 20},0812{i:08d}" for i in range(1, 30_000)]
    data = {"title": "Besar", "requester": "Direktorat P2Humas", "topic": "",
            "file": FileStorage(io.BytesIO(csv_file(*rows)), "besar.csv")}
    assert len(csv_file(*rows)) > 1024 * 1024
    response = post_multipart(client, "/kampanye/unggah", data)
    assert response.status_code == 302, response.get_data(as_text=True)


SCORE_ROWS = {"type": "object", "properties": {"penilaian": {"type": "array", "items": {
    "type": "object", "properties": {"nilai": {"type": "integer"}, "rincian": {"type": "array", "items": {
        "type": "object", "properties": {"butir": {"type": "string"}}}}}}}}}


def test_form_entry_indexes_that_are_not_small_ascii_numbers_are_ignored() -> None:
    """'²' passed isdigit() and made int() raise (a 500); 5,000 nines made int() raise too."""
    from werkzeug.datastructures import MultiDict

    from webapp.schema_form import coerce
    form = MultiDict({"penilaian/²/nilai": "1", "penilaian/" + "9" * 5000 + "/nilai": "2", "penilaian/3/nilai": "3"})
    assert coerce(SCORE_ROWS, form) == {"penilaian": [{"nilai": 3}]}


def test_form_entries_are_capped_one_past_the_engines_limit() -> None:
    from werkzeug.datastructures import MultiDict

    from webapp.schema_form import coerce
    data = coerce(SCORE_ROWS, MultiDict({f"penilaian/{i}/nilai": str(i) for i in range(5000)}))
    assert len(data["penilaian"]) == forms.MAX_ITEMS + 1 and data["penilaian"][-1] == {"nilai": 500}


class CountingForm:
    """A posted form that counts the keys read by whoever iterates it."""

    def __init__(self, items: dict[str, str]):
        from werkzeug.datastructures import MultiDict
        self.form, self.read = MultiDict(items), 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.form.get(key, default)

    def getlist(self, key: str) -> list[str]:
        return self.form.getlist(key)

    def __contains__(self, key: object) -> bool:
        return key in self.form

    def keys(self) -> Any:
        for key in self.form.keys():
            self.read += 1
            yield key


def test_nested_form_lists_are_read_in_one_pass_over_the_keys() -> None:
    """Each entry of a nested list used to scan every key of the form: entries × keys."""
    from webapp.schema_form import coerce
    items = {f"penilaian/{i}/rincian/{j}/butir": f"b{i}.{j}" for i in range(100) for j in range(3)}
    form = CountingForm(items)
    data = coerce(SCORE_ROWS, form)  # type: ignore[arg-type]
    assert data["penilaian"][99] == {"rincian": [{"butir": "b99.0"}, {"butir": "b99.1"}, {"butir": "b99.2"}]}
    assert form.read <= len(items)
