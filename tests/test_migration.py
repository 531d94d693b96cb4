"""Moving running campaigns to a new version of the SOP's model: a campaign started on v1 finishes on v1 after v2 is
deployed; an eligible one moves to v2 and finishes there; one whose changed step has already run is refused with the
reason. v2 is a real edit of a copy of bpmn/lip20-0008.bpmn: a step added after the report is sent, step 8's SOP
sentence reworded, and the Kepala Kantor given 2 working days instead of 1 to follow up a late report."""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import campaign as campaigns
from engine import tasks
from engine.context import Context
from engine.errors import NotAllowed, NotFound
from engine.i18n import localize
from engine.instances import get_instance
from engine.models import AuditEvent, Campaign, Instance, ProcessVersion, TaskIndex
from engine.process import (
    deploy,
    list_versions,
    migrate,
    migrate_all_eligible,
    plan_all,
    plan_migration,
    tick,
)
from engine.reassignment import reassign_task
from engine.settings import DEFAULT_BPMN
from engine.users import create_user
from engine.workdays import deadline_at, load_calendar

from sop_helpers import do, finish_calls, instance_of, new_campaign, send_report, setup_sop, to_distribution, to_sending
from web_helpers import login_as, page_tree

CtxFactory = Callable[[], Context]
ARCHIVE = "Mengarsipkan laporan pelaksanaan"
SIGN = "Meneliti dan menandatangani laporan pelaksanaan"
FOLLOW_UP = "Menindaklanjuti keterlambatan laporan"
SEND = "Menyampaikan laporan untuk penilaian kualitas agen dan kepada Pengguna Layanan"
V2_SENTENCE = "Kepala Kantor Layanan Informasi dan Pengaduan meneliti, memaraf setiap halaman, dan menandatangani"


def _swap(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def second_version(directory: Path) -> Path:
    """A copy of the real model, forms and sidecar, edited as an analyst would: after the report is sent
    (``kirim_laporan``) PKL archives it (a new user task with its own form, drawn in PKL's lane); step 8's SOP sentence
    reworded; the follow-up of a late report (the escalation) due in 2 working days instead of 1."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEFAULT_BPMN.parent / "forms", directory / "forms")
    shutil.copy(DEFAULT_BPMN.with_suffix(".sop.json"), directory / DEFAULT_BPMN.with_suffix(".sop.json").name)
    (directory / "forms" / "arsip-laporan.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Arsip laporan", "type": "object",
        "additionalProperties": False, "required": ["lokasi_arsip"],
        "properties": {"lokasi_arsip": {"type": "string", "title": "Lokasi arsip", "minLength": 1}}}), encoding="utf-8")
    text = DEFAULT_BPMN.read_text(encoding="utf-8")
    text = _swap(text, "<bpmn:flowNodeRef>end_selesai</bpmn:flowNodeRef>",
                 "<bpmn:flowNodeRef>arsipkan_laporan</bpmn:flowNodeRef><bpmn:flowNodeRef>end_selesai</bpmn:flowNodeRef>")
    text = _swap(text, '<bpmn:sequenceFlow id="flow_kirim_selesai" sourceRef="kirim_laporan" '
                       'targetRef="end_selesai" />',
                 '<bpmn:sequenceFlow id="flow_kirim_arsip" sourceRef="kirim_laporan" targetRef="arsipkan_laporan" />'
                 '<bpmn:sequenceFlow id="flow_arsip_selesai" sourceRef="arsipkan_laporan" targetRef="end_selesai" />')
    text = _swap(text, "<bpmn:outgoing>flow_kirim_selesai</bpmn:outgoing>",
                 "<bpmn:outgoing>flow_kirim_arsip</bpmn:outgoing>")
    text = _swap(text, "<bpmn:incoming>flow_kirim_selesai</bpmn:incoming>",
                 "<bpmn:incoming>flow_arsip_selesai</bpmn:incoming>")
    text = _swap(text, '<bpmn:endEvent id="end_selesai"', (
        f'<bpmn:userTask id="arsipkan_laporan" name="{ARCHIVE}">'
        "<bpmn:documentation>Pelaksana Seksi Penjaminan Kualitas Layanan mengarsipkan laporan pelaksanaan."
        "</bpmn:documentation><bpmn:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="formJsonSchemaFilename" value="arsip-laporan.json" />'
        '<spiffworkflow:property name="sopStep" value="-" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>flow_kirim_arsip</bpmn:incoming><bpmn:outgoing>flow_arsip_selesai</bpmn:outgoing>"
        '</bpmn:userTask><bpmn:endEvent id="end_selesai"'))
    text = _swap(text, '<dc:Bounds x="2532" y="852" width="36" height="36" />',
                 '<dc:Bounds x="2440" y="852" width="36" height="36" />')
    text = _swap(text, '<dc:Bounds x="2416" y="894" width="126" height="27" />',
                 '<dc:Bounds x="2400" y="894" width="126" height="27" />')
    text = _swap(text, '<di:waypoint x="2410" y="870" />\n        <di:waypoint x="2532" y="870" />',
                 '<di:waypoint x="2410" y="870" />\n        <di:waypoint x="2440" y="870" />')
    text = re.sub(r'<bpmndi:BPMNEdge id="flow_kirim_selesai_di" .*?</bpmndi:BPMNEdge>', (
        '<bpmndi:BPMNEdge id="flow_kirim_arsip_di" bpmnElement="flow_kirim_arsip">'
        '<di:waypoint x="2476" y="870" /><di:waypoint x="2500" y="870" /></bpmndi:BPMNEdge>'
        '<bpmndi:BPMNEdge id="flow_arsip_selesai_di" bpmnElement="flow_arsip_selesai">'
        '<di:waypoint x="2610" y="870" /><di:waypoint x="2632" y="870" /></bpmndi:BPMNEdge>'
        '<bpmndi:BPMNShape id="arsipkan_laporan_di" bpmnElement="arsipkan_laporan">'
        '<dc:Bounds x="2500" y="830" width="110" height="80" /></bpmndi:BPMNShape>'), text, count=1, flags=re.S)
    text = _swap(text, "Kepala Kantor Layanan Informasi dan Pengaduan meneliti dan menandatangani", V2_SENTENCE)
    late = ('<spiffworkflow:property name="formJsonSchemaFilename" value="tindak-lanjut-keterlambatan.json" />\n'
            '          <spiffworkflow:property name="sopStep" value="-" />\n          ')
    text = _swap(text, late + '<spiffworkflow:property name="dueDate" value="add_working_days(now(), 1)" />',
                 late + '<spiffworkflow:property name="dueDate" value="add_working_days(now(), 2)" />')
    path = directory / DEFAULT_BPMN.name
    path.write_text(text, encoding="utf-8")
    return path


def deploy_second_version(make_ctx: CtxFactory, directory: Path) -> int:
    version = deploy(make_ctx(), "system", second_version(directory), system=True, note="Arsip laporan oleh PKL")
    assert version.created
    return version.id


# Who works each step of the SOP's model, and what they submit (steps 5 and 9 by their helpers).
USERS = ("kasi", "pelaksana", "agen1", "agen2", "agen3", "kepala", "pkl")
SUBMIT: dict[str, dict[str, Any]] = {
    "tugaskan_pelaksana": {"pelaksana": "pelaksana"}, "teliti_rencana_kerja": {"keputusan": "setuju"},
    "distribusi_pekerjaan": {"agen": ["agen1"]}, "susun_laporan": {"ringkasan_pelaksanaan": "Selesai."},
    "teliti_laporan": {"keputusan": "setuju"}, "tandatangani_laporan": {"keputusan": "tandatangani"},
    "tindak_lanjut_keterlambatan": {"tindak_lanjut": "Ditegur."}, "arsipkan_laporan": {"lokasi_arsip": "Lemari 3"},
}


def walk(make_ctx: CtxFactory, campaign_id: int, stop_before: str | None = None) -> list[str]:
    """Work the campaign's process to its end (or until ``stop_before`` is ready) as the people of each lane would;
    return the steps done, in order."""
    from engine.walkthrough import work_plan

    instance_id, done = instance_of(make_ctx, campaign_id), []
    for _ in range(40):
        ready = [(user, view) for user in USERS for view in tasks.ready_tasks(make_ctx(), user)
                 if view.instance_id == instance_id]
        if not ready or ready[0][1].bpmn_id == stop_before:
            return done
        user, view = ready[0]
        if view.bpmn_id == "hubungi_wajib_pajak":
            finish_calls(make_ctx, campaign_id, user)
        elif view.bpmn_id == "sampaikan_laporan":
            send_report(make_ctx, campaign_id)
        else:
            data = work_plan(make_ctx()) if view.bpmn_id == "susun_rencana_kerja" else SUBMIT[view.bpmn_id]
            tasks.complete_task(make_ctx(), user, view.id, data)
        done.append(view.bpmn_id)
    raise AssertionError(f"campaign {campaign_id} did not end: {done}")


def version_of(make_ctx: CtxFactory, campaign_id: int) -> int:
    return get_instance(make_ctx(), "kasi", instance_of(make_ctx, campaign_id)).version_id


def status_of(make_ctx: CtxFactory, campaign_id: int) -> tuple[str, str]:
    instance_id = instance_of(make_ctx, campaign_id)
    with make_ctx().transaction() as session:
        instance = session.get(Instance, instance_id)
        campaign = session.get(Campaign, campaign_id)
        assert instance is not None and campaign is not None
        return instance.status, campaign.status


def stored(make_ctx: CtxFactory) -> tuple[Any, ...]:
    """Everything a migration may change: instances (state, lock, version), the task index, the audit trail."""
    with make_ctx().transaction() as session:
        instances = session.execute(select(Instance.id, Instance.version_id, Instance.state_json, Instance.lock_version,
                                           Instance.next_timer_at).order_by(Instance.id)).all()
        index = session.execute(select(TaskIndex.task_id, TaskIndex.name, TaskIndex.assignee, TaskIndex.due_at)
                                .order_by(TaskIndex.task_id)).all()
        return tuple(instances), tuple(index), session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_campaign_started_on_v1_finishes_on_v1_an_eligible_one_moves_to_v2_and_finishes_there_and_one_whose_changed_step_ran_is_refused(  # noqa: E501
        make_ctx, tmp_path: Path) -> None:
    setup_sop(make_ctx)
    stays, moves, signed = new_campaign(make_ctx, 4), new_campaign(make_ctx, 4), new_campaign(make_ctx, 4)
    for campaign_id in (stays, moves):
        do(make_ctx, "kasi", "tugaskan_pelaksana", campaign_id, {"pelaksana": "pelaksana"})
    to_sending(make_ctx, signed, ("agen1",))  # step 8 (whose SOP sentence v2 rewords) has been signed
    v1 = version_of(make_ctx, moves)
    v2 = deploy_second_version(make_ctx, tmp_path / "v2")

    plan = plan_migration(make_ctx(), "admin", instance_of(make_ctx, moves), v2)
    assert (plan.eligible, plan.reason, plan.from_version, plan.to_version) == (True, None, v1, v2)
    assert plan.campaign_id == moves and plan.campaign_title == "Kampanye uji" and plan.added == (ARCHIVE,)
    assert {ARCHIVE, SIGN, FOLLOW_UP} <= set(plan.changed) and plan.removed == ()

    refused = migrate(make_ctx(), "admin", instance_of(make_ctx, signed), v2)
    assert not refused.eligible and not refused.moved and refused.reason is not None
    assert SIGN in refused.reason and FOLLOW_UP not in refused.reason  # only the step that ran
    assert f"tetap pada versi {v1}" in refused.reason
    english = localize(refused.reason, "en")
    assert SIGN in english and "already run" in english and f"stays on version {v1}" in english
    assert version_of(make_ctx, signed) == v1

    moved = migrate(make_ctx(), "admin", instance_of(make_ctx, moves), v2)
    assert moved.moved and moved.eligible and version_of(make_ctx, moves) == v2
    assert version_of(make_ctx, stays) == v1  # nobody asked: it keeps its version
    moved_id = instance_of(make_ctx, moves)
    with make_ctx().transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "instance_migrated")).one()
        assert (event.username, event.instance_id, event.campaign_id) == ("admin", moved_id, moves)
        assert (event.data["from_number"], event.data["to_number"]) == (v1, v2) and ARCHIVE in event.data["added"]

    # The moved campaign reaches step 8 with v2's SOP sentence, and then has the step v2 added; the others do not.
    assert walk(make_ctx, moves, stop_before="tandatangani_laporan")[-1] == "teliti_laporan"
    signing = next(t for t in tasks.ready_tasks(make_ctx(), "kepala") if t.campaign_id == moves)
    assert tasks.get_task(make_ctx(), "kepala", signing.id).documentation.startswith(V2_SENTENCE)
    assert walk(make_ctx, moves)[-2:] == ["sampaikan_laporan", "arsipkan_laporan"]
    for campaign_id in (stays, signed):
        assert "arsipkan_laporan" not in walk(make_ctx, campaign_id)
    for campaign_id in (stays, moves, signed):
        assert status_of(make_ctx, campaign_id) == ("completed", "selesai")
    assert (version_of(make_ctx, stays), version_of(make_ctx, moves), version_of(make_ctx, signed)) == (v1, v2, v1)
    counts = {v.id: (v.running, v.finished) for v in list_versions(make_ctx(), "lip20_0008")}
    assert counts == {v1: (0, 2), v2: (0, 1)}


def at_report(make_ctx: CtxFactory) -> int:
    """A campaign whose only agent has finished: step 6 is ready and the report's 5-working-day timer counts."""
    campaign_id = new_campaign(make_ctx, 4)
    to_distribution(make_ctx, campaign_id)
    do(make_ctx, "kasi", "distribusi_pekerjaan", campaign_id, {"agen": ["agen1"]})
    finish_calls(make_ctx, campaign_id, "agen1")
    return campaign_id


def test_steps_under_way_keep_their_tasks_holders_and_timers_and_a_changed_ready_step_gets_its_new_due_date(
        make_ctx, clock, tmp_path: Path) -> None:
    """Step 2 reassigned by the Kasi; step 5 with one agent done and one still calling; step 6 inside the report
    subprocess with the report's timer running; a late report whose follow-up (changed in v2) waits for the Kepala
    Kantor: all move, and go on as they were."""
    setup_sop(make_ctx)
    late = at_report(make_ctx)
    clock.set(clock() + timedelta(days=10))
    tick(make_ctx())  # the report deadline passed: the follow-up is ready, due in 1 working day (v1)
    drafting, calling, reporting = new_campaign(make_ctx, 4), new_campaign(make_ctx, 4), at_report(make_ctx)
    do(make_ctx, "kasi", "tugaskan_pelaksana", drafting, {"pelaksana": "pelaksana"})
    plan_task = next(t for t in tasks.ready_tasks(make_ctx(), "pelaksana") if t.campaign_id == drafting)
    reassign_task(make_ctx(), "kasi", plan_task.id, "agen1", "Pelaksana cuti")
    to_distribution(make_ctx, calling)
    do(make_ctx, "kasi", "distribusi_pekerjaan", calling, {"agen": ["agen1", "agen2"]})
    finish_calls(make_ctx, calling, "agen1")
    (instances, index, _) = stored(make_ctx)
    v2 = deploy_second_version(make_ctx, tmp_path / "v2")

    plans = migrate_all_eligible(make_ctx(), "admin", v2)
    assert [(p.campaign_id, p.moved) for p in plans] == [(c, True) for c in (late, drafting, calling, reporting)]
    (instances_after, index_after, _) = stored(make_ctx)
    assert [(i.id, i.next_timer_at, i.version_id) for i in instances_after] == [
        (i.id, i.next_timer_at, v2) for i in instances]  # the report deadlines still count from the same moment
    assert [(t.task_id, t.name, t.assignee) for t in index_after] == [(t.task_id, t.name, t.assignee) for t in index]
    assert {t.assignee for t in index_after if t.name == "Menyusun konsep rencana kerja"} == {"agen1"}
    assert [(t.task_id, t.due_at) for t in index_after if t.name != FOLLOW_UP] == [
        (t.task_id, t.due_at) for t in index if t.name != FOLLOW_UP]
    ctx = make_ctx()
    with ctx.transaction() as session:
        follow_up = session.scalars(select(TaskIndex).where(TaskIndex.name == FOLLOW_UP)).one()
        calendar = load_calendar(session, ctx.settings)
        before = next(t.due_at for t in index if t.task_id == follow_up.task_id)
        assert before == deadline_at(calendar, follow_up.ready_at, 1, ctx.settings)
        assert follow_up.due_at == deadline_at(calendar, follow_up.ready_at, 2, ctx.settings)  # v2's 2 working days
        recorded = session.scalars(select(AuditEvent.data).where(AuditEvent.action == "instance_migrated",
                                                                 AuditEvent.campaign_id == late)).one()
        assert recorded["due_dates"] == [{"task": FOLLOW_UP, "before": before.isoformat(),
                                          "after": follow_up.due_at.isoformat()}]
    assert [status_of(make_ctx, c)[1] for c in (late, drafting, calling, reporting)] == [
        "pelaporan", "perencanaan", "penyampaian", "pelaporan"]

    assert len(campaigns.list_contacts(make_ctx(), "agen2", calling)) == 2  # agen2 goes on calling its contacts
    clock.set(clock() + timedelta(days=14))  # the report deadline passes: v2's boundary timer escalates
    tick(make_ctx())
    assert any(t.bpmn_id == "tindak_lanjut_keterlambatan" and t.campaign_id == reporting
               for t in tasks.ready_tasks(make_ctx(), "kepala"))
    steps = {campaign_id: walk(make_ctx, campaign_id) for campaign_id in (late, drafting, calling, reporting)}
    assert all(done[-1] == "arsipkan_laporan" for done in steps.values()), steps
    assert "tindak_lanjut_keterlambatan" in steps[late] and "tindak_lanjut_keterlambatan" in steps[reporting]
    assert all(status_of(make_ctx, c) == ("completed", "selesai") for c in steps)


def test_a_dry_run_and_a_plan_change_nothing_and_a_move_shows_on_the_instance_page(make_ctx, client,
                                                                                     tmp_path: Path) -> None:
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx, 4)
    do(make_ctx, "kasi", "tugaskan_pelaksana", campaign_id, {"pelaksana": "pelaksana"})
    v2 = deploy_second_version(make_ctx, tmp_path / "v2")
    before = stored(make_ctx)
    instance_id = instance_of(make_ctx, campaign_id)
    would = migrate(make_ctx(), "admin", instance_id, v2, dry_run=True)
    assert would.eligible and not would.moved
    assert [p.moved for p in migrate_all_eligible(make_ctx(), "admin", v2, dry_run=True)] == [False]
    assert plan_migration(make_ctx(), "admin", instance_id, v2).eligible
    assert [p.instance_id for p in plan_all(make_ctx(), "admin", v2)] == [instance_id]
    assert stored(make_ctx) == before
    assert migrate(make_ctx(), "admin", instance_id, v2).moved and stored(make_ctx) != before

    login_as(client, "kasi")
    trail = page_tree(client.get(f"/proses/{instance_id}"))
    moved = trail.xpath('//li[@class="action-instance_migrated"]')
    assert len(moved) == 1 and "admin" in moved[0].text_content()
    detail = " ".join(moved[0].xpath('.//div[contains(@class, "migrated")]')[0].text_content().split())
    assert detail.startswith(f"dari versi #1 ke versi #{v2}; langkah yang berubah:") and ARCHIVE in detail
    login_as(client, "unit")  # the requesting unit sees that it moved, not KLIP's details
    unit_view = page_tree(client.get(f"/proses/{instance_id}")).xpath('//li[@class="action-instance_migrated"]')
    assert len(unit_view) == 1 and not unit_view[0].xpath('.//div[contains(@class, "migrated")]')


def test_an_instance_someone_changes_at_the_same_moment_is_refused_and_the_others_still_move(
        make_ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from engine.process import migration

    setup_sop(make_ctx)
    first, second = new_campaign(make_ctx, 3), new_campaign(make_ctx, 3)
    v1 = version_of(make_ctx, first)
    v2 = deploy_second_version(make_ctx, tmp_path / "v2")
    real_save = migration.save_instance

    def save_after_a_colleague(loaded: Any, *args: Any) -> None:
        if loaded.row.campaign_id == first:  # its row's lock version moved on meanwhile
            raise StaleDataError("UPDATE statement on table 'instances' expected to update 1 row(s); 0 were matched.")
        real_save(loaded, *args)

    monkeypatch.setattr(migration, "save_instance", save_after_a_colleague)
    plans = migrate_all_eligible(make_ctx(), "admin", v2)
    assert [(p.campaign_id, p.eligible, p.moved) for p in plans] == [(first, False, False), (second, True, True)]
    assert plans[0].reason is not None and "baru saja diubah" in plans[0].reason
    assert (version_of(make_ctx, first), version_of(make_ctx, second)) == (v1, v2)


def test_only_an_analyst_may_deploy_and_migrate(make_ctx, tmp_path: Path) -> None:
    setup_sop(make_ctx)
    create_user(make_ctx(), "root", ["admin"])
    create_user(make_ctx(), "analis1", ["analis"])
    campaign_id = new_campaign(make_ctx, 4)
    with pytest.raises(NotAllowed, match="Analis"):
        deploy(make_ctx(), "root", second_version(tmp_path / "v2"))
    v2 = deploy(make_ctx(), "analis1", tmp_path / "v2" / DEFAULT_BPMN.name).id
    instance_id = instance_of(make_ctx, campaign_id)
    before = stored(make_ctx)
    for who in ("root", "kasi", "unit", "pkl"):
        with pytest.raises(NotAllowed):
            plan_migration(make_ctx(), who, instance_id, v2)
        with pytest.raises(NotAllowed):
            plan_all(make_ctx(), who, v2)
        with pytest.raises(NotAllowed):
            migrate(make_ctx(), who, instance_id, v2)
        with pytest.raises(NotAllowed):
            migrate_all_eligible(make_ctx(), who, v2)
    assert stored(make_ctx) == before
    assert migrate(make_ctx(), "analis1", instance_id, v2).moved


def test_what_cannot_move_is_refused_with_its_reason(make_ctx, tmp_path: Path) -> None:
    """Another process's instance, a finished one, one already there, one whose current step the target version does
    not have (going back from v2 to v1), one that submitted a form the target version changed; an unknown instance
    or version is not found."""
    setup_sop(make_ctx)
    v1 = version_of(make_ctx, new_campaign(make_ctx, 4))
    v2 = deploy_second_version(make_ctx, tmp_path / "v2")
    archiving, planning = new_campaign(make_ctx, 4), new_campaign(make_ctx, 4)  # both start on v2
    walk(make_ctx, archiving, stop_before="arsipkan_laporan")
    do(make_ctx, "kasi", "tugaskan_pelaksana", planning, {"pelaksana": "pelaksana"})
    with make_ctx().transaction() as session:
        quality = session.scalars(select(Instance).join(ProcessVersion).where(
            Instance.campaign_id == archiving, ProcessVersion.process_id == "penilaian_kualitas_agen")).one().id

    other = plan_migration(make_ctx(), "admin", quality, v2)
    assert not other.eligible and other.process_id == "penilaian_kualitas_agen"
    assert "penilaian_kualitas_agen" in other.reason and "lip20_0008" in other.reason
    assert quality not in [p.instance_id for p in plan_all(make_ctx(), "admin", v2)]
    assert not migrate(make_ctx(), "admin", quality, v2).moved
    here = plan_migration(make_ctx(), "admin", instance_of(make_ctx, planning), v2)
    assert not here.eligible and f"sudah berjalan pada versi {v2}" in here.reason

    back = migrate(make_ctx(), "admin", instance_of(make_ctx, archiving), v1)
    assert not back.moved and back.removed == (ARCHIVE,) and ARCHIVE in back.reason
    assert migrate(make_ctx(), "admin", instance_of(make_ctx, planning), v1).moved  # step 2: v1 has all it needs
    assert "arsipkan_laporan" not in walk(make_ctx, planning) and version_of(make_ctx, planning) == v1
    # v3 changes only the form of step 9, which the campaign at the archive step has submitted
    shutil.copytree(tmp_path / "v2", tmp_path / "v3")
    form = tmp_path / "v3" / "forms" / "penyampaian-laporan.json"
    form.write_text(_swap(form.read_text(encoding="utf-8"), '"Nomor surat pengantar"', '"Nomor nota dinas"'),
                    encoding="utf-8")
    v3 = deploy(make_ctx(), "system", tmp_path / "v3" / DEFAULT_BPMN.name, system=True).id
    form_changed = plan_migration(make_ctx(), "admin", instance_of(make_ctx, archiving), v3)
    assert not form_changed.eligible and form_changed.changed == (SEND,) and SEND in form_changed.reason
    finished = plan_migration(make_ctx(), "admin", instance_of(make_ctx, planning), v2)
    assert not finished.eligible and "sudah selesai" in finished.reason
    with pytest.raises(NotFound):
        plan_migration(make_ctx(), "admin", 999, v2)
    with pytest.raises(NotFound):
        migrate(make_ctx(), "admin", instance_of(make_ctx, archiving), 999)


def test_klip_migrate_says_what_moved_would_move_or_was_refused(klip, tmp_path: Path) -> None:
    from engine.context import make_engine
    from engine.settings import Settings

    assert klip("init-db").returncode == 0
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(settings.database_url)
    try:
        def make_ctx() -> Context:
            return Context(settings=settings, engine=engine)

        setup_sop(make_ctx)
        waiting, signed = new_campaign(make_ctx, 3), new_campaign(make_ctx, 3)
        to_sending(make_ctx, signed, ("agen1",))
        first, refused = instance_of(make_ctx, waiting), instance_of(make_ctx, signed)
        deployed = klip("deploy", str(second_version(tmp_path / "v2")), "--note", "Arsip", "--as-user", "admin")
        assert deployed.returncode == 0, deployed.stderr
        v2 = deployed.stdout.split()[1].lstrip("#")

        would = klip("migrate", str(first), "--to", v2, "--dry-run")
        assert would.returncode == 0, would.stderr
        assert f"instans {first} (kampanye {waiting} 'Kampanye uji'): akan dipindahkan dari versi 1 ke versi {v2}" \
            in would.stdout and ARCHIVE in would.stdout and "tidak ada yang disimpan" in would.stdout
        assert get_instance(make_ctx(), "kasi", first).version_id == 1

        no = klip("migrate", str(refused), "--to", v2)
        assert no.returncode == 1 and f"instans {refused} (kampanye {signed} 'Kampanye uji'): ditolak — " in no.stdout
        assert SIGN in no.stdout
        not_analyst = klip("migrate", str(first), "--to", v2, "--as-user", "kasi")
        assert not_analyst.returncode == 1 and "Analis" in not_analyst.stderr

        every = klip("migrate", "--all-eligible", "--to", v2, "--as-user", "admin")
        assert every.returncode == 0, every.stderr
        assert f"instans {first} (kampanye {waiting} 'Kampanye uji'): dipindahkan dari versi 1 ke versi {v2}" \
            in every.stdout and f"instans {refused} (kampanye {signed} 'Kampanye uji'): ditolak" in every.stdout
        assert get_instance(make_ctx(), "kasi", first).version_id == int(v2)
        assert klip("migrate", "--to", v2).returncode == 2  # neither an instance nor --all-eligible
        assert klip("migrate", "999", "--to", v2).returncode == 1
    finally:
        engine.dispose()
