"""Notifications in the app and by e-mail: who is told what, mailed by a worker that loses nothing."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import campaign as campaigns
from engine import instances
from engine.demo import sample_target_list
from engine.jobs import run_jobs
from engine.mail import deliver_mail
from engine.models import Outbox
from engine.users import Profile, create_user
from engine.walkthrough import WORK_PLAN

from sop_helpers import do, new_campaign, setup_sop, to_reporting
from web_helpers import bearer


class Sink:
    """An SMTP server that keeps what it receives (aiosmtpd handler)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, Controller]]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller
    if controller._thread is not None:  # still running
        controller.stop()


@pytest.fixture
def mailing(make_ctx, smtp):
    """A context factory whose settings mail through the sink."""
    _, controller = smtp

    def factory():
        ctx = make_ctx()
        ctx.settings = replace(ctx.settings, smtp_url=f"smtp://127.0.0.1:{controller.port}",
                               base_url="https://klip.example")
        return ctx

    return factory


def with_mail_addresses(make_ctx) -> None:
    setup_sop(make_ctx)
    create_user(make_ctx(), "kasi2", ["kasi"], profile=Profile("Kasi Dua", "kasi2@pajak.go.id"))
    create_user(make_ctx(), "pelaksana2", ["pelaksana"],
                profile=Profile("Pelaksana Dua", "pelaksana2@pajak.go.id"))


def subjects(sink: Sink) -> list[tuple[str, str]]:
    return [(str(m["To"]), str(m["Subject"])) for m in sink.messages]


def test_the_lane_is_told_of_a_new_task_and_the_assignee_of_theirs_by_mail(mailing, smtp) -> None:
    sink, _ = smtp
    with_mail_addresses(mailing)
    cid = new_campaign(mailing)
    assert deliver_mail(mailing()) == (1, 0)  # kasi2 has an address; the demo kasi has none
    assert subjects(sink) == [("kasi2@pajak.go.id", "[KLIP] Tugas terbuka untuk lajur Anda: Menugaskan Pelaksana "
                               "menyusun konsep rencana kerja — Kampanye uji.")]
    body = sink.messages[0].get_content()
    assert "https://klip.example/tugas/" in body
    in_app = instances.notifications(mailing(), "kasi")  # the kasi without an address is told in the app
    assert [n.kind for n in in_app] == ["task_open"]
    do(mailing, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana2"})
    assert deliver_mail(mailing()) == (1, 0)
    assert subjects(sink)[-1][0] == "pelaksana2@pajak.go.id" and "Tugas untuk Anda" in subjects(sink)[-1][1]
    assert instances.notifications(mailing(), "pelaksana") == []  # assigned to someone else: not told


def test_returned_work_tells_its_author_with_the_note(mailing, smtp) -> None:
    sink, _ = smtp
    with_mail_addresses(mailing)
    cid = new_campaign(mailing)
    do(mailing, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana2"})
    do(mailing, "pelaksana2", "susun_rencana_kerja", cid, WORK_PLAN)
    do(mailing, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "kembalikan", "catatan": "Tambah jadwal sore."})
    deliver_mail(mailing())
    to, subject = subjects(sink)[-1]
    assert to == "pelaksana2@pajak.go.id" and "dikembalikan" in subject and "Tambah jadwal sore." in subject


def test_mail_waits_while_the_server_is_down_and_goes_when_it_is_back(mailing, smtp, clock) -> None:
    sink, controller = smtp
    with_mail_addresses(mailing)
    port = controller.port
    controller.stop()
    new_campaign(mailing)
    assert deliver_mail(mailing()) == (0, 1)
    assert deliver_mail(mailing()) == (0, 0)  # not retried before its time
    with mailing().transaction() as session:
        [row] = session.scalars(select(Outbox).where(Outbox.message_name == "email")).all()
        assert row.delivered_at is None and row.attempts == 1 and row.last_error
    restarted = Controller(sink, hostname="127.0.0.1", port=port)
    restarted.start()
    try:
        clock.set(clock() + timedelta(minutes=2))
        assert run_jobs(mailing()).mails_sent == 1
        assert len(sink.messages) == 1
    finally:
        restarted.stop()


def test_the_api_lists_my_notifications_in_my_language(client, make_ctx) -> None:
    setup_sop(make_ctx)
    new_campaign(make_ctx)
    headers = bearer(make_ctx(), "kasi")
    body = client.get("/api/v1/notifications?lang=en", headers=headers).get_json()
    assert [n["kind"] for n in body] == ["task_open"] and body[0]["url"].startswith("/tugas/")
    assert body[0]["text"].startswith("A task is open for your lane: Menugaskan Pelaksana")
    marked = client.post(f"/api/v1/notifications/{body[0]['id']}/read", headers=headers)
    assert marked.status_code == 200
    assert client.get("/api/v1/notifications?unread=1", headers=headers).get_json() == []


def test_the_requesting_unit_is_mailed_when_its_report_is_sent(mailing, smtp) -> None:
    sink, _ = smtp
    setup_sop(mailing)
    create_user(mailing(), "unit2", ["pengguna_layanan"],
                profile=Profile("Unit Dua", "unit2@pajak.go.id", unit="KPP Pratama Jakarta Gambir Satu"))
    view = campaigns.create_campaign(mailing(), "unit2", "sasaran.csv", sample_target_list(4, bad_rows=False),
                                     "Kampanye unit dua", "")
    to_reporting(mailing, view.id, agents=("agen1",))
    do(mailing, "pelaksana", "susun_laporan", view.id, {"ringkasan_pelaksanaan": "Selesai."})
    do(mailing, "kasi", "teliti_laporan", view.id, {"keputusan": "setuju"})
    do(mailing, "kepala", "tandatangani_laporan", view.id, {"keputusan": "tandatangani"})
    do(mailing, "pkl", "sampaikan_laporan", view.id,
       {"nomor_surat": "S-77/KLIP/2026", "tanggal_kirim": "2026-03-09", "diteruskan_ke_pkl": True})
    deliver_mail(mailing())
    [mail] = [m for m in sink.messages if m["To"] == "unit2@pajak.go.id"]
    assert "S-77/KLIP/2026" in mail["Subject"] and "09-03-2026" in mail["Subject"]
    assert f"https://klip.example/kampanye/{view.id}" in mail.get_content()


def test_a_lane_is_reminded_once_when_a_deadline_is_near_and_once_when_it_has_passed(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    new_campaign(make_ctx)  # step 1 opens Monday 9 March 09:00 WIB, due Tuesday 10 March 16:00 WIB

    def kinds() -> list[str]:
        return sorted(n.kind for n in instances.notifications(make_ctx(), "kasi"))

    clock.set(datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc))  # Tuesday 11:00 WIB
    run_jobs(make_ctx())
    assert kinds() == ["task_open"]
    clock.set(datetime(2026, 3, 10, 5, 30, tzinfo=timezone.utc))  # 12:30 WIB: less than four hours left
    run_jobs(make_ctx())
    run_jobs(make_ctx())
    assert kinds() == ["deadline_near", "task_open"]
    clock.set(datetime(2026, 3, 10, 9, 1, tzinfo=timezone.utc))  # 16:01 WIB
    run_jobs(make_ctx())
    run_jobs(make_ctx())
    assert kinds() == ["deadline_near", "deadline_passed", "task_open"]
    [passed] = [n for n in instances.notifications(make_ctx(), "kasi") if n.kind == "deadline_passed"]
    assert "10-03-2026 16:00 WIB" in passed.message
