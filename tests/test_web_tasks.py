"""Inbox, task pages, claims, comments, notifications and the instance page, through the test client."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from engine import campaign as campaigns
from engine.process import tick
from engine.users import create_user
from engine.walkthrough import WORK_PLAN, task_for
from webapp import create_app, schema_form

from sop_helpers import do, finish_calls, new_campaign, ready, setup_sop, to_distribution, to_reporting
from web_helpers import has_class, login_as, one, page_tree, rows_of, text_of

FINISHED = datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc)   # Tue 17 Mar 2026, 10:00 WIB
LATE = datetime(2026, 3, 31, 9, 1, tzinfo=timezone.utc)       # a minute past the 5-working-day deadline


@pytest.fixture
def sop(make_ctx) -> int:
    """Users and model deployed; one campaign at step 1 (Kasi)."""
    setup_sop(make_ctx)
    return new_campaign(make_ctx)


def task_id(make_ctx, user: str, bpmn_id: str, cid: int) -> str:
    return task_for(make_ctx(), user, bpmn_id, cid).id


def page(client: Any, user: str, path: str) -> tuple[int, Any]:
    response = login_as(client, user).get(path)
    return response.status_code, page_tree(response)


def post(client: Any, user: str, path: str, data: Any) -> Any:
    return login_as(client, user).post(path, data=data)


def rows(tree: Any) -> list[Any]:
    """The task rows of the inbox table."""
    return tree.xpath(f"//table[{has_class('inbox')}]/tbody/tr")


def row_of(tree: Any, task_name: str) -> Any:
    """The inbox row of the task whose name contains ``task_name``."""
    return one(tree, f"//table[{has_class('inbox')}]/tbody/tr[td/*[{has_class('task-name')}][contains(., $name)]]",
               name=task_name)


def main_text(tree: Any) -> str:
    """Everything the page shows below the top bar (its content, flash messages included)."""
    return text_of(one(tree, "//main"))


def flashes(tree: Any) -> str:
    return " | ".join(text_of(el) for el in tree.xpath(f"//div[{has_class('flash')}]"))


def empty_state(tree: Any) -> str:
    return text_of(one(tree, f"//div[{has_class('empty-state')}]"))


def error_page(tree: Any) -> str:
    """The heading and message of an error page (403, 404, 409 ...)."""
    return text_of(one(tree, f"//section[{has_class('error-card')}]"))


def current_tasks(tree: Any) -> Any:
    """The "Tugas saat ini" card of an instance page."""
    return one(tree, "//section[h2[normalize-space()='Tugas saat ini']]")


def field(tree: Any, name: str) -> Any:
    """The block of one schema-form field: label, widget, hint and error message."""
    return one(tree, "//div[@id=$id]", id=f"field-{name}")


def field_error(tree: Any, name: str) -> str:
    block = field(tree, name)
    assert "has-error" in block.get("class", "").split(), f"{name} is not marked as an error"
    return text_of(one(block, f".//*[{has_class('field-error')}]"))


def control(tree: Any, name: str, value: str | None = None) -> Any:
    """The form control (input, select, textarea) called ``name``; for radios and checkboxes, the one with ``value``."""
    if value is None:
        return one(tree, "//*[self::input or self::select or self::textarea][@name=$name]", name=name)
    return one(tree, "//input[@name=$name][@value=$value]", name=name, value=value)


def is_checked(element: Any) -> bool:
    return element.get("checked") is not None


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
    row = row_of(html, "Menugaskan Pelaksana")
    assert text_of(one(row, f".//*[{has_class('task-name')}]")) == "Menugaskan Pelaksana menyusun konsep rencana kerja"
    assert text_of(one(row, ".//a[@href=$href]", href=f"/kampanye/{sop}")) == "Kampanye uji"  # title, linked
    assert "Kepala Seksi Operasional" in text_of(row)  # lane
    status, html = page(client, "pelaksana", "/")
    assert status == 200 and "Menugaskan Pelaksana" not in main_text(html)
    assert "Tidak ada tugas yang menunggu Anda." in empty_state(html)


def test_filters_split_my_tasks_from_open_lane_tasks(client, make_ctx, sop) -> None:
    _, mine = page(client, "kasi", "/?filter=mine")
    assert not rows(mine) and "Belum ada tugas yang ditugaskan" in empty_state(mine)
    _, lane = page(client, "kasi", "/?filter=lane")
    assert any("Menugaskan Pelaksana" in text_of(row) for row in rows(lane))
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    _, mine = page(client, "pelaksana", "/?filter=mine")
    assert any("Menyusun konsep rencana kerja" in text_of(row) and "pelaksana (ditugaskan)" in text_of(row)
               for row in rows(mine))
    _, lane = page(client, "pelaksana", "/?filter=lane")
    assert not rows(lane)  # assigned to one person, not open to the lane
    _, overdue = page(client, "pelaksana", "/?filter=overdue")
    assert "Tidak ada tugas yang terlambat." in empty_state(overdue)
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
    assert "Menyusun konsep laporan" in text_of(row) or "laporan" in text_of(row)
    assert not row.xpath(f"descendant-or-self::*[{has_class('overdue')}]") and "31 Mar 2026 16:00 WIB" in text_of(row)
    clock.set(LATE)
    assert tick(make_ctx()) == 1
    _, html = page(client, "pelaksana", "/?filter=overdue")
    [row] = rows(html)
    assert "overdue" in row.get("class", "").split()
    assert "Terlambat" in text_of(row) and "31 Mar 2026 16:00 WIB" in text_of(row)
    assert "14 hari" in text_of(row)  # ready since 17 Mar 10:00 WIB
    _, html = page(client, "kasi", "/pemberitahuan")
    notes = [text_of(n) for n in html.xpath(f"//ul[{has_class('notification-list')}]/li")]
    assert len([n for n in notes if "belum ditandatangani" in n]) == 1  # the escalation reached the kasi once
    _, html = page(client, "kasi", "/")
    notice = one(html, f"//a[{has_class('notice-link')}]")
    unread = text_of(one(notice, f"./span[{has_class('badge')}][{has_class('red')}]"))
    assert unread == str(len(notes)) and text_of(notice) == f"{unread} pemberitahuan belum dibaca"


def test_each_inbox_request_reads_the_clock_afresh_for_how_long_a_task_waits(client, clock, sop) -> None:
    """A page reads the clock and the office's time zone once for all its rows; the next request reads them again."""
    def waiting() -> tuple[str, str]:
        cell = one(row_of(page_tree(login_as(client, "kasi").get("/")), "Menugaskan Pelaksana"), "./td[6]")
        return text_of(cell), cell.get("title")

    start = clock()
    assert waiting() == ("baru saja", "Siap sejak 9 Mar 2026 09:00 WIB")
    clock.set(start + timedelta(minutes=90))
    assert waiting() == ("1 jam", "Siap sejak 9 Mar 2026 09:00 WIB")
    clock.set(start + timedelta(days=3, hours=5))
    assert waiting() == ("3 hari", "Siap sejak 9 Mar 2026 09:00 WIB")
    client.get("/bahasa/en")
    assert waiting() == ("3 d", "Ready since 9 Mar 2026 09:00 WIB")
    clock.set(start + timedelta(minutes=10))
    assert waiting() == ("10 min", "Ready since 9 Mar 2026 09:00 WIB")


def test_claim_and_unclaim_a_lane_task(client, make_ctx, sop) -> None:
    create_user(make_ctx(), "kasi2", ["kasi"], full_name="Kasi Kedua")
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    response = post(client, "kasi", f"/tugas/{tid}/klaim", {"filter": "lane"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/?filter=lane")
    _, html = page(client, "kasi", "/?filter=mine")
    assert "Tugas Anda klaim" in flashes(html)
    assert row_of(html, "Menugaskan Pelaksana").xpath(".//button[normalize-space()='Lepas klaim']")
    _, other = page(client, "kasi2", "/")
    row = row_of(other, "Menugaskan Pelaksana")
    assert "kasi (diklaim)" in [text_of(cell) for cell in row.xpath("./td")]
    assert not other.xpath("//a[@href=$href]", href=f"/tugas/{tid}")  # someone else works on it
    assert page(client, "kasi2", f"/tugas/{tid}")[0] == 403
    response = post(client, "kasi2", f"/tugas/{tid}/klaim", {})
    assert response.status_code == 302
    _, other = page(client, "kasi2", "/")
    assert "sedang dikerjakan oleh kasi" in flashes(other)  # refusal shown as a flash message
    post(client, "kasi", f"/tugas/{tid}/lepas", {})
    _, html = page(client, "kasi", "/")
    assert "Klaim dilepas" in flashes(html) and html.xpath("//button[normalize-space()='Klaim']")
    assert page(client, "kasi2", f"/tugas/{tid}")[0] == 200


# --- task page ---------------------------------------------------------------------------------------

def test_task_page_shows_sop_text_and_a_user_picker_of_pelaksana(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    status, html = page(client, "kasi", f"/tugas/{tid}")
    assert status == 200
    sop_box = one(html, f"//div[{has_class('sop-text')}]")
    assert "menugaskan Pelaksana Seksi Operasional untuk membuat konsep rencana kerja" in text_of(sop_box)
    picker = control(html, "pelaksana")
    assert picker.tag == "select" and picker.get("id") == "f-pelaksana", "x-role pelaksana renders as a select"
    assert [option.get("value") for option in picker.xpath("./option")] == ["", "agen1", "agen2", "agen3", "pelaksana"]
    assert "Pelaksana Seksi Operasional (demo)" in text_of(picker) and "Agen 1 (demo)" in text_of(picker)
    notes = control(html, "catatan")
    assert notes.tag == "textarea" and notes.get("id") == "f-catatan"
    assert field(html, "pelaksana").xpath(f".//span[{has_class('req')}]")  # required marker
    assert html.xpath("//a[@href=$href]", href=f"/proses/{instance_of(make_ctx, sop)}")
    assert "Langkah SOP 1" in text_of(one(html, f"//p[{has_class('eyebrow')}]"))


def test_work_plan_form_widgets(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    _, html = page(client, "pelaksana", f"/tugas/{task_id(make_ctx, 'pelaksana', 'susun_rencana_kerja', sop)}")
    start = control(html, "rencana_mulai")
    assert (start.tag, start.get("type")) == ("input", "date")
    target = control(html, "target_kontak")
    assert (target.tag, target.get("type"), target.get("step")) == ("input", "number", "1")
    script = control(html, "naskah")
    assert script.tag == "textarea" and script.get("id") == "f-naskah"
    hint = one(field(html, "target_kontak"), f".//*[{has_class('hint')}]")  # the description, as a hint
    assert text_of(hint) == "Jumlah masyarakat dan/atau Wajib Pajak yang akan dihubungi."


def test_completing_a_task_moves_the_work_to_the_next_user(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    response = post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana", "catatan": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    _, html = page(client, "kasi", "/")
    assert "selesai." in flashes(html) and "Menugaskan Pelaksana menyusun" in flashes(html)  # names the task
    assert ready(make_ctx, "kasi", sop) == []
    _, html = page(client, "pelaksana", "/")
    assert any("Menyusun konsep rencana kerja" in text_of(row) for row in rows(html))


def test_invalid_post_is_422_with_inline_messages_and_keeps_the_input(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    tid = task_id(make_ctx, "pelaksana", "susun_rencana_kerja", sop)
    response = post(client, "pelaksana", f"/tugas/{tid}", {
        "rencana_mulai": "2026-03-10", "rencana_selesai": "", "materi": "   ", "naskah": "Selamat pagi, Kring Pajak",
        "target_kontak": "12", "kebutuhan_agen": "0"})
    html = page_tree(response)
    assert response.status_code == 422
    assert "Isian formulir belum benar." in flashes(html)
    expected = (("rencana_selesai", "wajib diisi"), ("materi", "wajib diisi"), ("kebutuhan_agen", "paling kecil 1"))
    for name, message in expected:
        assert message in field_error(html, name), name
    assert control(html, "rencana_mulai").get("value") == "2026-03-10"
    assert control(html, "naskah").text == "Selamat pagi, Kring Pajak"
    assert control(html, "target_kontak").get("value") == "12"
    assert ready(make_ctx, "pelaksana", sop) == ["susun_rencana_kerja"]  # nothing completed


def test_field_errors_are_tied_to_their_fields_and_the_asterisk_is_not_read(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    tid = task_id(make_ctx, "pelaksana", "susun_rencana_kerja", sop)
    html = page_tree(post(client, "pelaksana", f"/tugas/{tid}", {
        "rencana_mulai": "2026-03-10", "materi": "   ", "naskah": "Selamat pagi", "target_kontak": "12",
        "kebutuhan_agen": "0"}))
    for name in ("rencana_selesai", "materi", "kebutuhan_agen"):
        box = control(html, name)
        described = box.get("aria-describedby", "").split()
        assert box.get("aria-invalid") == "true" and f"error-{name}" in described, name
        assert text_of(one(html, "//*[@id=$id]", id=f"error-{name}")) == field_error(html, name)
        assert all(len(html.xpath("//*[@id=$id]", id=ref)) == 1 for ref in described), name
    plain = control(html, "target_kontak")  # no error: the hint only
    assert plain.get("aria-invalid") is None and plain.get("aria-describedby") == "hint-target_kontak"
    assert control(html, "materi").get("required") is not None  # screen readers say "required" ...
    marks = html.xpath(f"//*[{has_class('req')}]")
    assert marks and all(mark.get("aria-hidden") == "true" for mark in marks)  # ... and not "star"


def test_a_choice_left_out_marks_its_group_and_a_required_checkbox_group_says_so(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", sop, WORK_PLAN)
    tid = task_id(make_ctx, "kasi", "teliti_rencana_kerja", sop)
    html = page_tree(post(client, "kasi", f"/tugas/{tid}", {"catatan": ""}))
    group = one(field(html, "keputusan"), ".//fieldset")
    assert "error-keputusan" in group.get("aria-describedby", "").split()
    assert text_of(one(html, "//*[@id='error-keputusan']")) == field_error(html, "keputusan")
    radios = group.xpath(".//input[@type='radio']")
    assert radios and all(r.get("aria-invalid") == "true" and r.get("required") is not None for r in radios)
    do(make_ctx, "kasi", "teliti_rencana_kerja", sop, {"keputusan": "setuju"})
    _, html = page(client, "kasi", f"/tugas/{task_id(make_ctx, 'kasi', 'distribusi_pekerjaan', sop)}")
    legend = one(html, "//fieldset[.//input[@type='checkbox'][@name='agen']]/legend")
    assert one(legend, f".//*[{has_class('visually-hidden')}]").text_content().strip() == "(wajib diisi)"


def test_pages_start_with_a_skip_link_and_english_pages_mark_indonesian_content(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    login_as(client, "kasi").get("/bahasa/en")
    html = page_tree(client.get(f"/tugas/{tid}"))
    assert one(html, "/html").get("lang") == "en"
    skip = html.xpath("//body//a")[0]  # the first link of the page, before the navigation
    assert skip.get("href") == "#isi" and one(html, "//main").get("id") == "isi"
    heading = one(html, "//h1/span")
    assert heading.get("lang") == "id" and text_of(heading) == "Menugaskan Pelaksana menyusun konsep rencana kerja"
    sentence = one(html, f"//div[{has_class('sop-text')}]/p")
    assert sentence.get("lang") == "id" and "Kepala Seksi Operasional menugaskan" in text_of(sentence)
    assert control(html, "catatan").get("lang") == "id"  # what the Kasi types is Indonesian too


def test_wrong_role_unknown_and_completed_tasks(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    status, html = page(client, "pelaksana", f"/tugas/{tid}")
    assert status == 403 and "Akses ditolak" in error_page(html)
    assert post(client, "pelaksana", f"/tugas/{tid}", {"pelaksana": "pelaksana"}).status_code == 403
    assert page(client, "kasi", f"/tugas/{uuid.uuid4()}")[0] == 404
    assert page(client, "kasi", "/tugas/bukan-id")[0] == 404
    assert post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana"}).status_code == 302
    status, html = page(client, "kasi", f"/tugas/{tid}")
    assert status == 409 and "sudah diselesaikan" in error_page(html)
    assert post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana"}).status_code == 409


def test_return_notes_are_shown_to_whoever_redrafts(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", sop, WORK_PLAN)
    tid = task_id(make_ctx, "kasi", "teliti_rencana_kerja", sop)
    _, html = page(client, "kasi", f"/tugas/{tid}")
    assert control(html, "keputusan", "setuju").get("type") == "radio"
    give_back = one(html, "//label[input[@name='keputusan'][@value='kembalikan']]")
    assert text_of(give_back) == "Kembalikan kepada Pelaksana Seksi Operasional"
    response = post(client, "kasi", f"/tugas/{tid}", {"keputusan": "kembalikan", "catatan": ""})
    assert response.status_code == 422  # the if/then rule: notes are required when returning
    html = page_tree(response)
    assert "wajib diisi" in field_error(html, "catatan")
    assert is_checked(control(html, "keputusan", "kembalikan"))
    post(client, "kasi", f"/tugas/{tid}", {"keputusan": "kembalikan", "catatan": "Tambahkan jadwal shift sore."})
    redraft = task_id(make_ctx, "pelaksana", "susun_rencana_kerja", sop)
    _, html = page(client, "pelaksana", f"/tugas/{redraft}")
    notes = text_of(one(html, f"//section[{has_class('notes')}]"))
    assert "Catatan pengembalian" in notes and "Tambahkan jadwal shift sore." in notes
    assert control(html, "naskah").text == WORK_PLAN["naskah"]  # the earlier draft is prefilled ...
    assert not control(html, "catatan").text  # ... but not with the Kasi's notes
    post(client, "pelaksana", f"/tugas/{redraft}", {**WORK_PLAN, "target_kontak": "20", "kebutuhan_agen": "3"})
    _, html = page(client, "kasi", f"/tugas/{task_id(make_ctx, 'kasi', 'teliti_rencana_kerja', sop)}")
    assert not html.xpath("//input[@checked]")  # a second examination decides afresh
    assert not control(html, "catatan").text


def test_a_comment_is_visible_on_the_next_task_page(client, make_ctx, sop) -> None:
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    response = post(client, "kasi", f"/tugas/{tid}/komentar", {"text": "Tolong prioritaskan wilayah Gambir."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tugas/{tid}#komentar")
    assert post(client, "kasi", f"/tugas/{tid}/komentar", {"text": "  "}).status_code == 302
    _, html = page(client, "kasi", f"/tugas/{tid}")
    assert "Komentar tidak disimpan" in flashes(html)
    assert "Tolong prioritaskan wilayah Gambir." in text_of(one(html, "//section[@id='komentar']"))
    post(client, "kasi", f"/tugas/{tid}", {"pelaksana": "pelaksana"})
    _, html = page(client, "pelaksana", f"/tugas/{task_id(make_ctx, 'pelaksana', 'susun_rencana_kerja', sop)}")
    [comment] = one(html, "//section[@id='komentar']").xpath(f".//div[{has_class('comment')}]")
    assert "Tolong prioritaskan wilayah Gambir." in text_of(comment) and text_of(one(comment, ".//strong")) == "kasi"
    assert post(client, "pelaksana", f"/tugas/{tid}/komentar", {"text": "x"}).status_code == 409  # task is done


def test_distribution_preview_counts_without_completing(client, make_ctx, sop) -> None:
    to_distribution(make_ctx, sop)
    tid = task_id(make_ctx, "kasi", "distribusi_pekerjaan", sop)
    _, html = page(client, "kasi", f"/tugas/{tid}")
    boxes = html.xpath("//input[@type='checkbox'][@name='agen']")
    assert [box.get("value") for box in boxes] == ["agen1", "agen2", "agen3"]
    assert text_of(boxes[1].getparent()).startswith("Agen 2 (demo)")  # the label of the box
    assert text_of(one(html, "//button[@value='preview']")) == "Pratinjau pembagian"
    response = post(client, "kasi", f"/tugas/{tid}",
                    MultiDict([("agen", "agen1"), ("agen", "agen3"), ("action", "preview")]))
    html = page_tree(response)
    assert response.status_code == 200
    table = one(html, "//div[@id='pratinjau']//table")  # the preview table is shown
    counts = [(text_of(one(row, "./td[1]/span")), text_of(one(row, "./td[2]"))) for row in table.xpath("./tbody/tr")]
    assert counts == [("agen1", "5"), ("agen3", "4")] and rows_of(table)[0][0] == "Agen 1 (demo) agen1"
    assert is_checked(control(html, "agen", "agen3")) and not is_checked(control(html, "agen", "agen2"))
    assert ready(make_ctx, "kasi", sop) == ["distribusi_pekerjaan"]  # nothing completed
    response = post(client, "kasi", f"/tugas/{tid}", {"action": "preview"})
    assert response.status_code == 422 and "Pilih sedikitnya satu agen." in field_error(page_tree(response), "agen")
    post(client, "kasi", f"/tugas/{tid}", MultiDict([("agen", "agen1"), ("agen", "agen3"), ("action", "complete")]))
    assert ready(make_ctx, "agen1", sop) == ["hubungi_wajib_pajak"] and ready(make_ctx, "agen2", sop) == []


def test_agent_and_report_pages_render_their_step_views(client, make_ctx, sop) -> None:
    to_distribution(make_ctx, sop)
    do(make_ctx, "kasi", "distribusi_pekerjaan", sop, {"agen": ["agen1"]})
    status, html = page(client, "agen1", f"/tugas/{task_id(make_ctx, 'agen1', 'hubungi_wajib_pajak', sop)}")
    assert status == 200 and text_of(one(html, "//button[@value='complete']")) == "Selesaikan penugasan"
    finish_calls(make_ctx, sop, "agen1")
    do(make_ctx, "pelaksana", "susun_laporan", sop, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", sop, {"keputusan": "setuju"})
    tid = task_id(make_ctx, "kepala", "tandatangani_laporan", sop)
    status, html = page(client, "kepala", f"/tugas/{tid}")
    assert status == 200 and html.xpath(f"//div[{has_class('task-grid')}][{has_class('report')}]")
    for value, label in (("tandatangani", "Tandatangani"), ("kembalikan", "Kembalikan")):
        assert text_of(one(control(html, "keputusan", value), "./following-sibling::span[1]")) == label
    assert "SHA-256" in text_of(one(html, f"//div[{has_class('sign-note')}]"))
    assert text_of(one(html, "//button[@value='complete']")) == "Simpan keputusan"
    assert page(client, "kasi", f"/tugas/{tid}")[0] == 403


def test_pkl_sends_the_report_and_the_process_ends(client, make_ctx, sop) -> None:
    to_reporting(make_ctx, sop, agents=("agen1",))
    do(make_ctx, "pelaksana", "susun_laporan", sop, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", sop, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", sop, {"keputusan": "tandatangani"})
    tid = task_id(make_ctx, "pkl", "sampaikan_laporan", sop)
    _, html = page(client, "pkl", f"/tugas/{tid}")
    assert control(html, "diteruskan_ke_pkl", "true").get("type") == "checkbox"
    assert control(html, "tanggal_kirim").get("type") == "date"
    response = post(client, "pkl", f"/tugas/{tid}", {"nomor_surat": "ND-12/KLIP/2026", "tanggal_kirim": "2026-03-27"})
    assert response.status_code == 422  # an unticked checkbox is false, and this box must be ticked
    assert "harus bernilai True" in field_error(page_tree(response), "diteruskan_ke_pkl")
    response = post(client, "pkl", f"/tugas/{tid}", {"nomor_surat": "ND-12/KLIP/2026", "tanggal_kirim": "2026-03-27",
                                                     "diteruskan_ke_pkl": "true"})
    assert response.status_code == 302
    _, html = page(client, "pkl", f"/proses/{instance_of(make_ctx, sop)}")
    badge = one(html, f"//h1/span[{has_class('badge')}]")
    assert "green" in badge.get("class").split() and text_of(badge) == "Selesai"
    assert "Tidak ada tugas yang sedang menunggu." in text_of(current_tasks(html))


@pytest.mark.parametrize("user", ["kasi", "pelaksana", "agen1", "kepala", "pkl", "unit", "admin"])
def test_every_role_has_an_inbox_and_a_notifications_page(client, make_ctx, sop, user) -> None:
    status, html = page(client, user, "/")
    assert status == 200 and text_of(one(html, "//h1")) == "Kotak Tugas"
    assert ("Menugaskan Pelaksana" in main_text(html)) == (user == "kasi")
    assert page(client, user, "/pemberitahuan")[0] == 200


# --- notifications, instance page ----------------------------------------------------------------------

def test_notifications_can_be_marked_read(client, make_ctx, clock, sop) -> None:
    to_reporting(make_ctx, sop, agents=("agen1",))
    clock.set(LATE)
    assert tick(make_ctx()) == 1
    _, html = page(client, "kepala", "/pemberitahuan")
    notes = html.xpath(f"//ul[{has_class('notification-list')}]/li")
    assert len(notes) == 2  # the escalation, and the follow-up task it opened for the Kepala Kantor
    [note] = [n for n in notes if "belum ditandatangani" in text_of(n)]
    message = text_of(one(note, f".//div[{has_class('notification-body')}]/p"))
    assert re.search(r"belum ditandatangani sampai batas waktu \d+ Mar 2026 16:00 WIB", message)  # plain text
    assert text_of(one(note, f".//span[{has_class('badge')}]")) == "Belum dibaca"
    mark_read = one(note, ".//form/@action")
    assert mark_read.startswith("/pemberitahuan/") and mark_read.endswith("/dibaca")
    assert post(client, "pelaksana", mark_read, {}).status_code == 404  # not theirs
    assert post(client, "kepala", mark_read, {}).status_code == 302
    _, html = page(client, "kepala", "/pemberitahuan")
    items = html.xpath(f"//ul[{has_class('notification-list')}]/li")
    [read] = [n for n in items if "belum ditandatangani" in text_of(n)]
    assert "Belum dibaca" not in text_of(read)
    _, html = page(client, "kepala", "/")
    assert text_of(one(html, f"//a[{has_class('notice-link')}]")) == "1 pemberitahuan belum dibaca"


def test_instance_page_shows_the_audit_trail(client, make_ctx, sop) -> None:
    do(make_ctx, "kasi", "tugaskan_pelaksana", sop, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", sop, WORK_PLAN)
    do(make_ctx, "kasi", "teliti_rencana_kerja", sop,
       {"keputusan": "kembalikan", "catatan": "Tambahkan jadwal shift sore."})
    instance_id = instance_of(make_ctx, sop)
    status, html = page(client, "kasi", f"/proses/{instance_id}")
    assert status == 200 and text_of(one(html, "//h1")) == "Kampanye uji Berjalan"  # title and status badge
    text = text_of(one(html, f"//ol[{has_class('audit-trail')}]"))
    assert "unit mengunggah data layanan" in text and "unit memulai proses" in text
    assert "kasi menyelesaikan Menugaskan Pelaksana menyusun konsep rencana kerja" in text
    assert "Keputusan: Dikembalikan" in text and "Tambahkan jadwal shift sore." in text
    assert text.index("mengunggah data") < text.index("memulai proses") < text.index("Dikembalikan")
    assert any(row[0] == "Menyusun konsep rencana kerja" and "pelaksana" in row
               for row in rows_of(one(current_tasks(html), ".//table")))
    assert page(client, "unit", f"/proses/{instance_id}")[0] == 200  # the requester sees their own campaign
    create_user(make_ctx(), "unit2", ["pengguna_layanan"])
    status, html = page(client, "unit2", f"/proses/{instance_id}")
    assert status == 403 and "Akses ditolak" in error_page(html)
    assert page(client, "kasi", "/proses/999999")[0] == 404


def test_instance_trail_groups_calls_per_agent(client, make_ctx, sop) -> None:
    to_distribution(make_ctx, sop)
    do(make_ctx, "kasi", "distribusi_pekerjaan", sop, {"agen": ["agen1"]})
    finish_calls(make_ctx, sop, "agen1")
    _, html = page(client, "kasi", f"/proses/{instance_of(make_ctx, sop)}")
    text = text_of(one(html, f"//ol[{has_class('audit-trail')}]"))
    assert "agen1 mencatat 9 panggilan" in text and "agen1 membuka daftar kontak 1 kali" in text


# --- language, CSRF, schema_form -------------------------------------------------------------------

def test_english_switch_translates_the_inbox(client, make_ctx, sop) -> None:
    login_as(client, "kasi")
    client.get("/bahasa/en")
    html = page_tree(client.get("/"))
    assert text_of(one(html, "//h1")) == "Task inbox"
    tabs = [text_of(tab) for tab in html.xpath(f"//nav[{has_class('tabs')}]/a")]
    assert any(tab.startswith("Overdue") for tab in tabs) and any(tab.startswith("Mine") for tab in tabs)
    tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
    html = page_tree(client.get(f"/tugas/{tid}"))
    assert text_of(one(html, "//label[@for='f-pelaksana']")).startswith("Operations Officer")  # x-title-en


def test_post_without_csrf_token_is_refused(settings, clock, make_ctx, sop) -> None:
    app = create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": True})
    try:
        client = login_as(app.test_client(), "kasi")
        tid = task_id(make_ctx, "kasi", "tugaskan_pelaksana", sop)
        assert client.post(f"/tugas/{tid}/klaim").status_code == 400
        assert client.post(f"/tugas/{tid}", data={"pelaksana": "pelaksana"}).status_code == 400
        assert ready(make_ctx, "kasi", sop) == ["tugaskan_pelaksana"]
        html = page_tree(client.get(f"/tugas/{tid}"))
        token = one(html, "//form[@action=$action]/input[@name='csrf_token']/@value", action=f"/tugas/{tid}")
        assert token
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
