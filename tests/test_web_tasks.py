"""Inbox, task pages, claims, comments, notifications and the instance page, through the test client."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from html import unescape
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from engine import campaign as campaigns
from engine.process import tick
from engine.users import create_user
from engine.walkthrough import WORK_PLAN, task_for
from webapp import create_app, schema_form

from sop_helpers import do, finish_calls, new_campaign, ready, setup_sop, to_distribution, to_reporting
from web_helpers import login_as

FINISHED = datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc)   # Tue 17 Mar 2026, 10:00 WIB
LATE = datetime(2026, 3, 31, 9, 1, tzinfo=timezone.utc)       # a minute past the 5-working-day deadline


@pytest.fixture
def sop(make_ctx) -> int:
    """Users and model deployed; one campaign at step 1 (Kasi)."""
    setup_sop(make_ctx)
    return new_campaign(make_ctx)


def task_id(make_ctx, user: str, bpmn_id: str, cid: int) -> str:
    return task_for(make_ctx(), user, bpmn_id, cid).id


def page(client: Any, user: str, path: str) -> tuple[int, str]:
    response = login_as(client, user).get(path)
    return response.status_code, unescape(response.get_data(as_text=True))


def post(client: Any, user: str, path: str, data: Any) -> Any:
    return login_as(client, user).post(path, data=data)


def rows(html: str) -> list[str]:
    return re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", html, flags=re.S)


def instance_of(make_ctx, cid: int) -> int:
    instance_id = campaigns.get_campaign(make_ctx(), "kasi", cid).instance_id
    assert instance_id is not None
    return instance_id


# --- inbox -------------------------------------------------------------------------------------------

def test_inbox_needs_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_kasi_sees_step_1_of_a_new_campaign_and_pelaksana_does_not(client, make_ctx, sop) -> None:
    status, html = page(client, "kasi", "/")
    assert status == 200
    assert "Menugaskan Pelaksana menyusun konsep rencana kerja" in html
    assert "Kampanye uji" in html and f"/kampanye/{sop}" in html  # campaign title, linked
    assert "Kepala Seksi Operasional" in html  # lane
    status, html = page(client, "pelaksana", "/")
    assert status == 200 and "Menugaskan Pelaksana" not in html
    assert "Tidak ada tugas yang menunggu Anda." in html


def test_filters_split_my_tasks_from_open_lane_tasks(client, make_ctx, sop) -> None:
    _, mine = page(client, "kasi", "/?filter=mine")
    assert "Menugaskan Pelaksana" not in mine and "Belum ada tugas yang ditugaskan" in mine
    _, lane = page(client, "kasi", "/?filter=lane")
    assert "Menugaskan Pelaksana" in lane
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    _, mine = page(client, "pelaksana", "/?filter=mine")
    assert "Menyusun konsep rencana kerja" in mine and "(ditugaskan)" in mine
    _, lane = page(client, "pelaksana", "/?filter=lane")
    assert "Menyusun konsep rencana kerja" not in lane  # assigned to one person, not open to the lane
    _, overdue = page(client, "pelaksana", "/?filter=overdue")
    assert "Tidak ada tugas yang terlambat." in overdue
    status, _ = page(client, "pelaksana", "/?filter=nonsense")
    assert status == 200


def test_overdue_report_task_is_red_with_a_badge(client, make_ctx, clock, sop) -> None:
    to_distribution(make_ctx, sop)
    do(make_ctx, "kasi", "distribusi_pekerjaan", sop, {"agen": ["agen1", "agen2"]})
    finish_calls(make_ctx, sop, "agen1")
    clock.set(FINISHED)
    finish_calls(make_ctx, sop, "agen2")
    _, html = page(client, "pelaksana", "/")
    [row] = rows(html)
    assert "Menyusun konsep laporan" in row or "laporan" in row
    assert "overdue" not in row and "31 Mar 2026 16:00 WIB" in row
    clock.set(LATE)
    assert tick(make_ctx()) == 1
    _, html = page(client, "pelaksana", "/?filter=overdue")
    [row] = rows(html)
    assert 'class="overdue' in row and "Terlambat" in row and "31 Mar 2026 16:00 WIB" in row
    assert "14 hari" in row  # ready since 17 Mar 10:00 WIB
    _, html = page(client, "kasi", "/")
    assert re.search(r'class="badge red">2</span>\s*pemberitahuan belum dibaca', html) is None  # kasi has 1
    assert re.search(r'class="badge red">1</span>\s*pemberitahuan belum dibaca', html)


def test_claim_and_unclaim_a_lane_task(client, make_ctx, sop) -> None:
    create_user(make_ctx(), "kasi2", ["kasi"], full_name="Kasi Kedua")
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    response = post(client, "kasi", f"/tugas/{tid}/klaim", {"filter": "lane"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/?filter=lane")
    _, html = page(client, "kasi", "/?filter=mine")
    assert "Tugas Anda klaim" in html and "Menugaskan Pelaksana" in html and "Lepas klaim" in html
    _, other = page(client, "kasi2", "/")
    assert "kasi <span class=\"muted small\">(diklaim)</span>" in other
    assert f'href="/tugas/{tid}"' not in other  # someone else works on it
    assert page(client, "kasi2", f"/tugas/{tid}")[0] == 403
    response = post(client, "kasi2", f"/tugas/{tid}/klaim", {})
    assert response.status_code == 302
    _, other = page(client, "kasi2", "/")
    assert "sedang dikerjakan oleh kasi" in other  # refusal shown as a flash message
    post(client, "kasi", f"/tugas/{tid}/lepas", {})
    _, html = page(client, "kasi", "/")
    assert "Klaim dilepas" in html and ">Klaim</button>" in html
    assert page(client, "kasi2", f"/tugas/{tid}")[0] == 200


# --- task page ---------------------------------------------------------------------------------------

def test_task_page_shows_sop_text_and_a_user_picker_of_pelaksana(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    status, html = page(client, "kasi", f"/tugas/{tid}")
    assert status == 200
    sop_box = re.search(r'<div class="sop-text">(.*?)</div>', html, flags=re.S)
    assert sop_box and "menugaskan Pelaksana Seksi Operasional untuk membuat konsep rencana kerja" in sop_box.group(1)
    picker = re.search(r'<select id="f-pelaksana" name="pelaksana".*?</select>', html, flags=re.S)
    assert picker, "x-role pelaksana renders as a select"
    options = re.findall(r'<option value="([^"]*)"', picker.group(0))
    assert options == ["", "agen1", "agen2", "agen3", "pelaksana"]
    assert "Pelaksana Seksi Operasional (demo)" in picker.group(0) and "Agen 1 (demo)" in picker.group(0)
    assert '<textarea id="f-catatan" name="catatan"' in html
    assert 'class="req"' in html  # required marker
    assert f'href="/proses/{instance_of(make_ctx, sop)}"' in html and "Langkah SOP 1" in html


def test_work_plan_form_widgets(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    _, html = page(client, "pelaksana", f"/tugas/{task_id(make_ctx, 'pelaksana', 'susun_rencana_kerja', sop)}")
    assert 'name="rencana_mulai" type="date"' in html
    assert 'name="target_kontak" type="number" step="1"' in html
    assert '<textarea id="f-naskah" name="naskah"' in html
    assert "Jumlah masyarakat dan/atau Wajib Pajak yang akan dihubungi." in html  # description as hint


def test_completing_a_task_moves_the_work_to_the_next_user(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    response = post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana", "catatan": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    _, html = page(client, "kasi", "/")
    assert "selesai." in html and "Menugaskan Pelaksana menyusun" in html  # flash names the task
    assert ready(make_ctx, "kasi", sop) == []
    _, html = page(client, "pelaksana", "/")
    assert "Menyusun konsep rencana kerja" in html


def test_invalid_post_is_422_with_inline_messages_and_keeps_the_input(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    tid = task_id(make_ctx, "pelaksana", "susun_rencana_kerja", sop)
    response = post(client, "pelaksana", f"/tugas/{tid}", {
        "rencana_mulai": "2026-03-10", "rencana_selesai": "", "materi": "   ", "naskah": "Selamat pagi, Kring Pajak",
        "target_kontak": "12", "kebutuhan_agen": "0"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Isian formulir belum benar." in html
    expected = (("rencana_selesai", "wajib diisi"), ("materi", "wajib diisi"), ("kebutuhan_agen", "paling kecil 1"))
    for name, message in expected:
        block = re.search(rf'<div class="form-field has-error" id="field-{name}">.*?</div>'
                          r'\s*(?=<div class="form-field|<div class="actions)',
                          html, flags=re.S)
        assert block and message in block.group(0), name
    assert 'value="2026-03-10"' in html and "Selamat pagi, Kring Pajak</textarea>" in html and 'value="12"' in html
    assert ready(make_ctx, "pelaksana", sop) == ["susun_rencana_kerja"]  # nothing completed


def test_wrong_role_unknown_and_completed_tasks(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    status, html = page(client, "pelaksana", f"/tugas/{tid}")
    assert status == 403 and "Akses ditolak" in html
    assert post(client, "pelaksana", f"/tugas/{tid}", {"pelaksana": "pelaksana"}).status_code == 403
    assert page(client, "kasi", f"/tugas/{uuid.uuid4()}")[0] == 404
    assert page(client, "kasi", "/tugas/bukan-id")[0] == 404
    assert post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana"}).status_code == 302
    status, html = page(client, "kasi", f"/tugas/{tid}")
    assert status == 409 and "sudah diselesaikan" in html
    assert post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana"}).status_code == 409


def test_return_notes_are_shown_to_whoever_redrafts(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", sop, WORK_PLAN)
    tid = task_id(make_ctx, "kasi", "teliti_rencana_kerja", sop)
    _, html = page(client, "kasi", f"/tugas/{tid}")
    assert 'type="radio" name="keputusan" value="setuju"' in html
    assert "Kembalikan kepada Pelaksana Seksi Operasional" in html
    response = post(client, "kasi", f"/tugas/{tid}", {"keputusan": "kembalikan", "catatan": ""})
    assert response.status_code == 422  # the if/then rule: notes are required when returning
    html = unescape(response.get_data(as_text=True))
    assert re.search(r'id="field-catatan">.*?wajib diisi', html, flags=re.S)
    assert re.search(r'value="kembalikan"\s+checked', html)
    post(client, "kasi", f"/tugas/{tid}", {"keputusan": "kembalikan", "catatan": "Tambahkan jadwal shift sore."})
    redraft = task_id(make_ctx, "pelaksana", "susun_rencana_kerja", sop)
    _, html = page(client, "pelaksana", f"/tugas/{redraft}")
    notes = re.search(r'<section class="notes".*?</section>', html, flags=re.S)
    assert notes and "Catatan pengembalian" in notes.group(0) and "Tambahkan jadwal shift sore." in notes.group(0)
    assert WORK_PLAN["naskah"] in html  # the earlier draft is prefilled ...
    assert re.search(r'name="catatan"[^>]*></textarea>', html)  # ... but not with the Kasi's notes
    post(client, "pelaksana", f"/tugas/{redraft}", {**WORK_PLAN, "target_kontak": "20", "kebutuhan_agen": "3"})
    _, html = page(client, "kasi", f"/tugas/{task_id(make_ctx, 'kasi', 'teliti_rencana_kerja', sop)}")
    assert "checked" not in html  # a second examination decides afresh
    assert re.search(r'name="catatan"[^>]*></textarea>', html)


def test_a_comment_is_visible_on_the_next_task_page(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    response = post(client, "kasi", f"/tugas/{tid}/komentar", {"text": "Tolong prioritaskan wilayah Gambir."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tugas/{tid}#komentar")
    assert post(client, "kasi", f"/tugas/{tid}/komentar", {"text": "  "}).status_code == 302
    _, html = page(client, "kasi", f"/tugas/{tid}")
    assert "Komentar tidak disimpan" in html and "Tolong prioritaskan wilayah Gambir." in html
    post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana"})
    _, html = page(client, "pelaksana", f"/tugas/{task_id(make_ctx, 'pelaksana', 'susun_rencana_kerja', sop)}")
    comments = re.search(r'<section class="card comments" id="komentar">.*?</section>', html, flags=re.S)
    assert comments and "Tolong prioritaskan wilayah Gambir." in comments.group(0) and "kasi" in comments.group(0)
    assert post(client, "pelaksana", f"/tugas/{tid}/komentar", {"text": "x"}).status_code == 409  # task is done


def test_distribution_preview_counts_without_completing(client, make_ctx, sop) -> None:
    to_distribution(make_ctx, sop)
    tid = task_id(make_ctx, "kasi", "distribusi_pekerjaan", sop)
    _, html = page(client, "kasi", f"/tugas/{tid}")
    boxes = re.findall(r'type="checkbox" name="agen" value="([^"]+)"', html)
    assert boxes == ["agen1", "agen2", "agen3"] and "Agen 2 (demo)" in html and "Pratinjau pembagian" in html
    response = post(client, "kasi", f"/tugas/{tid}",
                    MultiDict([("agen", "agen1"), ("agen", "agen3"), ("action", "preview")]))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    table = re.search(r'<div class="preview" id="pratinjau">.*?</table>', html, flags=re.S)
    assert table, "preview table shown"
    counts = re.findall(r'<span class="muted small">(agen\d)</span></td><td class="num">(\d+)</td>', table.group(0))
    assert counts == [("agen1", "5"), ("agen3", "4")] and "Agen 1 (demo)" in table.group(0)
    assert re.search(r'value="agen3"\s+checked', html) and not re.search(r'value="agen2"\s+checked', html)
    assert ready(make_ctx, "kasi", sop) == ["distribusi_pekerjaan"]  # nothing completed
    response = post(client, "kasi", f"/tugas/{tid}", {"action": "preview"})
    assert response.status_code == 422 and "Pilih sedikitnya satu agen." in response.get_data(as_text=True)
    post(client, "kasi", f"/tugas/{tid}", MultiDict([("agen", "agen1"), ("agen", "agen3"), ("action", "complete")]))
    assert ready(make_ctx, "agen1", sop) == ["hubungi_wajib_pajak"] and ready(make_ctx, "agen2", sop) == []


def test_agent_and_report_pages_render_their_step_views(client, make_ctx, sop) -> None:
    to_distribution(make_ctx, sop)
    do(make_ctx, "kasi", "distribusi_pekerjaan", sop, {"agen": ["agen1"]})
    status, html = page(client, "agen1", f"/tugas/{task_id(make_ctx, 'agen1', 'hubungi_wajib_pajak', sop)}")
    assert status == 200 and "Selesaikan penugasan" in html
    finish_calls(make_ctx, sop, "agen1")
    do(make_ctx, "pelaksana", "susun_laporan", sop, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", sop, {"keputusan": "setuju"})
    tid = task_id(make_ctx, "kepala", "tandatangani_laporan", sop)
    status, html = page(client, "kepala", f"/tugas/{tid}")
    assert status == 200 and 'class="task-grid report"' in html
    assert re.search(r'value="tandatangani"[^>]*>\s*<span>Tandatangani</span>', html)
    assert re.search(r'value="kembalikan"[^>]*>\s*<span>Kembalikan</span>', html)
    assert "SHA-256" in html and "Simpan keputusan" in html
    assert page(client, "kasi", f"/tugas/{tid}")[0] == 403


def test_pkl_sends_the_report_and_the_process_ends(client, make_ctx, sop) -> None:
    to_reporting(make_ctx, sop, agents=("agen1",))
    do(make_ctx, "pelaksana", "susun_laporan", sop, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", sop, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", sop, {"keputusan": "tandatangani"})
    tid = task_id(make_ctx, "pkl", "sampaikan_laporan", sop)
    _, html = page(client, "pkl", f"/tugas/{tid}")
    assert 'type="checkbox" name="diteruskan_ke_pkl" value="true"' in html
    assert 'name="tanggal_kirim" type="date"' in html
    response = post(client, "pkl", f"/tugas/{tid}", {"nomor_surat": "ND-12/KLIP/2026", "tanggal_kirim": "2026-03-27"})
    assert response.status_code == 422  # an unticked checkbox is false, and this box must be ticked
    assert re.search(r'id="field-diteruskan_ke_pkl">.*?harus bernilai True', response.get_data(as_text=True),
                     flags=re.S)
    response = post(client, "pkl", f"/tugas/{tid}", {"nomor_surat": "ND-12/KLIP/2026", "tanggal_kirim": "2026-03-27",
                                                     "diteruskan_ke_pkl": "true"})
    assert response.status_code == 302
    _, html = page(client, "pkl", f"/proses/{instance_of(make_ctx, sop)}")
    assert 'class="badge green">Selesai' in html and "Tidak ada tugas yang sedang menunggu." in html


@pytest.mark.parametrize("user", ["kasi", "pelaksana", "agen1", "kepala", "pkl", "unit", "admin"])
def test_every_role_has_an_inbox_and_a_notifications_page(client, make_ctx, sop, user) -> None:
    status, html = page(client, user, "/")
    assert status == 200 and re.search(r"<h1>\s*Kotak Tugas\s*</h1>", html)
    assert ("Menugaskan Pelaksana" in html) == (user == "kasi")
    assert page(client, user, "/pemberitahuan")[0] == 200


# --- notifications, instance page ----------------------------------------------------------------------

def test_notifications_can_be_marked_read(client, make_ctx, clock, sop) -> None:
    to_reporting(make_ctx, sop, agents=("agen1",))
    clock.set(LATE)
    assert tick(make_ctx()) == 1
    _, html = page(client, "kepala", "/pemberitahuan")
    assert re.search(r"belum ditandatangani sampai batas waktu \d+ Mar 2026 16:00 WIB", html) and "Belum dibaca" in html
    [note_id] = re.findall(r'/pemberitahuan/(\d+)/dibaca', html)
    assert post(client, "pelaksana", f"/pemberitahuan/{note_id}/dibaca", {}).status_code == 404  # not theirs
    assert post(client, "kepala", f"/pemberitahuan/{note_id}/dibaca", {}).status_code == 302
    _, html = page(client, "kepala", "/pemberitahuan")
    assert "Belum dibaca" not in html and "belum ditandatangani" in html
    _, html = page(client, "kepala", "/")
    assert "Tidak ada pemberitahuan baru" in html


def test_instance_page_shows_the_audit_trail(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", sop, WORK_PLAN)
    do(make_ctx, "kasi", "teliti_rencana_kerja", sop,
       {"keputusan": "kembalikan", "catatan": "Tambahkan jadwal shift sore."})
    instance_id = instance_of(make_ctx, sop)
    status, html = page(client, "kasi", f"/proses/{instance_id}")
    assert status == 200 and "Kampanye uji" in html and "Berjalan" in html
    trail = re.search(r'<ol class="timeline audit-trail">.*?</ol>', html, flags=re.S)
    assert trail
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", trail.group(0)))
    assert "unit mengunggah data layanan" in text and "unit memulai proses" in text
    assert "kasi menyelesaikan Menugaskan Pelaksana menyusun konsep rencana kerja" in text
    assert "Keputusan: Dikembalikan" in text and "Tambahkan jadwal shift sore." in text
    assert text.index("mengunggah data") < text.index("memulai proses") < text.index("Dikembalikan")
    current = re.search(r"<h2 class=\"card-title\">Tugas saat ini</h2>.*?</table>", html, flags=re.S)
    assert current and "Menyusun konsep rencana kerja" in current.group(0) and "pelaksana" in current.group(0)
    assert page(client, "unit", f"/proses/{instance_id}")[0] == 200  # the requester sees their own campaign
    create_user(make_ctx(), "unit2", ["pengguna_layanan"])
    status, html = page(client, "unit2", f"/proses/{instance_id}")
    assert status == 403 and "Akses ditolak" in html
    assert page(client, "kasi", "/proses/999999")[0] == 404


def test_instance_trail_groups_calls_per_agent(client, make_ctx, sop) -> None:
    to_distribution(make_ctx, sop)
    do(make_ctx, "kasi", "distribusi_pekerjaan", sop, {"agen": ["agen1"]})
    finish_calls(make_ctx, sop, "agen1")
    _, html = page(client, "kasi", f"/proses/{instance_of(make_ctx, sop)}")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "agen1 mencatat 9 panggilan" in text and "agen1 membuka daftar kontak 1 kali" in text


# --- language, CSRF, schema_form -------------------------------------------------------------------

def test_english_switch_translates_the_inbox(client, make_ctx, sop) -> None:
    login_as(client, "kasi")
    client.get("/bahasa/en")
    html = client.get("/").get_data(as_text=True)
    assert re.search(r"<h1>\s*Task inbox\s*</h1>", html) and ">Overdue" in html and "Mine" in html
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    html = client.get(f"/tugas/{tid}").get_data(as_text=True)
    assert "Operations officer" in html  # x-title-en


def test_post_without_csrf_token_is_refused(settings, clock, make_ctx, sop) -> None:
    app = create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": True})
    try:
        client = login_as(app.test_client(), "kasi")
        tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
        assert client.post(f"/tugas/{tid}/klaim").status_code == 400
        assert client.post(f"/tugas/{tid}", data={"pelaksana": "pelaksana"}).status_code == 400
        assert ready(make_ctx, "kasi", sop) == ["tugaskan_pelaksana"]
        html = client.get(f"/tugas/{tid}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert client.post(f"/tugas/{tid}", data={"pelaksana": "pelaksana", "csrf_token": token}).status_code == 302
    finally:
        app.extensions["klip"].engine.dispose()


def test_wib_filter(app) -> None:
    from webapp.filters import wib

    with app.test_request_context("/"):
        assert wib(datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc)) == "17 Mar 2026 10:00 WIB"
        assert wib("2026-08-17T01:30:00+00:00") == "17 Agu 2026 08:30 WIB"
        assert wib("2026-03-10") == "10 Mar 2026" and wib(None) == "—" and wib("kemarin") == "kemarin"


SCHEMA: dict[str, Any] = {"type": "object", "required": ["n", "flag"], "properties": {
    "n": {"type": "integer"}, "x": {"type": "number"}, "flag": {"type": "boolean"}, "other": {"type": "boolean"},
    "when": {"type": "string", "format": "date-time"}, "day": {"type": "string", "format": "date"},
    "pick": {"type": "string", "enum": ["a", "b"], "x-enum-titles": {"a": "Satu", "b": "Dua"}},
    "many": {"type": "string", "enum": list("abcde")},
    "tags": {"type": "array", "items": {"type": "string", "enum": ["p", "q"]}},
    "who": {"type": "array", "items": {"type": "string"}, "x-role": "agen"},
    "note": {"type": "string", "x-widget": "textarea"}}}


def test_schema_form_coerces_submitted_values_to_json_types() -> None:
    form = MultiDict([("n", "12"), ("x", "2,5"), ("flag", "true"), ("when", "2026-03-17T10:00"), ("day", ""),
                      ("tags", "p"), ("tags", "q"), ("who", "agen1"), ("note", "  "), ("csrf_token", "t")])
    assert schema_form.coerce(SCHEMA, form) == {
        "n": 12, "x": 2.5, "flag": True, "other": False, "when": "2026-03-17T10:00:00+07:00",
        "tags": ["p", "q"], "who": ["agen1"]}
    assert schema_form.coerce(SCHEMA, MultiDict([("n", "dua")]))["n"] == "dua"  # kept; the engine says why


def test_schema_form_picks_widgets_and_labels() -> None:
    class User:
        def __init__(self, username: str, full_name: str):
            self.username, self.full_name = username, full_name

    fields = {f.name: f for f in schema_form.fields(
        SCHEMA, {"when": "2026-03-17T03:00:00+00:00", "tags": ["q"]}, {"n": "wajib diisi"},
        holders=lambda role: [User("agen1", "Agen Satu")])}
    assert {n: f.widget for n, f in fields.items()} == {
        "n": "number", "x": "number", "flag": "checkbox", "other": "checkbox", "when": "datetime", "day": "date",
        "pick": "radio", "many": "select", "tags": "checkboxes", "who": "checkboxes", "note": "textarea"}
    assert [o.label for o in fields["pick"].options] == ["Satu", "Dua"]
    assert [(o.value, o.label) for o in fields["who"].options] == [("agen1", "Agen Satu")]
    assert fields["when"].value == "2026-03-17T10:00"
    assert fields["tags"].checked("q") and not fields["tags"].checked("p")
    assert fields["n"].required and fields["n"].error == "wajib diisi" and not fields["x"].required
    assert schema_form.general_errors(SCHEMA, {"_form": "rusak", "n": "x", "agents": "pilih"}) == ["rusak", "pilih"]
