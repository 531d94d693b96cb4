"""Spreadsheet exports: a campaign's calls (the report's annex) and the dashboard's tables — one row per call, office
time, masked NPWP, the reader's language, streamed, and never a formula whatever the data holds."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from engine import campaign as campaigns
from engine import exports
from engine.campaign.identifiers import mask_npwp
from engine.errors import NotAllowed
from engine.exports import xlsx
from engine.models import AuditEvent, Campaign, Contact
from engine.users import create_user

from sop_helpers import do, new_campaign, setup_sop, to_distribution
from web_helpers import bearer, login_as

HOSTILE_NAME = '=HYPERLINK("http://x","klik")'
HOSTILE_NOTES = ("+62 tagihan", "-1 hari", "@SUM(A1:A9)", "\tdiam", "\rbaris", "=1+1", "#N/A")
HEADERS = ["Waktu (WIB)", "Agen", "NPWP (disamarkan)", "Nama Wajib Pajak", "Nomor yang dihubungi", "Hasil panggilan",
           "Waktu dihubungi kembali (WIB)", "Durasi (detik)", "Catatan", "Referensi rekaman", "Baris data sasaran"]


def workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def no_formula_anywhere(data: bytes, book: Workbook) -> None:
    """No cell is a formula (nor an error value), as openpyxl reads it and in the sheets' XML itself."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


@pytest.fixture
def called(make_ctx, clock) -> int:
    """A campaign at step 5 whose first taxpayer is named like a formula; agen1 records one call per risky note."""
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 10)
    to_distribution(make_ctx, cid)
    create_user(make_ctx(), "agen7", ["agen"], full_name="Agen Tujuh")  # an agent only (agen1-3 are Pelaksana too)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen7"]})
    mine = sorted(campaigns.list_contacts(make_ctx(), "agen1", cid), key=lambda c: c.row_number)
    with make_ctx().transaction() as session:
        session.execute(update(Contact).where(Contact.id == mine[0].id).values(name=HOSTILE_NAME))
    for contact, notes in zip(mine, HOSTILE_NOTES[:5], strict=True):
        clock.set(clock() + timedelta(minutes=7))
        campaigns.record_call(make_ctx(), "agen1", contact.id, "tidak_diangkat", notes=notes, duration_s=42,
                              recording_ref="=REC-1" if contact is mine[0] else "rek-2")
    callback = clock() + timedelta(days=1)
    campaigns.record_call(make_ctx(), "agen1", mine[0].id, "minta_dihubungi_kembali", notes=HOSTILE_NOTES[5],
                          callback_at=callback)
    other = campaigns.list_contacts(make_ctx(), "agen7", cid)[0]
    campaigns.record_call(make_ctx(), "agen7", other.id, "tersampaikan", notes=HOSTILE_NOTES[6] + "\x01\x0b")
    return cid


def test_one_row_per_call_in_office_time_masked_and_never_a_formula(make_ctx, clock, called) -> None:
    download = exports.campaign_calls(make_ctx(), "kasi", called)
    data = download.read()
    assert download.filename == f"panggilan-kampanye-{called}.xlsx" and download.size == len(data)
    book = workbook(data)
    assert book.sheetnames == ["Panggilan", "Keterangan"]
    rows = list(book["Panggilan"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 1 + 7  # one row per call attempt
    no_formula_anywhere(data, book)
    first = rows[1]
    assert first[0] == datetime(2026, 3, 9, 9, 7)  # 02:07 UTC = 09:07 WIB, as the header says
    assert first[1] == "Agen 1 (demo)" and first[3] == HOSTILE_NAME and first[5] == "Tidak diangkat"
    assert first[7] == 42 and first[9] == "=REC-1" and first[10] == 2
    with make_ctx().transaction() as session:
        npwps = dict(session.execute(select(Contact.name, Contact.npwp).where(Contact.campaign_id == called)).all())
    assert first[2] == mask_npwp(npwps[HOSTILE_NAME]) and "•" in first[2]
    assert not any(npwp.encode() in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
                   for npwp in npwps.values())  # never the full NPWP
    notes = [row[8] for row in rows[1:]]
    assert notes == [*HOSTILE_NOTES[:6], "#N/A"]  # as typed (the control characters XML cannot hold dropped)
    callback_row = rows[6]
    assert callback_row[5] == "Minta dihubungi kembali" and callback_row[6] == datetime(2026, 3, 10, 9, 35)
    sheet = book["Panggilan"]
    risky = [cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)
             and cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert {cell.value for cell in risky} >= {HOSTILE_NAME, *HOSTILE_NOTES[:6], "=REC-1"}
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in risky)  # shown and kept as text
    about = dict(book["Keterangan"].iter_rows(min_row=2, values_only=True))
    assert about["Jumlah panggilan"] == 7 and about["Judul kampanye"] == f"#{called} Kampanye uji"


def test_texts_follow_the_readers_language(make_ctx, called) -> None:
    book = workbook(exports.campaign_calls(make_ctx(), "kasi", called, lang="en").read())
    sheet = book.worksheets[0]
    assert [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)][-1] == "Information delivered"


def test_every_export_is_audited(make_ctx, called) -> None:
    exports.campaign_calls(make_ctx(), "pelaksana", called).read()
    with make_ctx().transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "calls_exported")).one()
    assert (event.username, event.campaign_id, event.data) == ("pelaksana", called, {"calls": 7})


@pytest.mark.parametrize("who", ["agen7", "kpp"])
def test_agents_and_other_units_may_not_export(make_ctx, called, who: str) -> None:
    with pytest.raises(NotAllowed):
        exports.campaign_calls(make_ctx(), who, called)


def test_the_requesting_unit_exports_once_the_report_is_signed(make_ctx, called) -> None:
    with pytest.raises(NotAllowed):
        exports.campaign_calls(make_ctx(), "unit", called)
    for agent in ("agen1", "agen7"):
        for contact in campaigns.list_contacts(make_ctx(), agent, called):
            if contact.final_outcome is None:
                campaigns.record_call(make_ctx(), agent, contact.id, "tersampaikan")
        do(make_ctx, agent, "hubungi_wajib_pajak", called, {"ringkasan": "selesai"})
    do(make_ctx, "pelaksana", "susun_laporan", called, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", called, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", called, {"keputusan": "tandatangani"})
    book = workbook(exports.campaign_calls(make_ctx(), "unit", called).read())
    assert book["Panggilan"].max_row == 1 + 7 + 9  # the first seven and one closing call for each open contact


def test_the_web_and_the_api_send_the_file(client, make_ctx, called) -> None:
    response = login_as(client, "kasi").get(f"/kampanye/{called}/panggilan.xlsx")
    assert response.status_code == 200 and response.mimetype == xlsx.MIMETYPE
    assert response.headers["Content-Disposition"] == f'attachment; filename="panggilan-kampanye-{called}.xlsx"'
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert workbook(response.data)["Panggilan"].max_row == 8
    assert login_as(client, "agen7").get(f"/kampanye/{called}/panggilan.xlsx").status_code == 403
    api = client.get(f"/api/v1/campaigns/{called}/calls.xlsx",
                     headers={**bearer(make_ctx(), "kepala"), "Accept-Language": "en"})
    assert api.status_code == 200 and api.mimetype == xlsx.MIMETYPE
    assert workbook(api.data).worksheets[0]["F2"].value == "No answer"
    refused = client.get(f"/api/v1/campaigns/{called}/calls.xlsx", headers=bearer(make_ctx(), "agen7"))
    assert refused.status_code == 403 and refused.json["error"] == "not_allowed"
    assert client.get("/api/v1/campaigns/999999/calls.xlsx", headers=bearer(make_ctx(), "kasi")).status_code == 404


def test_the_dashboards_tables_one_sheet_each_and_never_a_formula(client, make_ctx, called) -> None:
    with make_ctx().transaction() as session:
        session.execute(update(Campaign).where(Campaign.id == called).values(title="=cmd|' /C calc'!A0"))
    data = exports.dashboard_tables(make_ctx(), "kasi").read()
    book = workbook(data)
    assert book.sheetnames == ["Status kampanye", "Progres kampanye", "Panggilan per hari", "Beban agen",
                               "Tugas terlambat", "Batas waktu laporan", "Pelanggaran batas laporan", "Kualitas agen"]
    no_formula_anywhere(data, book)
    titles = [cell for row in book["Progres kampanye"].iter_rows(min_row=2) for cell in row if cell.column == 2]
    hostile = [cell for cell in titles if cell.value == "=cmd|' /C calc'!A0"]
    assert len(hostile) == 1 and hostile[0].data_type == "s" and hostile[0].quotePrefix
    progress = {row[0]: row for row in book["Progres kampanye"].iter_rows(min_row=2, values_only=True)}
    assert progress[called][3:9] == (10, 1, 0.1, 1, 0.1, 7)  # contacts, closed, progress, reached, reach rate, calls
    assert book["Progres kampanye"].cell(row=2, column=6).number_format == xlsx.PERCENT
    days = list(book["Panggilan per hari"].iter_rows(min_row=2, values_only=True))
    assert len(days) == 14 and days[-1][1] == 7
    pkl = workbook(exports.dashboard_tables(make_ctx(), "pkl").read())
    assert pkl.sheetnames == ["Kualitas agen"]
    with pytest.raises(NotAllowed):
        exports.dashboard_tables(make_ctx(), "pelaksana")
    response = login_as(client, "kepala").get("/dasbor.xlsx?days=7")
    assert response.status_code == 200 and response.mimetype == xlsx.MIMETYPE
    assert len(list(workbook(response.data)["Panggilan per hari"].iter_rows(min_row=2))) == 7


@pytest.mark.parametrize(("text", "explicit"), [
    ("Budi Santoso", False), ("=1+1", True), ("+62812", True), ("-5", True), ("@A1", True), ("\tx", True),
    ("\rx", True), ("#N/A", True), ("#REF!", True), ("", False)])
def test_text_cells_are_text(text: str, explicit: bool) -> None:
    """The one rule: a text openpyxl would store otherwise (formula, error value) or that begins like a formula is an
    explicit, quote-prefixed text cell; any other text is left to openpyxl, which stores it as text."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("t")
    cell = xlsx.text_cell(ws, text)
    if explicit:
        assert not isinstance(cell, str) and cell.data_type == "s" and cell.value == text
        assert cell.quotePrefix == text.startswith(xlsx.RISKY_START)
    else:
        assert cell == text
    ws.append([cell])
    out = io.BytesIO()
    book.save(out)
    [[read]] = load_workbook(out).active.iter_rows()
    assert (read.value or "") == text and (read.data_type == "s" or not text)  # "" is an empty cell


def test_text_cells_drop_what_xml_cannot_hold_and_cut_overlong_texts() -> None:
    ws = Workbook(write_only=True).create_sheet("t")
    assert xlsx.text_cell(ws, "a\x00b\x07c\x1fd") == "abcd"
    assert len(str(xlsx.text_cell(ws, "x" * 40_000))) == xlsx.MAX_TEXT
    title = xlsx.sheet_title("Laporan: [Maret]/April *2026* — sangat panjang sekali")
    assert title == "Laporan Maret April 2026 — sang"


def test_a_download_streams_in_chunks_and_closes_its_file() -> None:
    book = Workbook(write_only=True)
    ws = book.create_sheet("t")
    for i in range(20_000):
        ws.append([f"baris {i} " + "x" * 40, i])
    download = xlsx.finished(book, "besar.xlsx")
    chunks = list(download.chunks())
    assert len(chunks) > 1 and all(len(c) == xlsx.CHUNK for c in chunks[:-1])
    assert sum(map(len, chunks)) == download.size and download.file.closed
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip() is None
    unsent = xlsx.finished(Workbook(write_only=True), "kosong.xlsx")
    unsent.close()  # what the WSGI server does with a response it never sent
    assert unsent.file.closed


def test_utc_times_become_naive_office_times() -> None:
    from zoneinfo import ZoneInfo
    assert xlsx.office_time(datetime(2026, 3, 9, 17, 30, 5, 274_000, tzinfo=timezone.utc),
                            ZoneInfo("Asia/Jakarta")) == datetime(2026, 3, 10, 0, 30, 5)
