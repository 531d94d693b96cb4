"""Campaign and call pages through the test client: upload, import report, call list, recording calls, report."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

from flask_login import login_user

from engine import campaign as campaigns
from engine import pages
from engine.campaign.identifiers import mask_npwp
from engine.demo import npwp15, sample_target_list
from engine.models import Campaign
from engine.users import create_user
from engine.walkthrough import task_for
from webapp import panels
from webapp.auth import WebUser

from sop_helpers import do, finish_calls, new_campaign, setup_sop, to_distribution
from web_helpers import has_class, login_as, one, page_tree, rows_of, text_of

BAD_CSV = "\n".join([
    "npwp,nama,telepon,kpp,tahun_pajak",
    f"{npwp15(1)},Budi Santoso,081234567890;021-5551234,KPP Gambir,2025",   # row 2
    f"{npwp15(2)},Siti Rahayu,085712345678,,2025",                         # row 3
    "12.345,NPWP Pendek,081298765432,,2025",                                # row 4: rejected (length)
    f"{npwp15(3)},,081298765433,,2025",                                     # row 5: rejected (name)
    f"{npwp15(4)},Tanpa Telepon,12,,2025",                                  # row 6: rejected (phone)
    f"{npwp15(1)},Baris Ganda,081298765434,,2025",                          # row 7: duplicate of row 2
    f"{npwp15(5)},Agus Wijaya,081311112222,,2025",                          # row 8
]).encode()


def upload(client, content: bytes, filename: str = "sasaran.csv", **form: str):
    data = {"title": "Himbauan SPT 2025", "requester": "Direktorat P2Humas", "topic": "Batas waktu SPT", **form,
            "file": (io.BytesIO(content), filename)}
    return client.post("/kampanye/unggah", data=data, content_type="multipart/form-data")


def table_rows(tree: Any, css_class: str) -> list[list[str]]:
    """The cell texts of the body rows of the first table with ``css_class``."""
    tables = tree.xpath(f"//table[{has_class(css_class)}]")
    assert tables, f"no table .{css_class}"
    return rows_of(tables[0])


def stats(tree: Any) -> dict[str, str]:
    """The figure boxes (``<b>8</b>Baris dibaca``) of a page or panel: label → figure."""
    return {" ".join((b.tail or "").split()): text_of(b) for b in tree.xpath(f"//div[{has_class('stat')}]/b")}


def details(tree: Any, section: str) -> dict[str, str]:
    """The term → description pairs of the definition list in the card whose heading is ``section``."""
    dl = one(tree, "//section[h2[normalize-space()=$title]]/dl", title=section)
    return {text_of(dt): text_of(dt.xpath("following-sibling::dd[1]")[0]) for dt in dl.xpath("./dt")}


def flashes(tree: Any) -> str:
    return " | ".join(text_of(el) for el in tree.xpath(f"//div[{has_class('flash')}]"))


def main_text(tree: Any) -> str:
    """Everything the page shows below the top bar."""
    return text_of(one(tree, "//main"))


def everywhere(tree: Any) -> str:
    """All the text and attribute values of a page: a value must not appear in any of it, shown or hidden."""
    return "\n".join(tree.xpath("//text() | //@*"))


def links(tree: Any) -> list[str]:
    return tree.xpath("//a/@href")


def distributed(make_ctx, agents=("agen1", "agen2"), n: int = 9) -> int:
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx, n)
    to_distribution(make_ctx, campaign_id)
    do(make_ctx, "kasi", "distribusi_pekerjaan", campaign_id, {"agen": list(agents)})
    return campaign_id


# --- upload and import report ------------------------------------------------------------------------

def test_upload_with_bad_rows_lists_every_rejected_row(client, make_ctx) -> None:
    setup_sop(make_ctx)
    response = upload(login_as(client, "unit"), BAD_CSV)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page_tree(page)
    assert page.status_code == 200
    assert "3 dari 7 baris diterima, 3 ditolak, 1 duplikat" in flashes(html)
    rejected = table_rows(html, "rejected-rows")
    assert [row[:3] for row in rejected] == [["4", "NPWP Pendek", "•••••"], ["5", "—", mask_npwp(npwp15(3))],
                                             ["6", "Tanpa Telepon", mask_npwp(npwp15(4))]]
    assert "npwp NPWP harus 15 atau 16 digit (terbaca 5 digit)" == rejected[0][3]
    assert rejected[1][3] == "nama Nama wajib pajak kosong"
    assert rejected[2][3].startswith("telepon Tidak ada nomor telepon yang valid")
    duplicates = one(html, "//details[summary/h3[starts-with(normalize-space(), 'Duplikat')]]//table")
    assert rows_of(duplicates) == [["7", "Baris Ganda", mask_npwp(npwp15(1)), "duplikat dari baris 2"]]


def test_upload_missing_required_column_is_rejected_and_stores_nothing(client, make_ctx) -> None:
    setup_sop(make_ctx)
    before = campaigns.list_campaigns(make_ctx(), "kasi")
    response = upload(login_as(client, "pelaksana"), b"npwp,nama\n012345678901234,Budi\n", title="Judul tetap ada")
    html = page_tree(response)
    assert response.status_code == 422
    assert "Kolom wajib tidak ditemukan: telepon" in text_of(one(html, "//*[@id='file-error']"))
    assert one(html, "//input[@name='title']").get("value") == "Judul tetap ada"
    assert one(html, "//select[@name='requester']/option[@selected]").get("value") == "Direktorat P2Humas"
    assert campaigns.list_campaigns(make_ctx(), "kasi") == before
    assert "Judul tetap ada" not in main_text(page_tree(client.get("/kampanye")))


def test_upload_without_title_or_file_shows_both_errors(client, make_ctx) -> None:
    setup_sop(make_ctx)
    response = login_as(client, "kasi").post("/kampanye/unggah", data={"title": "", "requester": "Kanwil"},
                                             content_type="multipart/form-data")
    html = page_tree(response)
    assert response.status_code == 422
    assert "wajib diisi" in text_of(one(html, "//*[@id='title-error']"))
    assert "Pilih berkas .csv atau .xlsx" in text_of(one(html, "//*[@id='file-error']"))
    assert campaigns.list_campaigns(make_ctx(), "kasi") == []


def test_upload_is_forbidden_for_agent_only_and_kepala_kantor(client, make_ctx) -> None:
    setup_sop(make_ctx)
    create_user(make_ctx(), "agenx", ("agen",), full_name="Agen saja")
    for username in ("agenx", "kepala"):
        login_as(client, username)
        form = client.get("/kampanye/unggah")
        assert form.status_code == 403
        assert not page_tree(form).xpath("//input[@type='file']")
        assert upload(client, sample_target_list(3)).status_code == 403
        assert "Unggah data kampanye" not in main_text(page_tree(client.get("/kampanye")))
    assert campaigns.list_campaigns(make_ctx(), "kasi") == []


def test_campaign_page_shows_data_progress_and_import_report(client, make_ctx) -> None:
    setup_sop(make_ctx)
    view = campaigns.create_campaign(make_ctx(), "unit", "data.csv", sample_target_list(5), "Kampanye A",
                                     "Direktorat P2Humas", "Pengingat SPT")
    stored = campaigns.get_campaign(make_ctx(), "kasi", view.id)  # the upload's answer is what is stored
    assert (view.progress, view.instance_id) == (stored.progress, stored.instance_id) and view.progress["contacts"] == 5
    html = page_tree(login_as(client, "kasi").get(f"/kampanye/{view.id}"))
    report = one(html, f"//section[{has_class('import-report')}]")
    assert text_of(one(report, "./h2")) == "Laporan Penerimaan dan Pengolahan Data"
    figures = stats(report)
    for figure, label in ((8, "Baris dibaca"), (5, "Diterima"), (2, "Ditolak"), (1, "Duplikat")):
        assert figures[label] == str(figure), label
    assert [row[0] for row in table_rows(html, "rejected-rows")] == ["7", "9"]
    data = details(html, "Data kampanye")
    assert data["Topik"] == "Pengingat SPT" and data["Pengguna Layanan"] == "Direktorat P2Humas"
    assert f"/kampanye/{view.id}/laporan" in links(html)
    listing = page_tree(client.get("/kampanye"))
    row = one(listing, f"//table[{has_class('campaign-table')}]/tbody/tr[.//a[normalize-space()='Kampanye A']]")
    assert "0 dari 5 kontak selesai" in text_of(row)


def bad_check(number: str) -> str:
    """The same NPWP with a wrong check digit."""
    return number[:8] + str((int(number[8]) + 1) % 10) + number[9:]


OFFICE_CSV = "\r\n".join([  # as Excel on an Indonesian Windows saves "CSV (semicolon delimited)": Windows-1252, ';'
    "NPWP;Nama;Telepon;Alamat",
    f"{npwp15(1)};Zoë O’Brien;0812-3456-7890;Jl. Merdeka 1, Bandung",       # row 2
    f"{bad_check(npwp15(2))};José Müller;085712345678;Jl. Sudirman, Jakarta",  # row 3: check digit → warning
    "12.345.678;Siti Pendek;081298765432;",                                  # row 4: wrong length → rejected
    f"01A{npwp15(3)[3:]};Huruf Salah;081298765433;",                        # row 5: non-digits → rejected
    f"{npwp15(4)};Ñoño Pérez;12;",                                           # row 6: no valid phone → rejected
    f"{npwp15(5)};Agus Wijaya;12, 081311112222;",                            # row 7: one bad phone → warning
]).encode("cp1252")


def test_import_report_names_rows_with_masked_npwp_and_lists_accepted_rows_with_warnings(client, make_ctx) -> None:
    setup_sop(make_ctx)
    response = upload(login_as(client, "unit"), OFFICE_CSV, filename="sasaran.csv")
    assert response.status_code == 302
    html = page_tree(client.get(response.headers["Location"]))
    report = one(html, f"//section[{has_class('import-report')}]")
    assert stats(report)["Diterima"] == "3" and stats(report)["Diterima dengan peringatan"] == "2"
    assert text_of(one(report, f".//p[{has_class('import-source')}]")) == (
        "Berkas dibaca sebagai CSV: penyandian Windows-1252, pemisah titik koma (;).")
    rejected = table_rows(report, "rejected-rows")
    assert [row[:3] for row in rejected] == [["4", "Siti Pendek", "••••5678"], ["5", "Huruf Salah", "•" * 15],
                                             ["6", "Ñoño Pérez", mask_npwp(npwp15(4))]]
    assert [row[3] for row in rejected] == ["npwp NPWP harus 15 atau 16 digit (terbaca 8 digit)",
                                            "npwp NPWP mengandung karakter selain angka",
                                            "telepon Tidak ada nomor telepon yang valid (nomor ke-1 tidak valid)"]
    warned = table_rows(report, "warning-rows")
    assert warned == [
        ["3", "José Müller", mask_npwp(bad_check(npwp15(2))),
         "npwp NPWP 15 digit: digit pemeriksa (check digit) tidak cocok; periksa kembali"],
        ["7", "Agus Wijaya", mask_npwp(npwp15(5)), "telepon Nomor telepon ke-1 tidak valid dan diabaikan"]]
    assert "Zoë O’Brien" in {c.name for c in campaigns.list_contacts(make_ctx(), "kasi", _campaign_id(response),
                                                                       assigned_to_me=False)}
    stored = json.dumps(campaigns.get_campaign(make_ctx(), "kasi", _campaign_id(response)).import_report,
                        ensure_ascii=False)
    page_text = everywhere(html)
    for secret in (npwp15(1), bad_check(npwp15(2)), npwp15(4), npwp15(5), "12.345.678", "12345678",
                   f"01A{npwp15(3)[3:]}", "0812-3456-7890", "85712345678", "81311112222"):
        assert secret not in page_text and secret not in stored, secret


def _campaign_id(response: Any) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_upload_page_states_which_npwp_problems_reject_and_which_warn(client, make_ctx) -> None:
    setup_sop(make_ctx)
    html = page_tree(login_as(client, "unit").get("/kampanye/unggah"))
    rules = [text_of(li) for li in html.xpath("//aside//ul/li")]
    assert any("ditolak bila NPWP-nya bukan 15 atau 16 digit atau berisi selain angka" in r for r in rules)
    assert any("digit pemeriksanya (check digit) tidak cocok" in r and "tetap diterima dengan peringatan" in r
               and "Laporan Penerimaan dan Pengolahan Data" in r for r in rules)
    assert not any("NPWP tidak valid" in r for r in rules)
    assert ".xls" in one(html, "//input[@type='file']").get("accept").split(",")


def test_workbook_named_csv_is_read_and_legacy_xls_is_refused_with_advice(client, make_ctx) -> None:
    import openpyxl

    setup_sop(make_ctx)
    workbook = openpyxl.Workbook()
    workbook.active.append(["npwp", "nama", "telepon"])
    workbook.active.append([npwp15(7), "Dewi Lestari", "081311112222"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(login_as(client, "unit"), buffer.getvalue(), filename="sasaran.csv")
    assert response.status_code == 302
    html = page_tree(client.get(response.headers["Location"]))
    assert text_of(one(html, f"//p[{has_class('import-source')}]")) == (
        "Berkas dibaca sebagai lembar kerja Excel (.xlsx), lembar pertama. "
        "Nama berkas berakhiran .csv; berkas dibaca menurut isinya.")
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    response = upload(client, legacy, filename="sasaran.xls", title="Berkas lama")
    html = page_tree(response)
    assert response.status_code == 422
    assert "Format Excel 97-2003 (.xls) tidak didukung" in flashes(html)
    assert "simpan ulang sebagai Excel Workbook (.xlsx) atau CSV UTF-8 (.csv)" in text_of(
        one(html, "//*[@id='file-error']"))
    assert "Berkas lama" not in main_text(page_tree(client.get("/kampanye")))


def test_report_stored_before_rows_had_names_still_lists_its_rows(client, make_ctx) -> None:
    setup_sop(make_ctx)
    view = campaigns.create_campaign(make_ctx(), "unit", "data.csv", sample_target_list(5), "Lama", "")
    legacy = {"rows": 3, "accepted": 1, "rejected": 2, "duplicates": 0, "warning_count": 1, "error_count": 3,
              "errors": [{"row": 3, "field": "npwp", "message": "NPWP kosong"},
                         {"row": 3, "field": "nama", "message": "Nama wajib pajak kosong"},
                         {"row": 4, "field": "telepon", "message": "Nomor telepon kosong"}],
              "warnings": [{"row": 2, "field": "kolom", "message": "Baris memiliki sel di luar kolom judul"}],
              "duplicate_rows": []}
    with make_ctx().transaction() as session:
        session.get(Campaign, view.id).import_report = legacy
    html = page_tree(login_as(client, "kasi").get(f"/kampanye/{view.id}"))
    assert table_rows(html, "rejected-rows") == [
        ["3", "—", "—", "npwp NPWP kosong nama Nama wajib pajak kosong"],
        ["4", "—", "—", "telepon Nomor telepon kosong"]]
    assert stats(html)["Peringatan"] == "1"
    assert not html.xpath(f"//p[{has_class('import-source')}]")


# --- agent call list and contact page -------------------------------------------------------------

def test_call_list_shows_only_my_contacts_with_masked_npwp_and_tel_links(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    mine = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)
    theirs = campaigns.list_contacts(make_ctx(), "agen2", campaign_id)
    response = login_as(client, "agen1").get(f"/kampanye/{campaign_id}/panggilan")
    html = page_tree(response)
    assert response.status_code == 200
    opened = {int(href.removeprefix("/kontak/")) for href in links(html)
              if href.startswith("/kontak/") and href.removeprefix("/kontak/").isdigit()}
    assert opened == {c.id for c in mine} and not opened & {c.id for c in theirs}
    for contact in mine:
        row = one(html, f"//table[{has_class('call-table')}]/tbody/tr[.//a[@href=$href]]", href=f"/kontak/{contact.id}")
        assert contact.npwp not in everywhere(html) and contact.npwp_masked in text_of(row)
        assert all(row.xpath(".//a[@href=$tel]", tel=f"tel:{phone}") for phone in contact.phones)
    assert stats(html)["Kontak selesai"] == f"0 / {len(mine)}"
    assert html.xpath("//a[starts-with(normalize-space(), 'Kontak berikutnya')]")


def test_other_agent_may_not_open_or_record_my_contact(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    contact = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0]
    login_as(client, "agen2")
    assert client.get(f"/kontak/{contact.id}").status_code == 403
    assert client.post(f"/kontak/{contact.id}/panggilan", data={"outcome": "tersampaikan"}).status_code == 403
    assert campaigns.contact_detail(make_ctx(), "agen1", contact.id)[1] == []


def test_recording_a_call_moves_to_the_next_open_contact(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    first, second = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[:2]
    login_as(client, "agen1")
    page = page_tree(client.get(f"/kontak/{first.id}"))
    outcomes = text_of(one(page, f"//fieldset[{has_class('outcomes')}]"))
    assert "Informasi tersampaikan" in outcomes and "Tidak terhubung" in outcomes and first.npwp not in everywhere(page)
    response = client.post(f"/kontak/{first.id}/panggilan", data={
        "outcome": "tersampaikan", "phone": first.phones[-1], "duration": "1:35", "notes": "WP akan lapor minggu ini",
        "recording_ref": "REC-0001"})
    assert response.status_code == 302 and response.headers["Location"] == f"/kontak/{second.id}"
    assert f"Panggilan kepada {first.name} dicatat: Informasi tersampaikan." in flashes(page_tree(client.get(
        response.headers["Location"])))
    contact, calls = campaigns.contact_detail(make_ctx(), "agen1", first.id)
    assert contact.final_outcome == "tersampaikan"
    assert [(c.outcome, c.phone, c.duration_s, c.notes, c.recording_ref) for c in calls] == [
        ("tersampaikan", first.phones[-1], 95, "WP akan lapor minggu ini", "REC-0001")]
    page = page_tree(client.get(f"/kontak/{first.id}"))
    history = text_of(one(page, f"//ol[{has_class('call-history')}]"))
    assert "WP akan lapor minggu ini" in history and "1:35" in history
    assert "Catat hasil panggilan" not in main_text(page)


def test_callback_needs_a_time_and_is_read_as_office_time(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    contact = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0]
    login_as(client, "agen1")
    response = client.post(f"/kontak/{contact.id}/panggilan",
                           data={"outcome": "minta_dihubungi_kembali", "notes": "telepon lagi sore", "duration": "40"})
    html = page_tree(response)
    assert response.status_code == 422
    assert "Waktu untuk menghubungi kembali wajib diisi." in text_of(one(html, "//*[@id='callback_at-error']"))
    when = one(html, "//input[@name='callback_at']")
    assert when.get("aria-invalid") == "true" and when.get("aria-describedby") == "callback_at-error"
    assert one(html, "//textarea[@name='notes']").text == "telepon lagi sore"
    callback = one(html, "//input[@name='outcome'][@value='minta_dihubungi_kembali']")
    assert callback.get("required") is not None and callback.get("checked") is not None
    assert campaigns.contact_detail(make_ctx(), "agen1", contact.id)[1] == []
    response = client.post(f"/kontak/{contact.id}/panggilan",
                           data={"outcome": "minta_dihubungi_kembali", "callback_at": "2026-03-10T14:30"})
    assert response.status_code == 302
    call = campaigns.contact_detail(make_ctx(), "agen1", contact.id)[1][0]
    assert call.callback_at == datetime(2026, 3, 10, 7, 30, tzinfo=timezone.utc)


def test_unreadable_duration_is_422_and_nothing_is_recorded(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    contact = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0]
    response = login_as(client, "agen1").post(f"/kontak/{contact.id}/panggilan",
                                              data={"outcome": "sibuk", "duration": "dua menit"})
    assert response.status_code == 422
    assert "menit:detik" in text_of(one(page_tree(response), "//*[@id='duration_s-error']"))
    assert campaigns.contact_detail(make_ctx(), "agen1", contact.id)[1] == []


def test_record_form_ties_each_error_to_its_field(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    contact = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0]
    response = login_as(client, "agen1").post(f"/kontak/{contact.id}/panggilan", data={"duration": "dua menit"})
    html = page_tree(response)
    assert response.status_code == 422
    outcomes = one(html, f"//fieldset[{has_class('outcomes')}]")
    assert outcomes.get("aria-describedby") == "outcome-error" and text_of(one(html, "//*[@id='outcome-error']"))
    assert all(radio.get("aria-invalid") == "true" for radio in outcomes.xpath(".//input[@type='radio']"))
    duration = one(html, "//input[@name='duration']")
    assert duration.get("aria-invalid") == "true" and duration.get("aria-describedby") == "duration_s-error"
    assert one(html, "//input[@name='recording_ref']").get("aria-invalid") is None


def test_call_list_rows_become_cards_that_still_read_as_a_table(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    html = page_tree(login_as(client, "agen1").get(f"/kampanye/{campaign_id}/panggilan"))
    table = one(html, f"//table[{has_class('call-table')}]")
    assert "stack" in table.get("class", "").split() and table.get("role") == "table"
    cells = table.xpath("./tbody/tr[1]/td")
    assert all(cell.get("role") == "cell" for cell in cells)
    labels = [cell.get("data-label") for cell in cells if cell.get("data-label")]
    assert labels == ["Baris", "NPWP", "Percobaan", "Hasil terakhir"]  # shown beside the value on a phone


def test_recording_after_the_assignment_is_finished_is_409(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    contact = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0]
    do(make_ctx, "agen1", "hubungi_wajib_pajak", campaign_id, {"ringkasan": "selesai lebih awal"})
    login_as(client, "agen1")
    response = client.post(f"/kontak/{contact.id}/panggilan", data={"outcome": "tersampaikan"})
    assert response.status_code == 409
    assert "tidak sedang berjalan" in text_of(one(page_tree(response), f"//section[{has_class('error-card')}]"))
    page = page_tree(client.get(f"/kontak/{contact.id}"))
    assert "Catat hasil panggilan" not in main_text(page)
    assert "tidak sedang berjalan" in text_of(one(page, f"//p[{has_class('notes')}]"))


def test_next_contact_after_the_last_one_returns_to_the_list(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    for contact in campaigns.list_contacts(make_ctx(), "agen1", campaign_id):
        campaigns.record_call(make_ctx(), "agen1", contact.id, "sudah_melaksanakan")
    login_as(client, "agen1")
    response = client.get(f"/kampanye/{campaign_id}/berikutnya")
    assert response.status_code == 302 and response.headers["Location"] == f"/kampanye/{campaign_id}/panggilan"
    assert "Semua kontak selesai" in flashes(page_tree(client.get(response.headers["Location"])))


# --- report --------------------------------------------------------------------------------------------

def test_report_page_shows_figures(client, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    finish_calls(make_ctx, campaign_id, "agen1")  # 5 contacts delivered
    contact = campaigns.list_contacts(make_ctx(), "agen2", campaign_id)[0]
    campaigns.record_call(make_ctx(), "agen2", contact.id, "tidak_diangkat")
    html = page_tree(login_as(client, "kasi").get(f"/kampanye/{campaign_id}/laporan"))
    assert text_of(one(html, "//h1")) == "Laporan Pelaksanaan Layanan Penyampaian Informasi Perpajakan"
    figures = stats(html)
    assert (figures["Kontak"], figures["Terhubung"], figures["Panggilan"]) == ("9", "5", "6")
    assert figures["Tingkat keterhubungan"] == "55,6%"
    by_agent = rows_of(one(html, "//div[h3[normalize-space()='Per agen']]/table"))
    assert by_agent[0] == ["Agen 1 (demo)", "5", "5", "5", "5", "100,0%"]
    assert by_agent[1] == ["Agen 2 (demo)", "4", "0", "0", "1", "0,0%"]
    assert "Belum ditandatangani" in text_of(one(html, f"//div[{has_class('signature')}]"))
    assert "Angka sementara" in text_of(one(html, f"//p[{has_class('report-state')}]"))


def test_report_panel_and_the_agents_assignment_panel_render(app, make_ctx) -> None:
    campaign_id = distributed(make_ctx)
    first = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0]
    campaigns.record_call(make_ctx(), "agen1", first.id, "tersampaikan")
    ctx = make_ctx()
    step_5 = pages.task_page(ctx, "agen1", task_for(ctx, "agen1", "hubungi_wajib_pajak", campaign_id).id)
    report = pages.report_page(make_ctx(), "kasi", campaign_id)
    with app.test_request_context():
        login_user(WebUser("agen1", "Agen 1", ["agen"]))
        panel = page_tree(str(panels.report_panel(report)))
        assignment = page_tree(str(panels.task_panel(step_5)))
    assert "Tingkat keterhubungan" in stats(panel)
    assert "Belum ditandatangani" in text_of(one(panel, f"//div[{has_class('signature')}]"))
    assert stats(assignment)["Kontak selesai"] == "1 / 5"
    rows = table_rows(assignment, "compact")
    assert len(rows) == 5 and rows[-1][0] == first.name and "Informasi tersampaikan" in rows[-1][-1]
    assert all("Belum dihubungi" in row[-1] for row in rows[:-1])
    assert f"/kampanye/{campaign_id}/panggilan" in links(assignment)
    assert "mengakhiri penugasan Anda" in text_of(one(assignment, f"//section[{has_class('assignment-panel')}]"))


def test_xlsx_upload_and_pages_need_login_and_speak_english(client, make_ctx) -> None:
    import openpyxl

    setup_sop(make_ctx)
    assert client.get("/kampanye").status_code == 302  # not logged in: to the login page
    workbook = openpyxl.Workbook()
    workbook.active.append(["NPWP", "Nama", "Telepon", "nomor_skp"])
    workbook.active.append([npwp15(7), "Dewi Lestari", "081311112222", "00012/206/25"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(login_as(client, "kasi"), buffer.getvalue(), filename="sasaran.xlsx")
    assert response.status_code == 302
    client.get("/bahasa/en")
    html = page_tree(client.get(response.headers["Location"]))
    report = one(html, f"//section[{has_class('import-report')}]")
    assert text_of(one(report, "./h2")) == "Data Receipt and Processing Report" and stats(report)["Accepted"] == "1"


# --- progress of a large upload (issue 12) ----------------------------------------------------------------------

def test_upload_page_shows_progress_accessibly_and_works_without_script(client, make_ctx) -> None:
    setup_sop(make_ctx)
    html = page_tree(login_as(client, "pelaksana").get("/kampanye/unggah"))
    form = one(html, "//form[@data-upload-progress]")
    assert form.get("method") == "post" and form.get("enctype") == "multipart/form-data"  # the plain post, no JS
    bar = one(form, ".//progress[@id='upload-bar']")
    assert bar.get("max") == "100" and one(form, ".//label[@for='upload-bar']") is not None
    status = one(form, ".//*[@id='upload-status']")
    assert status.get("role") == "status" and status.get("aria-live") == "polite"
    assert "{percent}" in form.get("data-uploading") and "{seconds}" in form.get("data-processing")
    scripts = html.xpath("//script")
    assert all(s.get("src") for s in scripts)  # no inline script (CSP)
    assert any(s.get("src", "").endswith("/upload.js") for s in scripts)
    client.get("/bahasa/en")
    english = page_tree(client.get("/kampanye/unggah"))
    assert one(english, "//form[@data-upload-progress]").get("data-uploading") == "Uploading the file: {percent} %"


def test_upload_by_script_gets_the_campaign_address_and_the_flash_waits_for_it(client, make_ctx) -> None:
    setup_sop(make_ctx)
    login_as(client, "unit")
    data = {"title": "Himbauan SPT 2025", "topic": "Batas waktu SPT", "file": (io.BytesIO(BAD_CSV), "sasaran.csv")}
    response = client.post("/kampanye/unggah", data=data, content_type="multipart/form-data",
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.is_json
    campaign = campaigns.list_campaigns(make_ctx(), "kasi")[0]
    assert response.get_json() == {"location": f"/kampanye/{campaign.id}"}
    page = page_tree(client.get(f"/kampanye/{campaign.id}"))
    assert "3 dari 7 baris diterima, 3 ditolak, 1 duplikat" in flashes(page)


def test_upload_by_script_that_fails_gets_the_page_a_form_post_would(client, make_ctx) -> None:
    setup_sop(make_ctx)
    login_as(client, "pelaksana")
    data = {"title": "T", "requester": "Direktorat P2Humas", "file": (io.BytesIO(b"npwp,nama\n1,Budi\n"), "a.csv")}
    response = client.post("/kampanye/unggah", data=data, content_type="multipart/form-data",
                           headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.mimetype == "text/html"
    html = page_tree(response)
    assert one(html, "//main//*[@role='alert']") is not None
    assert "Kolom wajib tidak ditemukan: telepon" in text_of(one(html, "//*[@id='file-error']"))
    assert campaigns.list_campaigns(make_ctx(), "kasi") == []
