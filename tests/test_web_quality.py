"""The agent quality assessment in the web app and the API: the score sheet PKL fills in, the results each reader
may see, and the documentation pages listing both processes."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from test_quality import TWO_AGENTS, recorded_campaign, samples_of, score_everyone, score_tasks

from engine import tasks
from engine.models import QaResult

from sop_helpers import do, send_report
from web_helpers import bearer, login_as, one, page_tree, text_of


def scoring(make_ctx: Any) -> tuple[int, dict[str, str]]:
    """A campaign whose report was sent and whose sample was drawn: agent → the id of its score sheet."""
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 2})
    return cid, score_tasks(make_ctx, cid)


def sheet_form(sample_ids: list[int], **changes: str) -> dict[str, str]:
    """The score sheet as the browser posts it: full marks, with ``changes`` (``"0/pembukaan": "11"``)."""
    form = {"umpan_balik": "Pertahankan."}
    for i, sample in enumerate(sample_ids):
        form |= {f"penilaian/{i}/sampel": str(sample), f"penilaian/{i}/pembukaan": "10",
                 f"penilaian/{i}/verifikasi": "10", f"penilaian/{i}/ketepatan_informasi": "25",
                 f"penilaian/{i}/kesantunan": "15", f"penilaian/{i}/keberatan": "15",
                 f"penilaian/{i}/penutupan": "10", f"penilaian/{i}/pencatatan": "15"}
    return form | {f"penilaian/{key}": value for key, value in changes.items()}


def test_the_score_sheet_shows_each_sampled_call_as_the_assessor_hears_it(client, make_ctx) -> None:
    _, sheets = scoring(make_ctx)
    tree = page_tree(login_as(client, "pkl").get(f"/tugas/{sheets['agen1']}"))
    calls = tree.xpath("//fieldset[contains(@class, 'score-call')]")
    assert len(calls) == 2
    facts = [text_of(c.xpath(".//dl")[0]) for c in calls]
    assert all("REC-" in f and "catatan agen1" in f for f in facts)  # the recording and the agent's notes
    assert all("•" in f for f in facts)  # the NPWP masked
    # Each section of the form is a labelled field of each call, named as the engine names its errors.
    label = one(tree, "//label[@for=$id]", id="f-penilaian/0/ketepatan_informasi")
    assert "Ketepatan" in text_of(label)
    assert "0–25" in text_of(one(tree, "//*[@id=$id]", id="hint-penilaian/0/ketepatan_informasi"))


def test_a_wrong_score_is_shown_at_its_call_and_section_and_nothing_is_stored(client, make_ctx) -> None:
    _, sheets = scoring(make_ctx)
    ids = [s.id for s in samples_of(make_ctx, sheets["agen1"])]
    response = login_as(client, "pkl").post(f"/tugas/{sheets['agen1']}", data=sheet_form(ids, **{"1/pembukaan": "11"}))
    assert response.status_code == 422
    tree = page_tree(response)
    field = one(tree, "//input[@id='f-penilaian/1/pembukaan']")
    assert field.get("aria-invalid") == "true"
    assert "10" in text_of(one(tree, "//*[@id=$id]", id=field.get("aria-describedby").split()[-1]))
    assert field.get("value") == "11"  # what was typed stays
    assert one(tree, "//input[@id='f-penilaian/0/pembukaan']").get("value") == "10"
    with make_ctx().transaction() as session:
        assert session.scalar(select(func.count(QaResult.id))) == 0


def test_a_complete_sheet_posted_from_the_page_scores_the_agent(client, make_ctx) -> None:
    _, sheets = scoring(make_ctx)
    ids = [s.id for s in samples_of(make_ctx, sheets["agen1"])]
    form = sheet_form(ids, **{"0/kesalahan_fatal": "true", "0/catatan": "Menyebut data SPT pihak lain."})
    response = login_as(client, "pkl").post(f"/tugas/{sheets['agen1']}", data=form)
    assert response.status_code == 302
    with make_ctx().transaction() as session:
        result = session.scalars(select(QaResult).where(QaResult.agent == "agen1")).one()
        assert (result.score, result.calls, result.feedback) == (50.0, 2, "Pertahankan.")


def test_the_api_task_carries_the_sampled_calls_and_the_sheet_sections(client, make_ctx) -> None:
    _, sheets = scoring(make_ctx)
    body = client.get(f"/api/v1/tasks/{sheets['agen1']}", headers=bearer(make_ctx(), "pkl")).get_json()
    quality = body["quality"]
    assert quality["agent"] == "agen1"
    assert [s["maximum"] for s in quality["sections"]] == [10, 10, 25, 15, 15, 10, 15]
    assert sorted(s["recording_ref"] for s in quality["samples"]) == ["REC-1", "REC-2"]
    assert {(s["agent"], s["notes"]) for s in quality["samples"]} == {("agen1", "catatan agen1")}
    assert all(s["outcome"] in ("menolak", "tersampaikan") and "•" in s["npwp_masked"] for s in quality["samples"])
    refused = client.get(f"/api/v1/tasks/{sheets['agen1']}", headers=bearer(make_ctx(), "agen1"))
    assert refused.status_code in (403, 404)


def test_an_agent_reads_its_own_approved_result_and_nobody_elses(client, make_ctx) -> None:
    cid, _ = scoring(make_ctx)
    score_everyone(make_ctx, cid, "Salam pembuka sudah baik.")
    before = page_tree(login_as(client, "agen1").get("/penilaian-kualitas"))
    assert "Salam pembuka" not in text_of(before.body)  # not approved yet
    do(make_ctx, "kasipkl", "setujui_penilaian", cid, {"keputusan": "setujui"})
    tree = page_tree(client.get("/penilaian-kualitas"))
    text = text_of(tree.body)
    assert "Salam pembuka sudah baik." in text and "100" in text
    assert "agen2" not in text
    api = client.get("/api/v1/quality-results", headers=bearer(make_ctx(), "agen2")).get_json()
    assert [(r["agent"], r["approved"]) for r in api] == [("agen2", True)]
    everyone = client.get(f"/api/v1/quality-results?campaign={cid}", headers=bearer(make_ctx(), "kasi")).get_json()
    assert sorted(r["agent"] for r in everyone) == ["agen1", "agen2"]
    assert login_as(client, "unit").get("/penilaian-kualitas").status_code == 403


def test_the_head_of_pkl_sees_every_agent_score_before_approving(client, make_ctx) -> None:
    cid, _ = scoring(make_ctx)
    score_everyone(make_ctx, cid)
    task_id = next(t.id for t in tasks.ready_tasks(make_ctx(), "kasipkl") if t.bpmn_id == "setujui_penilaian")
    text = text_of(page_tree(login_as(client, "kasipkl").get(f"/tugas/{task_id}")).body)
    assert "agen1" in text and "agen2" in text and "menunggu persetujuan" in text


def test_the_documentation_lists_both_processes(client, make_ctx) -> None:
    scoring(make_ctx)  # both models deployed
    tree = page_tree(login_as(client, "kasi").get("/dokumentasi"))
    links = {text_of(a): a.get("href") for a in tree.xpath("//nav[contains(@class, 'process-switch')]//a")}
    assert any("Penilaian Kualitas Agen" in name for name in links), links
    qa = page_tree(client.get("/dokumentasi/proses/penilaian_kualitas_agen"))
    assert "Kepala Seksi Penjaminan Kualitas Layanan" in text_of(qa.body)
    assert qa.xpath("//svg") or qa.xpath("//img[contains(@src, 'svg')]") or qa.xpath("//*[local-name()='svg']")
    assert client.get("/dokumentasi/proses/tidak_ada").status_code == 404
