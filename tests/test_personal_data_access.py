"""Every view of taxpayers' personal data is recorded (issue 11, UU PDP): who, when, which campaign, which
contacts — by the web app and the API, in the transaction of the read — the office reads it on the campaign's
access log, and the database itself refuses to change or delete the record."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, func, insert, select, text, update
from sqlalchemy.exc import DatabaseError
from test_quality import TWO_AGENTS, recorded_campaign, score_tasks

from engine import campaign as campaigns
from engine.audit import ACCESS_ACTIONS
from engine.context import Context, make_engine
from engine.migrate import upgrade
from engine.models import AuditEvent, AuditEventContact, Contact
from engine.walkthrough import task_for

from sop_helpers import at_step_5, do, new_campaign, send_report
from web_helpers import bearer, login_as, one, page_tree, rows_of, text_of


@dataclass(frozen=True)
class Access:
    username: str
    action: str
    campaign_id: int | None
    contacts: tuple[int, ...]
    data: dict[str, Any]


def accesses_after(make_ctx: Any, marker: int) -> list[Access]:
    """The personal-data accesses recorded after event id ``marker``, oldest first, with their contacts."""
    with make_ctx().transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.id > marker,
                                                          AuditEvent.action.in_(ACCESS_ACTIONS))
                                 .order_by(AuditEvent.id)).all()
        shown: dict[int, list[int]] = defaultdict(list)
        for event_id, contact_id in session.execute(select(AuditEventContact.event_id, AuditEventContact.contact_id)
                                                    .where(AuditEventContact.event_id > marker)):
            shown[event_id].append(contact_id)
        return [Access(e.username, e.action, e.campaign_id, tuple(sorted(shown[e.id])), dict(e.data)) for e in events]


def marker(make_ctx: Any) -> int:
    with make_ctx().transaction() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


@pytest.fixture
def calling(make_ctx) -> int:
    """A 6-contact campaign at step 5: agen1 and agen2 have three contacts each."""
    return at_step_5(make_ctx)


def contacts_of(make_ctx: Any, cid: int, agent: str) -> tuple[int, ...]:
    with make_ctx().transaction() as session:
        return tuple(sorted(session.scalars(select(Contact.id).where(Contact.campaign_id == cid,
                                                                     Contact.agent == agent))))


# --- every view is recorded, with the contacts it showed --------------------------------------------------------

def test_the_agents_call_list_and_task_page_record_each_contact_shown(client, make_ctx, calling: int) -> None:
    mine = contacts_of(make_ctx, calling, "agen1")
    start = marker(make_ctx)
    login_as(client, "agen1")
    assert client.get(f"/kampanye/{calling}/panggilan").status_code == 200
    task = task_for(make_ctx(), "agen1", "hubungi_wajib_pajak", calling)
    assert client.get(f"/tugas/{task.id}").status_code == 200  # step 5's page shows the list as a panel
    listed = accesses_after(make_ctx, start)
    assert [(a.username, a.action, a.campaign_id, a.contacts) for a in listed] == [
        ("agen1", "contacts_listed", calling, mine)] * 2
    assert listed[0].data == {"assigned_to_me": True, "count": 3, "offset": 0, "limit": 100}


def test_a_contact_page_on_the_web_records_the_contact(client, make_ctx, calling: int) -> None:
    contact = contacts_of(make_ctx, calling, "agen2")[0]
    start = marker(make_ctx)
    assert login_as(client, "kasi").get(f"/kontak/{contact}").status_code == 200
    assert login_as(client, "agen2").get(f"/kontak/{contact}").status_code == 200
    assert login_as(client, "agen1").get(f"/kontak/{contact}").status_code == 403  # refused: nothing shown
    assert [(a.username, a.action, a.contacts) for a in accesses_after(make_ctx, start)] == [
        ("kasi", "contact_viewed", (contact,)), ("agen2", "contact_viewed", (contact,))]


def test_the_api_records_the_lists_it_returns_and_the_calls_it_records(client, make_ctx, calling: int) -> None:
    everyone = contacts_of(make_ctx, calling, "agen1") + contacts_of(make_ctx, calling, "agen2")
    start = marker(make_ctx)
    listed = client.get(f"/api/v1/campaigns/{calling}/contacts?limit=4&offset=1", headers=bearer(make_ctx(), "kasi"))
    assert listed.status_code == 200 and len(listed.get_json()) == 4
    shown = tuple(sorted(c["id"] for c in listed.get_json()))
    contact = contacts_of(make_ctx, calling, "agen1")[0]
    recorded = client.post(f"/api/v1/contacts/{contact}/calls", json={"outcome": "sibuk"},
                           headers=bearer(make_ctx(), "agen1"))
    assert recorded.status_code == 201
    found = accesses_after(make_ctx, start)
    assert [(a.username, a.action, a.campaign_id, a.contacts) for a in found] == [
        ("kasi", "contacts_listed", calling, shown), ("agen1", "call_recorded", calling, (contact,))]
    assert set(shown) < set(everyone) and found[0].data["offset"] == 1 and found[0].data["limit"] == 4


def test_the_quality_pages_record_the_taxpayers_of_the_sampled_calls(client, make_ctx) -> None:
    """The score sheet and the results show each sampled call's taxpayer, number and notes."""
    cid = recorded_campaign(make_ctx, TWO_AGENTS)
    send_report(make_ctx, cid)
    do(make_ctx, "pkl", "ambil_sampel", cid, {"jumlah_per_agen": 2})
    sheet = score_tasks(make_ctx, cid)["agen1"]
    start = marker(make_ctx)
    assert login_as(client, "pkl").get(f"/tugas/{sheet}").status_code == 200
    assert client.get(f"/api/v1/tasks/{sheet}", headers=bearer(make_ctx(), "pkl")).status_code == 200
    assert client.get("/penilaian-kualitas").status_code == 200  # no result yet: no call shown, nothing recorded
    found = accesses_after(make_ctx, start)
    assert [(a.username, a.action, a.campaign_id, len(a.contacts)) for a in found] == [
        ("pkl", "call_samples_viewed", cid, 2)] * 2


# --- one transaction: no data without its record ---------------------------------------------------------------

def test_the_record_is_written_in_the_transaction_of_the_read(app, client, make_ctx, calling: int) -> None:
    contact = contacts_of(make_ctx, calling, "agen1")[0]
    login_as(client, "agen1")
    commits: list[int] = []
    engine = app.extensions["klip"].engine
    listener = lambda _conn: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        start = marker(make_ctx)
        assert client.get(f"/kontak/{contact}").status_code == 200
    finally:
        event.remove(engine, "commit", listener)
    assert len(commits) == 1 and len(accesses_after(make_ctx, start)) == 1


def test_a_read_whose_record_cannot_be_written_shows_nothing(client, make_ctx, calling: int) -> None:
    def broken(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO audit_event_contacts"):
            raise RuntimeError("audit store unavailable")

    contact = contacts_of(make_ctx, calling, "agen1")[0]
    start = marker(make_ctx)
    event.listen(Engine, "before_cursor_execute", broken)
    try:
        with pytest.raises(RuntimeError):
            campaigns.contact_detail(make_ctx(), "agen1", contact)
        with pytest.raises(RuntimeError):
            campaigns.list_contacts(make_ctx(), "agen1", calling)
        with pytest.raises(RuntimeError):
            campaigns.record_call(make_ctx(), "agen1", contact, "sibuk")
    finally:
        event.remove(Engine, "before_cursor_execute", broken)
    assert accesses_after(make_ctx, start) == []
    assert campaigns.contact_detail(make_ctx(), "agen1", contact)[0].attempts == 0  # the call was not stored either


# --- the office reads the log ------------------------------------------------------------------------------------

def test_the_kasi_reads_who_saw_whom_from_the_campaign_page(client, make_ctx, calling: int) -> None:
    contact = contacts_of(make_ctx, calling, "agen2")[0]
    name = campaigns.contact_detail(make_ctx(), "kasi", contact)[0].name
    login_as(client, "agen2").get(f"/kontak/{contact}")
    login_as(client, "agen1").get(f"/kampanye/{calling}/panggilan")
    campaign_page = page_tree(login_as(client, "kasi").get(f"/kampanye/{calling}"))
    link = one(campaign_page, "//a[normalize-space()='Akses data pribadi']/@href")
    tree = page_tree(client.get(link))
    table = one(tree, "//table[contains(@class, 'access-log')]")
    assert [text_of(th) for th in table.xpath(".//thead//th[@scope='col']")] == [
        "Waktu", "Pengguna", "Akses", "Data wajib pajak yang ditampilkan"]
    assert text_of(one(table, ".//caption")) == "Log akses data pribadi, terbaru di atas: Kampanye uji"
    assert one(table, ".//caption/span/@lang") == "id"  # the campaign's title is Indonesian on an English page too
    rows = rows_of(table)
    assert any("Agen 1 (demo)" in r[1] and "Membuka daftar kontak" in r[2] and "kontak milik sendiri" in r[2]
               and r[3] == "3 wajib pajak" for r in rows)
    assert any("agen2" in r[1] and r[2] == "Membuka halaman kontak" and r[3].startswith(name) for r in rows)
    assert "•" in "".join(r[3] for r in rows)  # masked NPWPs only
    for select_id in ("access-user", "access-kind"):  # labelled filters
        assert one(tree, "//label[@for=$id]", id=select_id) is not None


def test_the_log_narrows_to_one_taxpayer_from_its_contact_page(client, make_ctx, calling: int) -> None:
    seen, other = contacts_of(make_ctx, calling, "agen2")[:2]
    login_as(client, "agen2").get(f"/kontak/{seen}")
    login_as(client, "agen2").get(f"/kontak/{other}")
    contact_page = page_tree(login_as(client, "kasi").get(f"/kontak/{seen}"))
    link = one(contact_page, "//a[normalize-space()='Siapa yang membuka data ini']/@href")
    rows = rows_of(one(page_tree(client.get(link)), "//table[contains(@class, 'access-log')]"))
    assert [r[1].rsplit(")", 1)[-1] for r in rows] == ["kasi", "agen2"]  # the Kasi's view of it, then the agent's
    by_user = page_tree(client.get(f"/kampanye/{calling}/akses-data?pengguna=agen2&jenis=contact_viewed"))
    assert len(rows_of(one(by_user, "//table[contains(@class, 'access-log')]"))) == 2
    foreign = new_campaign(make_ctx, 2)
    assert client.get(f"/kampanye/{foreign}/akses-data?kontak={seen}").status_code == 404


def test_reading_the_log_is_recorded_and_only_the_office_may(client, make_ctx, calling: int) -> None:
    contact = contacts_of(make_ctx, calling, "agen1")[0]
    login_as(client, "agen1").get(f"/kontak/{contact}")
    start = marker(make_ctx)
    assert login_as(client, "kepala").get(f"/kampanye/{calling}/akses-data").status_code == 200
    (read,) = accesses_after(make_ctx, start)
    assert (read.username, read.action, read.campaign_id, read.contacts) == (
        "kepala", "access_log_viewed", calling, (contact,))
    for refused in ("agen1", "pelaksana", "unit"):
        assert login_as(client, refused).get(f"/kampanye/{calling}/akses-data").status_code == 403
        assert "Akses data pribadi" not in login_as(client, refused).get(f"/kampanye/{calling}").get_data(
            as_text=True)


# --- append-only in the database ---------------------------------------------------------------------------------

def refused(ctx: Context, statement: Any) -> bool:
    try:
        with ctx.transaction() as session:
            session.execute(statement)
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


def assert_append_only(ctx: Context) -> None:
    with ctx.transaction() as session:
        session.execute(insert(AuditEvent).values(at=ctx.now(), username="kasi", action="contact_viewed", data={}))
        event_id = session.scalar(select(func.max(AuditEvent.id)))
        session.execute(insert(AuditEventContact).values(event_id=event_id, contact_id=7))
    assert refused(ctx, update(AuditEvent).where(AuditEvent.id == event_id).values(username="someone"))
    assert refused(ctx, delete(AuditEvent).where(AuditEvent.id == event_id))
    assert refused(ctx, update(AuditEventContact).values(contact_id=8))
    assert refused(ctx, delete(AuditEventContact))
    if ctx.engine.dialect.name == "postgresql":
        assert refused(ctx, text("TRUNCATE audit_events CASCADE"))
    with ctx.transaction() as session:
        assert session.scalar(select(AuditEvent.username).where(AuditEvent.id == event_id)) == "kasi"
        assert session.scalars(select(AuditEventContact.contact_id)
                               .where(AuditEventContact.event_id == event_id)).all() == [7]


def test_the_database_refuses_to_change_or_delete_the_audit_trail(ctx) -> None:
    assert_append_only(ctx)


def test_the_migrations_make_the_audit_trail_append_only_and_keep_earlier_contact_views(databases, clock) -> None:
    url = databases.empty()
    upgrade(url, "8ca573b72ccc")  # before: a contact view named its contact in its data only
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(AuditEvent).values(at=clock(), username="kasi", action="contact_viewed",
                                                   data={"contact_id": 42}))
            conn.execute(insert(AuditEvent).values(at=clock(), username="kasi", action="contacts_listed",
                                                   data={"count": 3}))
        upgrade(url)
        with engine.connect() as conn:
            assert conn.execute(select(AuditEventContact.contact_id)).scalars().all() == [42]
        assert_append_only(Context(settings=None, engine=engine, clock=clock))  # type: ignore[arg-type]
    finally:
        engine.dispose()
