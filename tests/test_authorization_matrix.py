"""Every route of the app × every kind of user: nobody gets past authorization who should not.

The routes come from the app's URL map (a new route without an expectation here fails the test); the identities
are anonymous, one user per role, agents on and off the campaign, a user of another unit and a deactivated user.
A request is *refused* when it answers 401, 403 or 404 (or sends an anonymous browser to the login page);
anything else (200, a redirect, 409, 422 …) means it got past authorization.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from engine import campaign as campaigns
from engine import drafts, users
from engine.demo import sample_target_list
from engine.models import Notification, User
from engine.settings import MODELS_DIR
from engine.users import create_user
from engine.walkthrough import task_for
from engine.workdays import set_override
from webapp import create_app

from sop_helpers import do, instance_of, new_campaign, setup_sop, to_distribution
from web_helpers import bearer, login_as

OFFICE = {"kasi", "kepala", "pkl", "kasipkl", "admin"}  # every campaign
ALL_CONTACTS = {"kasi", "kepala", "pkl", "admin"}  # every contact of a campaign
AGENTS = {"agen1", "agen7", "agen9"}
STAFF = OFFICE | AGENTS | {"pelaksana"}
UPLOADERS = {"kasi", "pelaksana", "agen1", "unit", "kpp"}  # agen1 is a Pelaksana too
IDENTITIES = ("anon", "off", *sorted(STAFF), "unit", "kpp")
SIGNED_IN = set(IDENTITIES) - {"anon", "off"}
ON_A = OFFICE | {"pelaksana", "agen1", "agen7", "unit"}  # campaign A: its unit, its Pelaksana and agents
INTERNAL_ON_A = ON_A - {"agen7", "unit"}  # agen7 is an agent only; the unit waits for the signed report
TRAIL_ON_A = ON_A - {"agen7"}


@dataclass
class World:
    campaign: int  # A: the unit's campaign, at step 5 with agen1 and agen7
    instance: int
    contact: int  # one of agen7's contacts, called once
    lane_task: str  # B: the other unit's campaign at step 1, open to the Kasi's lane
    notification: int  # agen7's
    tokens: dict[str, str]


# endpoint → who gets past authorization (with the World's resources filled into the URL)
EXPECTED: dict[str, set[str]] = {
    "tasks.inbox": SIGNED_IN, "tasks.notifications": SIGNED_IN, "campaigns.index": SIGNED_IN,
    "campaigns.sample_file": UPLOADERS, "auth.logout": SIGNED_IN | {"off"},  # anyone signed in may sign out
    "auth.login": set(IDENTITIES), "set_language": set(IDENTITIES), "healthz": set(IDENTITIES),
    "campaigns.upload": UPLOADERS,
    "campaigns.show": ON_A, "calls.next_contact": ON_A, "campaigns.report": INTERNAL_ON_A,
    "campaigns.report_pdf": set(),  # not signed yet: nobody
    "campaigns.calls_xlsx": INTERNAL_ON_A, "api.calls_xlsx": INTERNAL_ON_A,  # the report's annex: its readers
    "dashboard.index": OFFICE, "dashboard.export": OFFICE,  # the operations or the quality part
    "calls.call_list": {"agen1", "agen7"}, "calls.contact": ALL_CONTACTS | {"agen7"}, "calls.record": {"agen7"},
    "instances.show": TRAIL_ON_A,
    "tasks.task": {"kasi"}, "tasks.claim": {"kasi"}, "tasks.unclaim": {"kasi"}, "tasks.comment": {"kasi"},
    "tasks.read_notification": {"agen7"},
    "docs.index": STAFF, "docs.performance": STAFF, "docs.bpmn_file": STAFF, "docs.sop_document": STAFF,
    "docs.sop_appendix": STAFF,
    "api.campaign_list": SIGNED_IN, "api.task_list": SIGNED_IN, "api.notification_list": SIGNED_IN,
    "api.create_campaign": UPLOADERS, "api.campaign": ON_A, "api.contacts": ALL_CONTACTS,
    "api.report": INTERNAL_ON_A, "api.report_pdf": set(), "api.record_call": {"agen7"},
    "api.instance": TRAIL_ON_A, "api.task": {"kasi"}, "api.complete_task": {"kasi"},
    "api.notification_read": {"agen7"},
    "quality.results": OFFICE | AGENTS, "api.quality_results": OFFICE | AGENTS,  # an agent: its own results
    # Moving work from an absent holder: the Kasi (B's step 1 is the Kasi's lane; agen7 runs step 5 on A).
    "reassign.task": {"kasi"}, "reassign.agent": {"kasi"}, "api.reassign_task": {"kasi"},
    # The administrator's pages (the user is ``spare``, the unit the demo's first, the day an override's).
    **dict.fromkeys(("admin.users", "admin.new_user", "admin.user", "admin.user_active", "admin.user_password",
                     "admin.user_tokens", "admin.units_page", "admin.unit", "admin.unit_active", "admin.calendar",
                     "admin.calendar_remove"), {"admin"}),
    "campaigns.access_log": OFFICE,  # who was shown which taxpayers' data (UU PDP)
    # The process analysts' pages: role analis only (the demo's administrator holds it too); draft 1 is admin's.
    **dict.fromkeys(("analyst.index", "analyst.version", "analyst.diff", "analyst.upload", "analyst.draft",
                     "analyst.deploy", "analyst.modeler", "analyst.modeler_save", "analyst.migration",
                     "analyst.migrate"), {"admin"}),
}


@pytest.fixture
def world(make_ctx) -> World:
    setup_sop(make_ctx)
    create_user(make_ctx(), "agen7", ["agen"], full_name="Agen Tujuh")
    create_user(make_ctx(), "agen9", ["agen"], full_name="Agen Sembilan")
    create_user(make_ctx(), "off", ["kasi"], full_name="Kasi nonaktif")
    create_user(make_ctx(), "spare", ["agen"], full_name="Akun yang diubah administrator")
    set_override(make_ctx(), "admin", OVERRIDE_DAY, True, "Hari kerja pengganti")
    cid = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen7"]})
    contact = campaigns.list_contacts(make_ctx(), "agen7", cid)[0]
    campaigns.record_call(make_ctx(), "agen7", contact.id, "sibuk")
    other = campaigns.create_campaign(make_ctx(), "kpp", "b.csv", sample_target_list(3, bad_rows=False), "B", "")
    tokens = {name: bearer(make_ctx(), name)["Authorization"] for name in SIGNED_IN | {"off"}}
    with make_ctx().transaction() as session:
        users.set_active(session, "off", False)
        agen7 = session.scalars(select(User.id).where(User.username == "agen7")).one()
        note = session.scalars(select(Notification.id).where(Notification.user_id == agen7)).first()
    assert note is not None
    lane_task = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", other.id).id
    drafts.upload(make_ctx(), "admin", [("lip20-0008.bpmn", (MODELS_DIR / "lip20-0008.bpmn").read_bytes())])
    return World(cid, instance_of(make_ctx, cid), contact.id, lane_task, note, tokens)


OVERRIDE_DAY = date(2026, 3, 7)  # a Saturday made a working day


def url_of(rule: Any, world: World) -> str:
    values = {"campaign_id": world.campaign, "contact_id": world.contact, "instance_id": world.instance,
              "task_id": world.lane_task, "notification_id": world.notification, "version_id": 1, "lang": "en",
              "process_id": "lip20_0008", "agent": "agen7", "username": "spare", "unit_id": 1,
              "day": OVERRIDE_DAY.isoformat(), "draft_id": 1}
    return str(rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1])


def refused(response: Any) -> bool:
    """401/403/404, or a browser sent to log in first (``/login?next=…``; logging out ends on ``/login`` too)."""
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/login?next=" in response.headers.get("Location", "")


def request(client: Any, world: World, who: str, method: str, path: str) -> Any:
    if path.startswith("/api/"):
        headers = {"Authorization": world.tokens[who]} if who != "anon" else {}
        body = {} if method == "POST" else None
        return client.open(path, method=method, headers=headers, json=body)
    if who not in ("anon",):
        login_as(client, who)
    return client.open(path, method=method, data={})


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|\son[a-z]+=[\"']",
                           re.IGNORECASE)


def header_faults(response: Any) -> list[str]:
    """What a response lacks of the headers every response carries (issue 11), and any inline script in a page."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    faults = [name for name, ok in (
        ("CSP script-src 'self' only", "script-src 'self';" in csp + ";" and "unsafe-eval" not in csp),
        ("frame-ancestors 'none'", "frame-ancestors 'none'" in csp),
        ("X-Frame-Options", headers.get("X-Frame-Options") == "DENY"),
        ("nosniff", headers.get("X-Content-Type-Options") == "nosniff"),
        ("Referrer-Policy", bool(headers.get("Referrer-Policy"))),
        ("Cache-Control: no-store", headers.get("Cache-Control") == "no-store"),
    ) if not ok]
    if response.mimetype == "text/html" and INLINE_SCRIPT.search(response.get_data(as_text=True)):
        faults.append("inline script")
    return faults


def test_every_route_refuses_everyone_it_should(app, make_ctx, world: World) -> None:
    """… and every answer, allowed or refused, carries the security headers and no inline script."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert {r.endpoint for r in rules} == set(EXPECTED), "a route without an expectation (or the reverse)"
    unexpected = []
    for rule in rules:
        path = url_of(rule, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for who in IDENTITIES:
                client = app.test_client()
                response = request(client, world, who, method, path)
                if faults := header_faults(response):
                    unexpected.append(f"{method} {path} as {who}: {response.status_code} without {faults}")
                allowed = not refused(response)
                if allowed != (who in EXPECTED[rule.endpoint]) and not (method == "POST" and rule.endpoint in (
                        "auth.login",)):
                    unexpected.append(f"{method} {path} as {who}: {response.status_code} "
                                      f"(expected {'allowed' if who in EXPECTED[rule.endpoint] else 'refused'})")
    assert unexpected == [], "\n".join(unexpected)


def test_every_form_route_refuses_a_post_without_its_csrf_token(settings, clock, make_ctx, world: World) -> None:
    """Every browser route taking a POST (the URL map, not a list kept by hand) answers 400 without the token."""
    app = create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": True})
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")]
    assert len(posts) >= 8
    accepted = []
    for rule in posts:
        client = login_as(app.test_client(), "kasi")
        response = client.post(url_of(rule, world), data={"text": "x", "username": "kasi", "password": "x"})
        if response.status_code != 400:
            accepted.append(f"POST {rule.rule}: {response.status_code}")
    assert accepted == []
    app.extensions["klip"].engine.dispose()
