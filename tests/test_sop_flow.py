"""The whole SOP through the service API, with a new Context (engine + sessions) for every step."""
from __future__ import annotations

from itertools import permutations

import pytest
from sqlalchemy import select

from engine import campaign as campaigns
from engine import tasks
from engine.errors import NotAllowed
from engine.models import AuditEvent, Instance, Outbox, Report
from engine.walkthrough import WORK_PLAN, task_for

from sop_helpers import do, finish_calls, new_campaign, ready, setup_sop, to_distribution, to_reporting


@pytest.fixture
def sop(make_ctx):
    setup_sop(make_ctx)
    return make_ctx


def instance_of(make_ctx, campaign_id: int) -> Instance:
    """The campaign's own instance (its first: step 9 starts the agents' quality assessment beside it)."""
    with make_ctx().transaction() as session:
        return session.scalars(select(Instance).where(Instance.campaign_id == campaign_id)
                               .order_by(Instance.id).limit(1)).one()


def status(sop, cid: int) -> str:
    return campaigns.get_campaign(sop(), "kasi", cid).status


def test_happy_path_runs_every_step_and_signs_the_report(sop) -> None:
    cid = new_campaign(sop)
    assert status(sop, cid) == "perencanaan"
    assert ready(sop, "kasi", cid) == ["tugaskan_pelaksana"]
    assert ready(sop, "pelaksana", cid) == []
    do(sop, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    assert ready(sop, "pelaksana", cid) == ["susun_rencana_kerja"]
    assert ready(sop, "agen1", cid) == []  # agen1 also holds role pelaksana, but is not the assignee
    to_reporting_from_plan(sop, cid)
    assert ready(sop, "pelaksana", cid) == ["susun_laporan"] and status(sop, cid) == "pelaporan"
    do(sop, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(sop, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(sop, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    assert ready(sop, "pkl", cid) == ["sampaikan_laporan"] and status(sop, cid) == "pengiriman"
    do(sop, "pkl", "sampaikan_laporan", cid,
       {"nomor_surat": "ND-1/KLIP/2026", "tanggal_kirim": "2026-03-20", "diteruskan_ke_pkl": True})
    assert status(sop, cid) == "selesai"
    row = instance_of(sop, cid)
    assert row.status == "completed"
    report = campaigns.get_report(sop(), "kasi", cid)
    assert report["signed_by"] == "kepala" and len(report["sha256"]) == 64
    assert report["figures"]["contacts"] == 9 and report["figures"]["reached"] == 9
    with sop().transaction() as session:
        messages = [(m.message_name, m.payload) for m in session.scalars(select(Outbox))]
    assert messages == [("laporan_pelaksanaan", {"campaign_id": cid, "nomor_surat": "ND-1/KLIP/2026"})]


def to_reporting_from_plan(sop, cid: int) -> None:
    do(sop, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    do(sop, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    do(sop, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2", "agen3"]})
    assert sorted(ready(sop, a, cid) for a in ("agen1", "agen2", "agen3")) == [["hubungi_wajib_pajak"]] * 3
    assert status(sop, cid) == "penyampaian"
    for agent in ("agen1", "agen2", "agen3"):
        finish_calls(sop, cid, agent)


def test_return_at_step_3_shows_the_notes_to_the_pelaksana(sop) -> None:
    cid = new_campaign(sop)
    do(sop, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    do(sop, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    do(sop, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "kembalikan", "catatan": "Naskah kurang lengkap."})
    assert ready(sop, "pelaksana", cid) == ["susun_rencana_kerja"]
    ctx = sop()
    detail = tasks.get_task(ctx, "pelaksana", task_for(ctx, "pelaksana", "susun_rencana_kerja", cid).id)
    assert [r.notes for r in detail.returns] == ["Naskah kurang lengkap."]
    assert detail.returns[0].username == "kasi"
    assert "menyusun konsep rencana kerja" in detail.documentation


def test_returns_at_step_7_and_8_loop_back_to_the_right_people(sop) -> None:
    cid = new_campaign(sop)
    to_reporting(sop, cid)
    do(sop, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Versi 1"})
    do(sop, "kasi", "teliti_laporan", cid, {"keputusan": "kembalikan", "catatan": "Tambahkan kendala."})
    assert ready(sop, "pelaksana", cid) == ["susun_laporan"]
    do(sop, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Versi 2", "kendala": "Banyak nomor salah."})
    do(sop, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(sop, "kepala", "tandatangani_laporan", cid,
       {"keputusan": "kembalikan", "kembalikan_ke": "kasi", "catatan": "Periksa angka."})
    assert ready(sop, "kasi", cid) == ["teliti_laporan"]
    do(sop, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(sop, "kepala", "tandatangani_laporan", cid,
       {"keputusan": "kembalikan", "kembalikan_ke": "pelaksana", "catatan": "Tambahkan rekomendasi."})
    assert ready(sop, "pelaksana", cid) == ["susun_laporan"]
    do(sop, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Versi 3", "rekomendasi": "Ulangi Mei."})
    do(sop, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(sop, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    with sop().transaction() as session:
        report = session.get(Report, cid)
        assert report.narrative["ringkasan_pelaksanaan"] == "Versi 3" and report.signed_by == "kepala"
        notes = [e.data.get("catatan") for e in session.scalars(
            select(AuditEvent).where(AuditEvent.campaign_id == cid, AuditEvent.action == "task_completed"))
            if e.data.get("keputusan") == "kembalikan"]
    assert notes == ["Tambahkan kendala.", "Periksa angka.", "Tambahkan rekomendasi."]


@pytest.mark.parametrize("order", list(permutations(("agen1", "agen2", "agen3")))[::2])
def test_three_agents_finishing_in_any_order(sop, order) -> None:
    cid = new_campaign(sop)
    to_distribution(sop, cid)
    do(sop, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2", "agen3"]})
    for i, agent in enumerate(order):
        assert ready(sop, "pelaksana", cid) == []
        finish_calls(sop, cid, agent)
        assert ready(sop, agent, cid) == []
        for other in order[i + 1:]:
            assert ready(sop, other, cid) == ["hubungi_wajib_pajak"]
    assert ready(sop, "pelaksana", cid) == ["susun_laporan"]
    with sop().transaction() as session:
        finished = [e.username for e in session.scalars(select(AuditEvent).where(
            AuditEvent.campaign_id == cid, AuditEvent.task_bpmn_id == "hubungi_wajib_pajak"))]
    assert finished == list(order)


def test_wrong_role_and_wrong_agent_are_refused(sop) -> None:
    cid = new_campaign(sop)
    ctx = sop()
    step1 = task_for(ctx, "kasi", "tugaskan_pelaksana", cid)
    with pytest.raises(NotAllowed, match="peran Kepala Seksi Operasional"):  # the role's label, not its code
        tasks.complete_task(sop(), "pelaksana", step1.id, {"pelaksana": "pelaksana"})
    to_distribution(sop, cid)
    do(sop, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2"]})
    agen1_task = task_for(sop(), "agen1", "hubungi_wajib_pajak", cid)
    with pytest.raises(NotAllowed, match="agen1"):
        tasks.complete_task(sop(), "agen2", agen1_task.id, {})
    with pytest.raises(NotAllowed):
        tasks.complete_task(sop(), "agen3", agen1_task.id, {})  # holds role agen but was not chosen
    agen1_contact = campaigns.list_contacts(sop(), "agen1", cid)[0]
    with pytest.raises(NotAllowed):
        campaigns.record_call(sop(), "agen2", agen1_contact.id, "tersampaikan")
    with pytest.raises(NotAllowed):
        campaigns.list_contacts(sop(), "agen3", cid, assigned_to_me=False)


def test_return_notes_reach_only_the_task_sent_back(sop) -> None:
    cid = new_campaign(sop)
    do(sop, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    do(sop, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    do(sop, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "kembalikan", "catatan": "Lengkapi jadwal."})
    do(sop, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    review = task_for(sop(), "kasi", "teliti_rencana_kerja", cid)
    assert [r.notes for r in tasks.get_task(sop(), "kasi", review.id).returns] == []
    do(sop, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    step4 = task_for(sop(), "kasi", "distribusi_pekerjaan", cid)
    assert tasks.get_task(sop(), "kasi", step4.id).returns == ()


def test_task_scopes(sop) -> None:
    cid = new_campaign(sop)
    do(sop, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    assert [t.bpmn_id for t in tasks.ready_tasks(sop(), "pelaksana", "mine")] == ["susun_rencana_kerja"]
    assert tasks.ready_tasks(sop(), "pelaksana", "lane") == []  # assigned to one person, not the lane
    cid2 = new_campaign(sop)
    assert [t.campaign_id for t in tasks.ready_tasks(sop(), "kasi", "lane")] == [cid2]
    assert tasks.ready_tasks(sop(), "kasi", "mine") == []
    tasks.claim_task(sop(), "kasi", tasks.ready_tasks(sop(), "kasi", "lane")[0].id)
    assert [t.campaign_id for t in tasks.ready_tasks(sop(), "kasi", "mine")] == [cid2]


def test_the_requesting_unit_sees_progress_but_not_internal_notes_or_drafts(sop) -> None:
    from engine.errors import NotAllowed as Refused
    from engine.instances import add_comment, get_instance

    cid = new_campaign(sop)
    do(sop, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana", "catatan": "Catatan internal."})
    plan = task_for(sop(), "pelaksana", "susun_rencana_kerja", cid)
    add_comment(sop(), "pelaksana", plan.id, "Komentar internal.")
    iid = instance_of(sop, cid).id
    staff, unit = get_instance(sop(), "kasi", iid), get_instance(sop(), "unit", iid)
    assert any(h.data.get("catatan") == "Catatan internal." for h in staff.history) and staff.comments
    assert [h.action for h in unit.history] == [h.action for h in staff.history]
    assert all(h.data == {} for h in unit.history) and unit.comments == ()
    with pytest.raises(Refused, match="setelah ditandatangani"):
        campaigns.get_report(sop(), "unit", cid)
