"""A request is one unit of work: one transaction, one authorization, one workflow load per task completion, and a
pinned number of SQL statements (``make bench`` reports them; a change that adds one must change the pin here)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from engine import access
from engine.models import ApiToken, AuditEvent, CampaignMember, Notification, User
from engine.process import runtime
from engine.walkthrough import task_for

from sop_helpers import at_step_5, new_campaign, ready, setup_sop
from web_helpers import bearer, login_as


@pytest.fixture
def counted(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count the app's transactions (begin/commit/rollback), task authorizations and workflow loads."""
    counts: Counter[str] = Counter()
    engine = app.extensions["klip"].engine
    listeners = {name: (lambda *_args, _name=name: counts.update([_name])) for name in ("begin", "commit", "rollback")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)

    def spy(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(access, "authorize_task", spy("authorize", access.authorize_task))
    monkeypatch.setattr(runtime, "state_from_json", spy("load", runtime.state_from_json))
    yield counts
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def _step_1(make_ctx) -> tuple[int, str]:
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx)
    ctx = make_ctx()
    return campaign_id, task_for(ctx, "kasi", "tugaskan_pelaksana", campaign_id).id


def test_completing_a_task_through_the_web_form(client, make_ctx, counted: Counter[str]) -> None:
    campaign_id, task_id = _step_1(make_ctx)
    login_as(client, "kasi")
    counted.clear()
    response = client.post(f"/tugas/{task_id}", data={"pelaksana": "pelaksana"})
    assert response.status_code == 302
    assert counted == Counter(begin=1, commit=1, authorize=1, load=1)
    assert ready(make_ctx, "pelaksana", campaign_id) == ["susun_rencana_kerja"]


def test_completing_a_task_through_the_api(client, make_ctx, counted: Counter[str]) -> None:
    campaign_id, task_id = _step_1(make_ctx)
    headers = bearer(make_ctx(), "kasi")
    counted.clear()
    response = client.post(f"/api/v1/tasks/{task_id}", json={"pelaksana": "pelaksana"}, headers=headers)
    assert response.status_code == 200
    assert counted == Counter(begin=1, commit=1, authorize=1, load=1)
    assert ready(make_ctx, "pelaksana", campaign_id) == ["susun_rencana_kerja"]


def test_a_refused_form_rolls_back_then_builds_the_page_once(client, make_ctx, counted: Counter[str]) -> None:
    """The 422 path: the completion rolls back, and only then is the page built (one more transaction)."""
    _, task_id = _step_1(make_ctx)
    login_as(client, "kasi")
    counted.clear()
    response = client.post(f"/tugas/{task_id}", data={"pelaksana": "nobody"})
    assert response.status_code == 422 and "bukan pengguna aktif" in response.get_data(as_text=True)
    assert counted == Counter(begin=2, rollback=1, commit=1, authorize=2, load=2)


# SQL statements of one request (the token's use already recorded this minute). Pinned so they cannot creep back:
# before issue 12 a completion sent 21 (two of them for the token, then 12, then 8 on both databases), a recorded
# call 17 (then 9). On PostgreSQL the audit row, the task index's row taken over and the one notice with the
# assignee's membership ride in the state's UPDATE (data-modifying WITHs, which SQLite lacks).
COMPLETION_STATEMENTS = {"sqlite": 8, "postgresql": 4}
CALL_STATEMENTS = 6


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    """The SQL statements the app sends (one entry each)."""
    sent: list[str] = []
    engine = app.extensions["klip"].engine

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", listener)
    yield sent
    event.remove(engine, "before_cursor_execute", listener)


def test_a_completion_through_the_api_sends_a_pinned_number_of_statements(app, client, make_ctx,
                                                                          statements: list[str]) -> None:
    campaign_id, task_id = _step_1(make_ctx)
    headers = bearer(make_ctx(), "kasi")
    # A first completion in the process also records the token's use (once a minute) and reads what a process then
    # keeps: the version's forms (as it keeps the parsed spec) and the working-day calendar (under its stamp).
    other = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", new_campaign(make_ctx)).id
    assert client.post(f"/api/v1/tasks/{other}", json={"pelaksana": "pelaksana"}, headers=headers).status_code == 200
    statements.clear()
    response = client.post(f"/api/v1/tasks/{task_id}", json={"pelaksana": "pelaksana"}, headers=headers)
    assert response.status_code == 200
    dialect = app.extensions["klip"].engine.dialect.name
    assert len(statements) == COMPLETION_STATEMENTS[dialect], "\n".join(statements)
    assert ready(make_ctx, "pelaksana", campaign_id) == ["susun_rencana_kerja"]
    # …and none of the completion's work is dropped: its audit row, the assignee's membership and notice
    next_task = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", campaign_id).id
    with make_ctx().transaction() as session:
        done = session.execute(select(AuditEvent.username, AuditEvent.task_bpmn_id, AuditEvent.data).where(
            AuditEvent.task_id == task_id, AuditEvent.action == "task_completed")).all()
        assert [tuple(row) for row in done] == [("kasi", "tugaskan_pelaksana", {"pelaksana": "pelaksana"})]
        assert session.scalar(select(CampaignMember.username).where(
            CampaignMember.campaign_id == campaign_id, CampaignMember.username == "pelaksana")) == "pelaksana"
        told = session.execute(select(User.username, Notification.kind).join(User).where(
            Notification.ref == f"task:{next_task}")).all()
        assert [tuple(row) for row in told] == [("pelaksana", "task_assigned")]


def test_recording_a_call_through_the_api_sends_a_pinned_number_of_statements(client, make_ctx, clock,
                                                                             statements: list[str]) -> None:
    campaign_id = at_step_5(make_ctx)
    headers = bearer(make_ctx(), "agen1")
    contacts = client.get(f"/api/v1/campaigns/{campaign_id}/contacts?assigned=me", headers=headers).get_json()
    callback = (clock() + timedelta(days=1)).isoformat()
    statements.clear()
    response = client.post(f"/api/v1/contacts/{contacts[0]['id']}/calls", headers=headers,
                           json={"outcome": "minta_dihubungi_kembali", "callback_at": callback})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["attempts"] == 1
    assert len(statements) == CALL_STATEMENTS, "\n".join(statements)


def test_an_api_token_s_use_is_written_at_most_once_a_minute_in_the_request_s_transaction(
        client, make_ctx, clock, counted: Counter[str]) -> None:
    setup_sop(make_ctx)
    headers = bearer(make_ctx(), "kasi")

    def last_used() -> Any:
        with make_ctx().transaction() as session:
            return session.scalars(select(ApiToken.last_used_at)).one()

    counted.clear()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    first = clock()
    assert last_used() == first and counted["commit"] == 1  # recorded, in the request's one transaction
    clock.set(first + timedelta(seconds=59))
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert last_used() == first  # not written again within the minute
    clock.set(first + timedelta(seconds=61))
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert last_used() == first + timedelta(seconds=61)
