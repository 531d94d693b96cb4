"""Reassigning work through the web pages (task, instance and campaign pages of the Kasi) and the JSON API."""
from __future__ import annotations

from typing import Any

from engine import campaign as campaigns
from engine.walkthrough import task_for

from sop_helpers import do, instance_of, new_campaign, ready, setup_sop, to_distribution
from web_helpers import bearer, has_class, login_as, one, page_tree, rows_of, text_of


def get(client: Any, user: str, path: str) -> tuple[int, Any]:
    response = login_as(client, user).get(path)
    return response.status_code, page_tree(response)


def test_the_instance_page_offers_the_kasi_a_reassignment_and_the_trail_tells_it(client, make_ctx, drafting) -> None:
    cid = drafting
    iid = instance_of(make_ctx, cid)
    task_id = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", cid).id
    status, html = get(client, "kasi", f"/proses/{iid}")
    link = one(html, "//a[contains(@href, '/alihkan')]")
    assert status == 200 and link.get("href") == f"/tugas/{task_id}/alihkan"
    assert not get(client, "pelaksana", f"/proses/{iid}")[1].xpath("//a[contains(@href, '/alihkan')]")

    status, form = get(client, "kasi", link.get("href"))
    assert status == 200
    assert "pelaksana" in text_of(one(form, f"//dd[{has_class('holder')}]"))
    offered = form.xpath("//input[@name='to']/@value")
    assert "agen1" in offered and "pelaksana" not in offered and "kepala" not in offered  # the lane's role only

    refused = login_as(client, "kasi").post(link.get("href"), data={"to": "agen1", "reason": ""})
    html = page_tree(refused)
    assert refused.status_code == 422
    reason = one(html, "//textarea[@name='reason']")
    assert reason.get("aria-invalid") == "true" and "error-reason" in reason.get("aria-describedby")
    assert "Alasan wajib diisi" in text_of(one(html, "//*[@id='error-reason']"))
    assert ready(make_ctx, "pelaksana", cid) == ["susun_rencana_kerja"]  # nothing moved

    moved = login_as(client, "kasi").post(link.get("href"), data={"to": "agen1", "reason": "Cuti tahunan"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/proses/{iid}")
    html = page_tree(login_as(client, "kasi").get(f"/proses/{iid}"))
    assert "Tugas “Menyusun konsep rencana kerja” dialihkan dari pelaksana kepada agen1." in text_of(
        one(html, f"//div[{has_class('flash')}]"))
    entry = one(html, f"//ol[{has_class('audit-trail')}]/li[{has_class('action-task_reassigned')}]")
    assert "kasi mengalihkan tugas Menyusun konsep rencana kerja" in text_of(entry)
    assert "dari pelaksana kepada agen1" in text_of(entry) and "Alasan: Cuti tahunan" in text_of(entry)
    assert ready(make_ctx, "agen1", cid) == ["susun_rencana_kerja"]


def test_only_the_kasi_opens_the_reassignment_form(client, make_ctx, drafting) -> None:
    task_id = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", drafting).id
    for who in ("pelaksana", "admin", "kepala", "agen1"):
        assert get(client, who, f"/tugas/{task_id}/alihkan")[0] == 403
        assert login_as(client, who).post(f"/tugas/{task_id}/alihkan", data={}).status_code == 403


def test_the_kasi_moves_an_absent_agents_contacts_from_the_campaign_page(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2"]})
    first = campaigns.list_contacts(make_ctx(), "agen1", cid)[0]
    campaigns.record_call(make_ctx(), "agen1", first.id, "tersampaikan")
    status, html = get(client, "kasi", f"/kampanye/{cid}")
    panel = one(html, "//section[@id='agen']")
    assert status == 200 and rows_of(one(panel, ".//table"))[0][:4] == ["Agen 1 (demo) agen1", "3", "2", "Berjalan"]
    assert not get(client, "pelaksana", f"/kampanye/{cid}")[1].xpath("//section[@id='agen']")  # the Kasi's panel
    href = one(panel, ".//tr[@data-agent='agen1']//a").get("href")
    assert href == f"/kampanye/{cid}/agen/agen1/alihkan"
    form = get(client, "kasi", href)[1]
    assert text_of(one(form, f"//dd[{has_class('open-contacts')}]")) == "2"
    agen2 = one(form, "//input[@name='to'][@value='agen2']/..")
    assert "penugasannya berjalan" in text_of(agen2)  # the contacts would join agen2's own step 5
    done = login_as(client, "kasi").post(href, data={"to": "agen3", "reason": "Agen 1 sakit"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/kampanye/{cid}#agen")
    assert ready(make_ctx, "agen3", cid) == ["hubungi_wajib_pajak"] and ready(make_ctx, "agen1", cid) == []
    rows = {r[0]: r for r in rows_of(one(get(client, "kasi", f"/kampanye/{cid}")[1], "//section[@id='agen']//table"))}
    assert rows["Agen 1 (demo) agen1"][1:4] == ["1", "0", "Selesai"]
    assert rows["Agen 3 (demo) agen3"][1:4] == ["2", "2", "Berjalan"]


def test_the_kasi_finds_the_reassignment_on_their_own_task_page(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    task_id = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", cid).id
    html = get(client, "kasi", f"/tugas/{task_id}")[1]
    assert one(html, "//a[text()='Alihkan tugas']").get("href") == f"/tugas/{task_id}/alihkan"


def test_the_api_reassigns_a_task_for_the_kasi_only(client, make_ctx, drafting) -> None:
    task_id = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", drafting).id
    url = f"/api/v1/tasks/{task_id}/reassign"
    assert client.post(url, json={"to": "agen1", "reason": "Cuti"}, headers=bearer(make_ctx(), "pelaksana")
                       ).status_code == 403
    bad = client.post(url, json={"to": "kepala", "reason": ""}, headers=bearer(make_ctx(), "kasi"))
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_input"
    assert bad.get_json()["fields"] == {
        "to": "kepala tidak memiliki peran Pelaksana Seksi Operasional.",
        "reason": "Alasan wajib diisi (mis. cuti, sakit, tugas luar), agar tercatat pada jejak audit."}
    done = client.post(url, json={"to": "agen1", "reason": "Cuti"}, headers=bearer(make_ctx(), "kasi"))
    assert done.status_code == 200
    assert done.get_json() == {"id": task_id, "reassigned": True, "from": "pelaksana", "to": "agen1",
                               "outcome": "assigned", "contacts_moved": 0,
                               "instance_id": instance_of(make_ctx, drafting)}
    assert client.post(url, json={"to": "agen2", "reason": "Lagi"}, headers=bearer(make_ctx(), "kasi")
                       ).status_code == 200  # still READY: moved again
    assert ready(make_ctx, "agen2", drafting) == ["susun_rencana_kerja"]


def test_an_agent_without_work_in_the_campaign_is_not_found(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    assert get(client, "kasi", f"/kampanye/{cid}/agen/agen2/alihkan")[0] == 404
    refused = login_as(client, "kasi").post(f"/kampanye/{cid}/agen/agen2/alihkan", data={"to": "agen3",
                                                                                       "reason": "Sakit"})
    assert refused.status_code == 404 and ready(make_ctx, "agen3", cid) == []


def test_the_reassignment_form_needs_its_csrf_token(csrf_client, make_ctx, drafting) -> None:
    task_id = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", drafting).id
    client = login_as(csrf_client, "kasi")
    form = one(page_tree(client.get(f"/tugas/{task_id}/alihkan")), "//form[.//textarea[@name='reason']]")
    token = one(form, "./input[@name='csrf_token']/@value")
    data = {"to": "agen1", "reason": "Cuti"}
    assert client.post(f"/tugas/{task_id}/alihkan", data=data).status_code == 400
    assert ready(make_ctx, "pelaksana", drafting) == ["susun_rencana_kerja"]
    assert client.post(f"/tugas/{task_id}/alihkan", data={**data, "csrf_token": token}).status_code == 302
    assert ready(make_ctx, "agen1", drafting) == ["susun_rencana_kerja"]
