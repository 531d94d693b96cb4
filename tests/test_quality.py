"""The agents' quality assessment: a second BPMN process that step 9's message starts, one per campaign.

PKL samples each agent's connected calls (recorded first), scores each sampled call on the sheet the form defines
(a fatal error zeroes it), the Kepala Seksi PKL approves or returns, and each agent then reads its own result.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import campaign as campaigns
from engine import pages, tasks
from engine.errors import InvalidInput, NotAllowed
from engine.models import Campaign, Instance, Notification, Outbox, ProcessVersion, QaResult, QaSample, TaskIndex, User
from engine.process import deploy_models

from sop_helpers import do, new_campaign, ready, send_report, setup_sop, to_distribution, to_sending

QA_PROCESS = "penilaian_kualitas_agen"


def recorded_campaign(make_ctx, calls_per_agent: dict[str, list[tuple[str, str]]]) -> int:
    """A campaign whose agents made the given calls (outcome, recording reference), then at step 9."""
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 12)
    to_distribution(make_ctx, cid)
    agents = sorted(calls_per_agent)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": agents})
    for agent, calls in calls_per_agent.items():
        contacts = campaigns.list_contacts(make_ctx(), agent, cid)
        for contact, (outcome, recording) in zip(contacts, calls, strict=False):
            campaigns.record_call(make_ctx(), agent, contact.id, outcome, notes=f"catatan {agent}",
                                  recording_ref=recording)
        do(make_ctx, agent, "hubungi_wajib_pajak", cid, {"ringkasan": "selesai"})
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    return cid


def qa_instances(make_ctx, cid: int) -> list[Instance]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(Instance).join(ProcessVersion).where(
            Instance.campaign_id == cid, ProcessVersion.process_id == QA_PROCESS)))


def score_tasks(make_ctx, cid: int) -> dict[str, str]:
    """Agent → the id of its READY score sheet."""
    page = pages.inbox(make_ctx(), "pkl", pages.TaskFilters(campaign=cid, per_page=100))
    found = {}
    for task in page.tasks:
        if task.bpmn_id == "nilai_agen":
            detail = tasks.get_task(make_ctx(), "pkl", task.id)
            found[str(detail.subject)] = task.id
    return found


def full_marks(sample_ids: list[int], overrides: dict[int, dict] | None = None) -> list[dict]:
    overrides = overrides or {}
    sheet = {"pembukaan": 10, "verifikasi": 10, "ketepatan_informasi": 25, "kesantunan": 15, "keberatan": 15,
             "penutupan": 10, "pencatatan": 15}
    return [{"sampel": i, **sheet, **overrides.get(i, {})} for i in sample_ids]


def samples_of(make_ctx, task_id: str) -> list[pages.SampleView]:
    page = pages.task_page(make_ctx(), "pkl", task_id)
    assert page.quality is not None
    return list(page.quality.samples)


TWO_AGENTS = {"agen1": [("tersampaikan", ""), ("menolak", "REC-1"), ("tidak_diangkat", ""),
                        ("tersampaikan", "REC-2"), ("curiga_penipuan", "")],
              "agen2": [("sudah_melaksanakan", "REC-9"), ("sibuk", "")]}


def test_step_9_starts_one_assessment_per_campaign_and_leaves_the_campaign_status_alone(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    assert qa_instances(make_ctx, cid) == []
    send_report(make_ctx, cid)
    (qa,) = qa_instances(make_ctx, cid)
    assert ready(make_ctx, "pkl", cid) == ["ambil_sampel"]
    with make_ctx().transaction() as session:
        assert session.get(Campaign, cid).status == "selesai"  # the SOP's process ended; the assessment runs on
        sent = session.scalars(select(Outbox.message_name).where(Outbox.instance_id != qa.id)).all()
        assert "laporan_pelaksanaan" in sent
    # Deploying again (no change) and the message thrown again would not start a second one.
    deploy_models(make_ctx(), "system", system=True)
    assert len(qa_instances(make_ctx, cid)) == 1


def test_the_sample_takes_connected_calls_recorded_first_up_to_the_number_asked(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    page = pages.task_page(make_ctx(), "pkl", next(t.id for t in tasks.ready_tasks(make_ctx(), "pkl")
                                                     if t.bpmn_id == "ambil_sampel"))
    assert page.quality is not None
    candidates = {c.agent: (c.conversations, c.recorded) for c in page.quality.candidates}
    assert candidates == {"agen1": (4, 2), "agen2": (1, 1)}  # unanswered and busy calls cannot be assessed
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 2})
    sheets = score_tasks(make_ctx, cid)
    assert sorted(sheets) == ["agen1", "agen2"]
    agen1 = samples_of(make_ctx, sheets["agen1"])
    assert sorted(s.recording_ref for s in agen1) == ["REC-1", "REC-2"]  # both recorded calls before the others
    assert all(s.agent == "agen1" and s.notes == "catatan agen1" and "•" in s.npwp for s in agen1)
    assert [s.recording_ref for s in samples_of(make_ctx, sheets["agen2"])] == ["REC-9"]
    names = {t.name for t in tasks.ready_tasks(make_ctx(), "pkl")}
    assert names == {"Menilai kualitas agen: agen1", "Menilai kualitas agen: agen2"}  # told apart in the inbox


def test_a_score_sheet_scores_each_call_a_fatal_error_zeroes_it_and_the_agent_gets_the_mean(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 3})
    sheets = score_tasks(make_ctx, cid)
    ids = [s.id for s in samples_of(make_ctx, sheets["agen1"])]
    assert len(ids) == 3
    entries = full_marks(ids, {ids[0]: {"kesantunan": 5, "catatan": "nada tinggi"},  # 90
                               ids[1]: {"kesalahan_fatal": True}})  # 0, whatever the sections say
    tasks.complete_task(make_ctx(), "pkl", sheets["agen1"], {"penilaian": entries, "umpan_balik": "Jaga nada."})
    with make_ctx().transaction() as session:
        scores = dict(session.execute(select(QaSample.call_attempt_id, QaSample.score)
                                      .where(QaSample.agent == "agen1")).all())
        result = session.scalars(select(QaResult).where(QaResult.agent == "agen1")).one()
        assert sorted(scores.values()) == [0.0, 90.0, 100.0]
        assert (result.score, result.calls, result.feedback, result.approved_at) == (63.3, 3, "Jaga nada.", None)


def test_an_incomplete_or_foreign_sheet_names_each_wrong_entry_and_stores_nothing(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 3})
    sheets = score_tasks(make_ctx, cid)
    mine = [s.id for s in samples_of(make_ctx, sheets["agen1"])]
    other = samples_of(make_ctx, sheets["agen2"])[0].id
    entries = full_marks([mine[0], other, mine[0]], {mine[0]: {"pembukaan": 11}})
    with pytest.raises(InvalidInput) as schema_error:
        tasks.complete_task(make_ctx(), "pkl", sheets["agen1"], {"penilaian": entries, "umpan_balik": "x"})
    assert schema_error.value.fields == {"penilaian/0/pembukaan": "paling besar/panjang 10",
                                         "penilaian/2/pembukaan": "paling besar/panjang 10"}
    with pytest.raises(InvalidInput) as sheet_error:
        tasks.complete_task(make_ctx(), "pkl", sheets["agen1"],
                            {"penilaian": full_marks([mine[0], other, mine[0]]), "umpan_balik": "x"})
    assert {k: str(v) for k, v in sheet_error.value.fields.items()} == {
        "penilaian/1/sampel": f"panggilan {other} bukan sampel agen ini",
        "penilaian/2/sampel": f"panggilan {mine[0]} dinilai lebih dari sekali",
        "penilaian": f"panggilan sampel belum dinilai: {mine[1]}, {mine[2]}"}
    with make_ctx().transaction() as session:
        assert session.scalar(select(func.count(QaResult.id))) == 0
        assert session.scalar(select(func.count(QaSample.id)).where(QaSample.score.is_not(None))) == 0


def score_everyone(make_ctx, cid: int, feedback: str = "Baik.") -> None:
    for task_id in score_tasks(make_ctx, cid).values():
        ids = [s.id for s in samples_of(make_ctx, task_id)]
        tasks.complete_task(make_ctx(), "pkl", task_id, {"penilaian": full_marks(ids), "umpan_balik": f"{feedback}"})


def test_the_head_of_pkl_returns_then_approves_and_only_then_each_agent_reads_its_own_result(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 2})
    score_everyone(make_ctx, cid, "Pertama.")
    assert ready(make_ctx, "kasipkl", cid) == ["setujui_penilaian"]
    assert pages.quality_results(make_ctx(), "agen1").results == ()  # not approved yet
    review = pages.task_page(make_ctx(), "kasipkl", tasks.ready_tasks(make_ctx(), "kasipkl")[0].id).quality
    assert review is not None and {r.agent: r.score for r in review.results} == {"agen1": 100.0, "agen2": 100.0}
    do(make_ctx, "kasipkl", "setujui_penilaian", cid, {"keputusan": "kembalikan", "catatan": "Dengar ulang."})
    sheets = score_tasks(make_ctx, cid)
    assert sorted(sheets) == ["agen1", "agen2"]
    assert tasks.get_task(make_ctx(), "pkl", sheets["agen1"]).returns[0].notes == "Dengar ulang."
    score_everyone(make_ctx, cid, "Kedua.")
    do(make_ctx, "kasipkl", "setujui_penilaian", cid, {"keputusan": "setujui"})
    (qa,) = qa_instances(make_ctx, cid)
    assert qa.status == "completed"
    own = pages.quality_results(make_ctx(), "agen1")
    assert own.own_only and [(r.agent, r.score, r.feedback, r.approved_by) for r in own.results] == [
        ("agen1", 100.0, "Kedua.", "kasipkl")]
    assert {s.agent for s in own.results[0].samples} == {"agen1"}
    assert {r.agent for r in pages.quality_results(make_ctx(), "pkl").results} == {"agen1", "agen2"}
    with make_ctx().transaction() as session:
        told = session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                               .where(Notification.kind == "qa_published")).all()
    assert sorted(told) == ["agen1", "agen2"]


def test_who_may_read_quality_results(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 2})
    score_everyone(make_ctx, cid)
    do(make_ctx, "kasipkl", "setujui_penilaian", cid, {"keputusan": "setujui"})
    assert [r.agent for r in pages.quality_results(make_ctx(), "agen2").results] == ["agen2"]
    assert pages.quality_results(make_ctx(), "agen3").results == ()  # not assessed: nothing of the others
    for who in ("kasi", "kepala", "kasipkl", "admin"):
        assert len(pages.quality_results(make_ctx(), who, campaign=cid).results) == 2
    for who in ("unit", "pelaksana"):
        with pytest.raises(NotAllowed):
            pages.quality_results(make_ctx(), who)
    (qa,) = qa_instances(make_ctx, cid)
    from engine import instances
    with pytest.raises(NotAllowed):
        instances.get_instance(make_ctx(), "unit", qa.id)  # the requesting unit sees its own process only
    assert instances.get_instance(make_ctx(), "kasipkl", qa.id).id == qa.id


def test_a_campaign_without_a_connected_call_ends_the_assessment_at_once(make_ctx) -> None:
    cid = recorded_campaign(make_ctx, {"agen1": [("tidak_diangkat", "")]})
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 5})
    (qa,) = qa_instances(make_ctx, cid)
    assert qa.status == "completed" and ready(make_ctx, "pkl", cid) == []
    with make_ctx().transaction() as session:
        assert session.scalar(select(func.count(TaskIndex.task_id))) == 0


def test_a_report_sent_without_the_assessment_deployed_only_records_the_message(make_ctx) -> None:
    from engine.process import deploy
    from engine.settings import DEFAULT_BPMN
    deploy(make_ctx(), "system", DEFAULT_BPMN, system=True)
    setup_sop_users_only(make_ctx)
    cid = new_campaign(make_ctx, 3)
    to_sending(make_ctx, cid, ("agen1",))
    send_report(make_ctx, cid)
    assert qa_instances(make_ctx, cid) == []


def setup_sop_users_only(make_ctx) -> None:
    from engine.demo import DEMO_UNIT_OF, DEMO_USERS, seed_units
    from engine.users import Profile, create_user
    seed_units(make_ctx())
    for username, full_name, roles in DEMO_USERS:
        create_user(make_ctx(), username, roles, profile=Profile(full_name, unit=DEMO_UNIT_OF.get(username)))
