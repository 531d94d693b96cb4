"""Callbacks get worked and wrong numbers close only themselves (domain rules of call outcomes)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import campaign as campaigns
from engine import pages
from engine.errors import InvalidInput
from engine.jobs import run_jobs
from engine.models import Notification, User

from sop_helpers import do, new_campaign, setup_sop, to_distribution


def distributed(make_ctx, n: int = 6) -> int:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, n)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    return cid


def contact_of(make_ctx, cid: int, index: int = 0) -> campaigns.ContactView:
    return campaigns.list_contacts(make_ctx(), "agen1", cid)[index]


def call(make_ctx, contact_id: int, outcome: str, **kwargs) -> campaigns.ContactView:
    return campaigns.record_call(make_ctx(), "agen1", contact_id, outcome, **kwargs)


def test_a_callback_keeps_the_contact_open_and_does_not_count_against_the_attempts(make_ctx, clock) -> None:
    cid = distributed(make_ctx)
    first = contact_of(make_ctx, cid).id
    later = clock() + timedelta(hours=3)
    view = call(make_ctx, first, "minta_dihubungi_kembali", callback_at=later)
    assert (view.final_outcome, view.callback_at) == (None, later)
    for outcome in ("tidak_diangkat", "sibuk"):  # two unanswered calls; the callback did not count
        view = call(make_ctx, first, outcome)
    assert view.final_outcome is None and view.callback_at is None  # a later call replaces the planned one
    view = call(make_ctx, first, "minta_dihubungi_kembali", callback_at=later)
    assert view.final_outcome is None and view.attempts == 4
    view = call(make_ctx, first, "kotak_suara")  # the third unanswered attempt closes it
    assert view.final_outcome == "kotak_suara"


def test_callbacks_that_are_due_come_first_and_later_ones_wait(make_ctx, clock) -> None:
    cid = distributed(make_ctx)
    ids = [c.id for c in campaigns.list_contacts(make_ctx(), "agen1", cid)]
    call(make_ctx, ids[2], "minta_dihubungi_kembali", callback_at=clock() + timedelta(hours=1))
    call(make_ctx, ids[4], "minta_dihubungi_kembali", callback_at=clock() + timedelta(hours=5))
    call(make_ctx, ids[0], "tersampaikan")
    listed = [c.id for c in pages.call_list_page(make_ctx(), "agen1", cid).contacts]
    assert listed == [ids[1], ids[3], ids[5], ids[2], ids[4], ids[0]]  # open, then planned callbacks, then done
    clock.set(clock() + timedelta(hours=2))
    listed = [c.id for c in pages.call_list_page(make_ctx(), "agen1", cid).contacts]
    assert listed[0] == ids[2]  # its time has come
    assert campaigns.next_contact(make_ctx(), "agen1", cid).contact.id == ids[2]
    for contact_id in (ids[2], ids[1], ids[3], ids[5]):
        call(make_ctx, contact_id, "tersampaikan")
    waiting = campaigns.next_contact(make_ctx(), "agen1", cid)
    assert waiting.contact is None and waiting.waiting == 1  # only the later callback is left
    report = campaigns.get_report(make_ctx(), "kasi", cid)
    assert report["figures"]["callbacks_open"] == 1 and report["figures"]["open"] == 1


def test_the_agent_is_told_once_when_a_callback_is_due(make_ctx, clock) -> None:
    cid = distributed(make_ctx)
    first = contact_of(make_ctx, cid)
    call(make_ctx, first.id, "minta_dihubungi_kembali", callback_at=clock() + timedelta(minutes=30))

    def callback_notes() -> list[Notification]:
        with make_ctx().transaction() as session:
            agent = session.scalars(select(User).where(User.username == "agen1")).one()
            return list(session.scalars(select(Notification).where(
                Notification.user_id == agent.id, Notification.kind == "callback_due")))

    run_jobs(make_ctx())
    assert callback_notes() == []
    clock.set(clock() + timedelta(minutes=31))
    run_jobs(make_ctx())
    run_jobs(make_ctx())
    [note] = callback_notes()
    assert first.name in note.message and note.url == f"/kontak/{first.id}"


def test_a_wrong_number_closes_that_number_not_the_contact(make_ctx) -> None:
    cid = distributed(make_ctx, 10)  # sample_target_list gives every fifth taxpayer a second number
    two = next(c for c in campaigns.list_contacts(make_ctx(), "agen1", cid) if len(c.phones) == 2)
    first, second = two.phones
    view = call(make_ctx, two.id, "nomor_salah", phone=first)
    assert view.final_outcome is None and view.closed_phones == (first,) and view.open_phones == (second,)
    with pytest.raises(InvalidInput) as refused:
        call(make_ctx, two.id, "tidak_diangkat", phone=first)
    assert "sudah ditandai salah" in refused.value.fields["phone"]
    view = call(make_ctx, two.id, "nomor_salah")  # the only number left
    assert view.final_outcome == "nomor_salah" and set(view.closed_phones) == {first, second}
