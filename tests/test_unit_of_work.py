"""A request is one unit of work: one transaction, one authorization, one workflow load per task completion."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from engine import access
from engine.process import runtime
from engine.walkthrough import task_for

from sop_helpers import new_campaign, ready, setup_sop
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
