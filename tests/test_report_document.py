"""The signed report as a document: rendered once at signing, numbered, hashed, served to the requester."""
from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engine import campaign as campaigns
from engine import pages, users
from engine.campaign import report_document
from engine.errors import NotAllowed, NotFound, ProcessFailed
from engine.models import AuditEvent, Report
from engine.walkthrough import task_for

from sop_helpers import do, new_campaign, ready, setup_sop, to_reporting
from web_helpers import bearer, has_class, login_as, one, page_tree, text_of

SIGNER = users.Profile("Dr. Ratna Kusumawardani, S.E., M.Si.", None, "197803152001122002",
                       "Kepala Kantor Layanan Informasi dan Pengaduan")
NARRATIVE = {"ringkasan_pelaksanaan": "Informasi batas waktu SPT Tahunan disampaikan kepada seluruh Wajib Pajak.",
             "kendala": "Beberapa nomor <b>tidak aktif</b> & <img src='file:///etc/passwd'>.",
             "rekomendasi": "Pemutakhiran nomor telepon sebelum kegiatan berikutnya."}
COVER_LETTER = {"nomor_surat": "ND-12/KLIP/2026", "tanggal_kirim": "2026-03-20", "diteruskan_ke_pkl": True}


@pytest.fixture
def sop(make_ctx):
    setup_sop(make_ctx)
    users.create_user(make_ctx(), "kakan", ["kepala_kantor"], profile=SIGNER)
    users.create_user(make_ctx(), "unit_lain", ["pengguna_layanan"], full_name="KPP Pratama Lain")
    return make_ctx


def to_signing(make_ctx, n: int = 6) -> int:
    """A campaign drafted and approved, waiting for the Kepala Kantor (step 8)."""
    cid = new_campaign(make_ctx, n)
    to_reporting(make_ctx, cid, agents=("agen1", "agen2"))
    do(make_ctx, "pelaksana", "susun_laporan", cid, NARRATIVE)
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    return cid


def sign(make_ctx, cid: int, signer: str = "kakan") -> None:
    do(make_ctx, signer, "tandatangani_laporan", cid, {"keputusan": "tandatangani"})


def stored(make_ctx, cid: int) -> Report:
    with make_ctx().transaction() as session:
        report = session.get(Report, cid)
        assert report is not None
        session.expunge(report)
        return report


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace folded."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


# --- signing renders the document ------------------------------------------------------------------------

def test_signing_stores_the_pdf_its_number_and_the_sha256_of_exactly_those_bytes(sop) -> None:
    cid = to_signing(sop)
    assert stored(sop, cid).pdf is None
    sign(sop, cid)
    report = stored(sop, cid)
    assert report.pdf and report.pdf.startswith(b"%PDF-")
    assert report.sha256 == hashlib.sha256(report.pdf).hexdigest()
    assert report.number == "LAP-0001/KLIP/2026" and report.signed_by == "kakan"
    assert campaigns.get_report(sop(), "kasi", cid)["sha256"] == report.sha256


def test_the_pdf_is_a_formal_report_with_signer_figures_narrative_and_page_numbers(sop) -> None:
    cid = to_signing(sop)
    sign(sop, cid)
    texts = pdf_pages(stored(sop, cid).pdf)
    n = len(texts)
    for i, text in enumerate(texts, start=1):
        assert f"Halaman {i} dari {n}" in text and "Nomor LAP-0001/KLIP/2026" in text
    first, everything = texts[0], " ".join(texts)
    for line in ("KEMENTERIAN KEUANGAN REPUBLIK INDONESIA", "DIREKTORAT JENDERAL PAJAK",
                 "KANTOR LAYANAN INFORMASI DAN PENGADUAN", "LAPORAN PELAKSANAAN",
                 "LAYANAN PENYAMPAIAN INFORMASI PERPAJAKAN", "Tanggal 9 Maret 2026"):
        assert line in first, line
    assert "Pengguna Layanan : Direktorat P2Humas" in first and "Kegiatan : Kampanye uji" in first
    assert "9 Maret 2026 s.d. 19 Maret 2026" in first  # the work plan's dates
    assert "Masa pelaksanaan : 9 Maret 2026" in first  # every call on the same day
    assert "Informasi tersampaikan" in everything and "Kotak suara" in everything  # outcome labels
    assert "Agen 1 (demo)" in everything and "Agen 2 (demo)" in everything  # agents by full name
    assert NARRATIVE["ringkasan_pelaksanaan"] in everything
    assert "<b>tidak aktif</b> & <img src='file:///etc/passwd'>" in everything  # the user's text, as text
    assert SIGNER.full_name in texts[-1] and f"NIP {SIGNER.nip}" in texts[-1]
    assert "Kepala Kantor Layanan Informasi dan Pengaduan," in texts[-1]
    for ui_text in ("keadaan per", "Status", "Cetak", "Unduh", "Angka sementara"):
        assert ui_text not in everything


def test_the_signer_without_position_or_nip_gets_the_office_title(sop) -> None:
    cid = to_signing(sop)
    sign(sop, cid, signer="kepala")
    last = pdf_pages(stored(sop, cid).pdf)[-1]
    assert "Kepala Kantor Layanan Informasi dan Pengaduan," in last and "Kepala Kantor (demo)" in last
    assert "NIP -" in last


def test_numbers_run_per_year_and_are_unique(sop) -> None:
    first, second = to_signing(sop, 3), to_signing(sop, 3)
    sign(sop, second)
    sign(sop, first)
    assert (stored(sop, second).number, stored(sop, first).number) == ("LAP-0001/KLIP/2026", "LAP-0002/KLIP/2026")
    with sop().transaction() as session:
        assert report_document.next_number(session, 2026) == "LAP-0003/KLIP/2026"
        assert report_document.next_number(session, 2027) == "LAP-0001/KLIP/2027"
    assert report_document.pdf_filename("LAP-0002/KLIP/2026") == "laporan-LAP-0002-KLIP-2026.pdf"


def test_a_failure_to_render_refuses_the_signing_and_stores_nothing(sop, monkeypatch) -> None:
    cid = to_signing(sop)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("Pango tidak ditemukan")

    monkeypatch.setattr("weasyprint.HTML.write_pdf", broken)
    with pytest.raises(ProcessFailed, match="tidak dapat dibuat sebagai PDF.*Pango tidak ditemukan"):
        sign(sop, cid)
    report = stored(sop, cid)
    assert (report.signed_at, report.sha256, report.number, report.pdf) == (None, None, None, None)
    assert ready(sop, "kakan", cid) == ["tandatangani_laporan"]  # still waiting for the signature


# --- step 9 and the requester ----------------------------------------------------------------------------

def test_step_9_stores_the_cover_letter_on_the_report(sop) -> None:
    cid = to_signing(sop)
    sign(sop, cid)
    do(sop, "pkl", "sampaikan_laporan", cid, {**COVER_LETTER, "nomor_surat": "  ND-12/KLIP/2026 "})
    report = stored(sop, cid)
    assert (report.cover_letter_number, report.cover_letter_date.isoformat()) == ("ND-12/KLIP/2026", "2026-03-20")
    assert report.sent_by == "pkl" and report.sent_at is not None
    page = pages.campaign_page(sop(), "unit", cid)
    assert page.signed_report is not None and page.signed_report.cover_letter_number == "ND-12/KLIP/2026"
    assert page.may_read_report


def test_the_requester_downloads_the_signed_pdf_once_signed_and_each_download_is_audited(sop) -> None:
    cid = to_signing(sop)
    with pytest.raises(NotAllowed):  # another unit never sees this campaign
        campaigns.signed_report_pdf(sop(), "unit_lain", cid)
    with pytest.raises(NotFound):
        campaigns.signed_report_pdf(sop(), "unit", cid)
    sign(sop, cid)
    filename, pdf = campaigns.signed_report_pdf(sop(), "unit", cid)
    assert filename == "laporan-LAP-0001-KLIP-2026.pdf"
    assert hashlib.sha256(pdf).hexdigest() == stored(sop, cid).sha256
    with pytest.raises(NotAllowed):
        campaigns.signed_report_pdf(sop(), "unit_lain", cid)
    with sop().transaction() as session:
        downloads = session.scalars(select(AuditEvent).where(AuditEvent.action == "report_downloaded")).all()
        assert [(e.username, e.campaign_id, e.data["number"]) for e in downloads] == [
            ("unit", cid, "LAP-0001/KLIP/2026")]


def test_api_serves_the_pdf_only_after_signing_and_only_to_who_may_read_it(app, sop) -> None:
    client = app.test_client()
    cid = to_signing(sop)
    unit, other, kasi = (bearer(sop(), name) for name in ("unit", "unit_lain", "kasi"))
    path = f"/api/v1/campaigns/{cid}/report.pdf"
    assert client.get(path, headers=unit).status_code == 404
    assert client.get(path, headers=kasi).status_code == 404
    assert client.get(path).status_code == 401
    sign(sop, cid)
    response = client.get(path, headers=unit)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "laporan-LAP-0001-KLIP-2026.pdf" in response.headers["Content-Disposition"]
    body = client.get(f"/api/v1/campaigns/{cid}/report", headers=unit).get_json()
    assert body["sha256"] == hashlib.sha256(response.data).hexdigest()
    assert body["number"] == "LAP-0001/KLIP/2026" and body["pdf_url"] == path
    assert body["cover_letter_number"] is None and body["cover_letter_date"] is None
    forbidden = client.get(path, headers=other)
    assert forbidden.status_code == 403 and forbidden.is_json
    assert client.get(f"/api/v1/campaigns/{cid}/report", headers=other).status_code == 403
    do(sop, "pkl", "sampaikan_laporan", cid, COVER_LETTER)
    body = client.get(f"/api/v1/campaigns/{cid}/report", headers=unit).get_json()
    assert (body["cover_letter_number"], body["cover_letter_date"]) == ("ND-12/KLIP/2026", "2026-03-20")


# --- the web pages -----------------------------------------------------------------------------------

def links(tree: Any) -> list[str]:
    return tree.xpath("//main//a/@href")


def test_campaign_page_shows_the_requester_the_signed_report_and_the_cover_letter(client, sop) -> None:
    cid = to_signing(sop)
    pdf_path = f"/kampanye/{cid}/laporan.pdf"
    html = page_tree(login_as(client, "unit").get(f"/kampanye/{cid}"))
    card = one(html, f"//section[{has_class('signed-report')}]")
    assert "belum ditandatangani" in text_of(card)
    assert f"/kampanye/{cid}/laporan" not in links(html)  # the draft is not the unit's to read
    assert client.get(pdf_path).status_code == 404
    sign(sop, cid)
    html = page_tree(client.get(f"/kampanye/{cid}"))
    card = one(html, f"//section[{has_class('signed-report')}]")
    assert text_of(one(card, f".//dd[{has_class('report-number')}]")) == "LAP-0001/KLIP/2026"
    assert SIGNER.full_name in text_of(card) and "belum dikirim" in text_of(card)
    assert pdf_path in links(html) and f"/kampanye/{cid}/laporan" in links(html)
    response = client.get(pdf_path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == stored(sop, cid).sha256
    do(sop, "pkl", "sampaikan_laporan", cid, COVER_LETTER)
    html = page_tree(client.get(f"/kampanye/{cid}"))
    cover = text_of(one(html, f"//dd[{has_class('cover-letter')}]"))
    assert "ND-12/KLIP/2026" in cover and "20 Mar 2026" in cover
    assert login_as(client, "unit_lain").get(f"/kampanye/{cid}").status_code == 403
    assert client.get(pdf_path).status_code == 403


def test_report_page_and_pkls_sending_task_link_the_signed_pdf(client, sop) -> None:
    cid = to_signing(sop)
    sign(sop, cid)
    pdf_path = f"/kampanye/{cid}/laporan.pdf"
    html = page_tree(login_as(client, "kasi").get(f"/kampanye/{cid}/laporan"))
    signature = one(html, f"//div[{has_class('signature')}]")
    assert "LAP-0001/KLIP/2026" in text_of(signature) and pdf_path in signature.xpath(".//a/@href")
    task = task_for(sop(), "pkl", "sampaikan_laporan", cid)
    html = page_tree(login_as(client, "pkl").get(f"/tugas/{task.id}"))
    note = one(html, f"//div[{has_class('send-note')}]")  # next to the cover letter form: the document to send
    assert "LAP-0001/KLIP/2026" in text_of(note) and "Direktorat P2Humas" in text_of(note)
    assert note.xpath(f".//a[{has_class('signed-pdf')}]/@href") == [pdf_path]
    panel = one(html, f"//aside[{has_class('report-side')}]")  # the signed report's figures, per agent too
    assert pdf_path in panel.xpath(f".//a[{has_class('signed-pdf')}]/@href")
    assert "LAP-0001/KLIP/2026" in text_of(panel)
