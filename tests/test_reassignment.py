"""Reassigning work when its holder is absent: a task to a colleague of its lane, an agent's open contacts to another
agent — by the Kasi only, with a reason, audited, the new holder told; written into the workflow's data, so it
survives every later save of the instance."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import campaign as campaigns
from engine import tasks
from engine.errors import InvalidInput, NotAllowed, TaskNotReady
from engine.models import AuditEvent, CampaignMember, Contact, Instance, Notification, User
from engine.reassignment import Outcome, reassign_contacts, reassign_task
from engine.users import create_user
from engine.walkthrough import task_for, work_plan

from sop_helpers import do, new_campaign, ready, setup_sop, to_distribution


def snapshot(make_ctx, cid: int) -> tuple[str, int, int]:
    with make_ctx().transaction() as session:
        row = session.scalars(select(Instance).where(Instance.campaign_id == cid)).one()
        return row.state_json, row.lock_version, session.scalar(select(func.count(AuditEvent.id)))


def notices(make_ctx, username: str) -> list[tuple[str, str]]:
    with make_ctx().transaction() as session:
        uid = session.scalars(select(User.id).where(User.username == username)).one()
        return [(n.kind, n.message) for n in session.scalars(select(Notification).where(Notification.user_id == uid))]


def trail(make_ctx, action: str) -> list[AuditEvent]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def member(make_ctx, cid: int, username: str) -> bool:
    with make_ctx().transaction() as session:
        return session.get(CampaignMember, (cid, username)) is not None


def agents_of(make_ctx, cid: int) -> dict[int, tuple[str | None, str | None]]:
    with make_ctx().transaction() as session:
        return {c.id: (c.agent, c.final_outcome) for c in session.scalars(select(Contact).where(
            Contact.campaign_id == cid))}


def test_the_kasi_moves_the_work_plan_to_another_pelaksana_for_good(make_ctx, drafting) -> None:
    cid = drafting
    task = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", cid)
    done = reassign_task(make_ctx(), "kasi", task.id, "agen1", "Cuti sakit sampai Jumat")
    assert (done.from_user, done.to_user, done.outcome, done.contacts) == ("pelaksana", "agen1", Outcome.ASSIGNED, 0)
    assert ready(make_ctx, "pelaksana", cid) == [] and ready(make_ctx, "agen1", cid) == ["susun_rencana_kerja"]
    assert member(make_ctx, cid, "agen1")  # need-to-know: the new holder now sees the campaign
    [event] = trail(make_ctx, "task_reassigned")
    assert event.username == "kasi" and event.task_id == task.id and event.campaign_id == cid
    assert event.data == {"from": "pelaksana", "to": "agen1", "reason": "Cuti sakit sampai Jumat", "contacts": 0,
                          "outcome": "assigned"}
    assert ("task_reassigned", "kasi mengalihkan tugas kepada Anda: Menyusun konsep rencana kerja — Kampanye uji. "
            "Alasan: Cuti sakit sampai Jumat") in notices(make_ctx, "agen1")
    assert [k for k, _ in notices(make_ctx, "pelaksana")].count("task_taken_over") == 1
    # The workflow's data holds the new holder: the draft, a return and the redraft all stay agen1's.
    do(make_ctx, "agen1", "susun_rencana_kerja", cid, work_plan(make_ctx()))
    do(make_ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "kembalikan", "catatan": "Lengkapi naskah."})
    assert ready(make_ctx, "agen1", cid) == ["susun_rencana_kerja"] and ready(make_ctx, "pelaksana", cid) == []


def test_only_the_kasi_moves_tasks_and_bad_requests_change_nothing(make_ctx, drafting) -> None:
    cid = drafting
    task_id = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", cid).id
    before = snapshot(make_ctx, cid)
    for who in ("pelaksana", "admin", "kepala", "agen1"):
        with pytest.raises(NotAllowed):
            reassign_task(make_ctx(), who, task_id, "agen1", "Cuti")
    with pytest.raises(InvalidInput) as caught:
        reassign_task(make_ctx(), "kasi", task_id, "kepala", "")
    assert set(caught.value.fields) == {"to", "reason"}
    assert "tidak memiliki peran Pelaksana Seksi Operasional" in caught.value.fields["to"]
    for to, problem in (("pelaksana", "sudah memegang"), ("tidakada", "bukan pengguna aktif"), ("", "Pilih")):
        with pytest.raises(InvalidInput) as caught:
            reassign_task(make_ctx(), "kasi", task_id, to, "Cuti")
        assert problem in caught.value.fields["to"]
    with pytest.raises(InvalidInput) as caught:
        reassign_task(make_ctx(), "kasi", task_id, "agen1", "x" * 1001)
    assert set(caught.value.fields) == {"reason"}
    assert snapshot(make_ctx, cid) == before
    assert ready(make_ctx, "pelaksana", cid) == ["susun_rencana_kerja"]


def test_tasks_outside_the_operations_section_and_finished_ones_are_not_moved(make_ctx, drafting) -> None:
    cid = drafting
    task_id = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", cid).id
    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, work_plan(make_ctx()))
    with pytest.raises(TaskNotReady):
        reassign_task(make_ctx(), "kasi", task_id, "agen1", "Cuti")
    create_user(make_ctx(), "plh", ["kepala_kantor"], full_name="Plh Kepala Kantor")
    do(make_ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    for contact in campaigns.list_contacts(make_ctx(), "agen1", cid):
        campaigns.record_call(make_ctx(), "agen1", contact.id, "tersampaikan")
    do(make_ctx, "agen1", "hubungi_wajib_pajak", cid, {})
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    signing = task_for(make_ctx(), "kepala", "tandatangani_laporan", cid).id
    with pytest.raises(NotAllowed) as refused:
        reassign_task(make_ctx(), "kasi", signing, "plh", "Dinas luar")
    assert "Kepala Kantor" in refused.value.message


def test_a_lane_task_is_claimed_for_a_colleague(make_ctx) -> None:
    setup_sop(make_ctx)
    create_user(make_ctx(), "kasi2", ["kasi"], full_name="Plh Kasi")
    cid = new_campaign(make_ctx)
    task_id = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", cid).id
    tasks.claim_task(make_ctx(), "kasi", task_id)
    done = reassign_task(make_ctx(), "kasi", task_id, "kasi2", "Kasi cuti; Plh melanjutkan")
    assert (done.from_user, done.outcome) == ("kasi", Outcome.CLAIMED)
    [view] = [t for t in tasks.ready_tasks(make_ctx(), "kasi2") if t.id == task_id]
    assert view.claimed_by == "kasi2"
    do(make_ctx, "kasi2", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})  # a save keeps nothing stale
    assert ready(make_ctx, "pelaksana", cid) == ["susun_rencana_kerja"]


@pytest.fixture
def calling(make_ctx) -> int:
    """Step 5 with agen1 and agen2, three contacts each; agen1 closed one contact and tried another once."""
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2"]})
    first, second, _ = campaigns.list_contacts(make_ctx(), "agen1", cid)
    campaigns.record_call(make_ctx(), "agen1", first.id, "tersampaikan")
    campaigns.record_call(make_ctx(), "agen1", second.id, "sibuk")
    return cid


def test_an_absent_agents_assignment_goes_to_an_agent_not_yet_on_the_campaign(make_ctx, calling) -> None:
    cid = calling
    closed = next(i for i, (agent, final) in agents_of(make_ctx, cid).items() if final)
    task_id = task_for(make_ctx(), "agen1", "hubungi_wajib_pajak", cid).id
    assert not member(make_ctx, cid, "agen3")
    done = reassign_task(make_ctx(), "kasi", task_id, "agen3", "Agen 1 sakit")
    assert (done.outcome, done.contacts, done.from_user) == (Outcome.ASSIGNED, 2, "agen1")
    contacts = agents_of(make_ctx, cid)
    assert contacts[closed] == ("agen1", "tersampaikan")  # what agen1 closed stays agen1's
    assert sorted(agent for agent, final in contacts.values() if final is None) == ["agen2"] * 3 + ["agen3"] * 2
    assert member(make_ctx, cid, "agen3") and ready(make_ctx, "agen3", cid) == ["hubungi_wajib_pajak"]
    assert ready(make_ctx, "agen1", cid) == []
    moved = campaigns.list_contacts(make_ctx(), "agen3", cid)
    assert len(moved) == 2
    with pytest.raises(NotAllowed):  # agen1 can no longer call a contact that moved
        campaigns.record_call(make_ctx(), "agen1", moved[0].id, "tersampaikan")
    for contact in moved:
        campaigns.record_call(make_ctx(), "agen3", contact.id, "tersampaikan")
    do(make_ctx, "agen3", "hubungi_wajib_pajak", cid, {"ringkasan": "Dilanjutkan agen3."})
    for contact in campaigns.list_contacts(make_ctx(), "agen2", cid):
        campaigns.record_call(make_ctx(), "agen2", contact.id, "tersampaikan")
    do(make_ctx, "agen2", "hubungi_wajib_pajak", cid, {})
    assert ready(make_ctx, "pelaksana", cid) == ["susun_laporan"]  # step 5 is over
    [event] = trail(make_ctx, "task_reassigned")
    assert event.data["contacts"] == 2 and event.data["outcome"] == "assigned"


def test_open_contacts_join_an_agent_already_calling_and_the_absent_agents_task_closes(make_ctx, calling) -> None:
    cid = calling
    task_id = task_for(make_ctx(), "agen1", "hubungi_wajib_pajak", cid).id
    done = reassign_task(make_ctx(), "kasi", task_id, "agen2", "Agen 1 cuti melahirkan")
    assert (done.outcome, done.contacts) == (Outcome.CLOSED, 2)
    assert ready(make_ctx, "agen1", cid) == [] and ready(make_ctx, "agen2", cid) == ["hubungi_wajib_pajak"]
    assert len(campaigns.list_contacts(make_ctx(), "agen2", cid)) == 5
    assert [k for k, _ in notices(make_ctx, "agen2")].count("contacts_reassigned") == 1
    assert [k for k, _ in notices(make_ctx, "agen1")].count("contacts_taken_over") == 1
    for contact in campaigns.list_contacts(make_ctx(), "agen2", cid):
        if contact.final_outcome is None:
            campaigns.record_call(make_ctx(), "agen2", contact.id, "tersampaikan")
    do(make_ctx, "agen2", "hubungi_wajib_pajak", cid, {})
    assert ready(make_ctx, "pelaksana", cid) == ["susun_laporan"]  # nobody waits for the absent agent
    figures = campaigns.get_report(make_ctx(), "kasi", cid)["figures"]
    by_agent = {row["agent"]: row for row in figures["by_agent"]}
    assert by_agent["agen1"]["contacts"] == 1 and by_agent["agen2"]["contacts"] == 5


def test_contacts_left_open_after_finishing_go_only_to_a_running_assignment(make_ctx, calling) -> None:
    cid = calling
    do(make_ctx, "agen1", "hubungi_wajib_pajak", cid, {"ringkasan": "Dua kontak belum selesai."})
    with pytest.raises(InvalidInput) as caught:
        reassign_contacts(make_ctx(), "kasi", cid, "agen1", "agen3", "Sisa kontak")
    assert "tidak sedang menjalankan penugasan" in caught.value.fields["to"]
    with pytest.raises(NotAllowed):
        reassign_contacts(make_ctx(), "pelaksana", cid, "agen1", "agen2", "Sisa kontak")
    done = reassign_contacts(make_ctx(), "kasi", cid, "agen1", "agen2", "Sisa kontak agen1")
    assert (done.outcome, done.contacts, done.task_id) == (Outcome.CONTACTS, 2, None)
    assert len(campaigns.list_contacts(make_ctx(), "agen2", cid)) == 5
    with pytest.raises(InvalidInput) as caught:
        reassign_contacts(make_ctx(), "kasi", cid, "agen1", "agen2", "Lagi")
    assert set(caught.value.fields) == {"from"}
    [event] = trail(make_ctx, "contacts_reassigned")
    assert event.instance_id is not None and event.data["from"] == "agen1" and event.data["to"] == "agen2"


def test_the_campaign_route_moves_a_running_assignment_too(make_ctx, calling) -> None:
    done = reassign_contacts(make_ctx(), "kasi", calling, "agen1", "agen3", "Agen 1 sakit")
    assert (done.outcome, done.contacts) == (Outcome.ASSIGNED, 2)
    assert ready(make_ctx, "agen3", calling) == ["hubungi_wajib_pajak"]
