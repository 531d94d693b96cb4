"""Lists that hold an office's work: the inbox and the campaign list, searched, filtered, sorted and paged in SQL.

A thousand open tasks are inserted straight into the task index (with their instances and campaigns), as the
engine leaves them: the lists read only the index, never a workflow.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, insert, select

from engine import campaign as campaigns
from engine import pages
from engine.access import TaskScope
from engine.campaign import contacts, status
from engine.errors import NotAuthenticated
from engine.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    Contact,
    Instance,
    Notification,
    ProcessVersion,
    TaskIndex,
    User,
)
from engine.process import runtime
from engine.users import Profile, create_user, set_active, set_roles

from sop_helpers import do, finish_calls, new_campaign, setup_sop, to_distribution
from web_helpers import bearer, has_class, login_as, one, page_tree, rows_of, text_of

N_KASI = 1000  # open tasks in the Kasi's lane
# The campaigns agen1 is a member of and has work in: four of their Pelaksana tasks' (i odd), then their calls'
AGEN1_MEMBER_OF = [N_KASI + 2, N_KASI + 4, N_KASI + 30, N_KASI + 34] + list(range(N_KASI + 41, N_KASI + 51))
KASI_STEPS = (("tugaskan_pelaksana", "Menugaskan Pelaksana menyusun konsep rencana kerja"),
              ("teliti_rencana_kerja", "Meneliti dan menyetujui rencana kerja"),
              ("distribusi_pekerjaan", "Mendistribusikan pekerjaan dan menugaskan agen"))
KASI_LANE, PELAKSANA_LANE, AGEN_LANE = "Kepala Seksi Operasional", "Pelaksana Seksi Operasional", "Agen"
STATUSES = tuple(CampaignStatus)


@dataclass
class Office:
    """What was inserted: the Kasi's tasks (as dicts) and every campaign, for the expected figures."""

    now: datetime
    kasi_tasks: list[dict[str, Any]] = field(default_factory=list)
    campaigns: dict[int, dict[str, Any]] = field(default_factory=dict)

    def title(self, task: dict[str, Any]) -> str:
        return str(self.campaigns[task["instance_id"]]["title"])

    def choices(self, campaign_ids: list[int]) -> list[tuple[int, str]]:
        """(id, title) of these campaigns as the inbox's campaign filter offers them: by title, whatever its case."""
        return sorted(((cid, str(self.campaigns[cid]["title"])) for cid in campaign_ids),
                      key=lambda c: (c[1].lower(), c[0]))

    def counts(self, tasks: list[dict[str, Any]]) -> dict[str, int]:
        """The tab counts the inbox must show for ``tasks`` (the Kasi's, after search and filters)."""
        return {TaskScope.ALL: len(tasks),
                TaskScope.MINE: sum("kasi" in (t["assignee"], t["claimed_by"]) for t in tasks),
                TaskScope.LANE: sum(t["assignee"] is None for t in tasks),
                TaskScope.OVERDUE: sum(t["due_at"] is not None and t["due_at"] < self.now for t in tasks)}


def _insert_office(ctx: Any, now: datetime) -> Office:
    """1,000 READY Kasi tasks in 1,000 campaigns, plus 40 Pelaksana and 10 agent tasks the Kasi may not work;
    the first 60 campaigns have contacts. Rows are inserted in bulk (well under a second)."""
    office = Office(now)
    with ctx.transaction() as session:
        version_id = session.scalar(select(ProcessVersion.id))
        unit_id = session.scalar(select(User.unit_id).where(User.username == "unit"))  # the demo's P2Humas
        campaign_rows, instance_rows, task_rows, contact_rows = [], [], [], []
        for i in range(N_KASI + 50):
            cid = i + 1
            words = "Himbauan SPT Tahunan" if i % 4 == 0 else "Sosialisasi PPN"
            campaign = {"id": cid, "title": f"{words} {cid:04d}" if cid != 7 else "Diskon 100% PBB_2026",
                        "requester": "KPP Pratama Gambir" if i % 7 == 0 else "Kanwil DJP Jakarta", "topic": "",
                        "status": STATUSES[i % len(STATUSES)], "source_filename": "sasaran.csv",
                        "source_sha256": "0" * 64, "import_report": {}, "created_by": "unit" if i % 2 else "pelaksana",
                        "created_at": now - timedelta(days=1, minutes=i), "unit_id": unit_id if i % 2 else None}
            campaign_rows.append(campaign)
            office.campaigns[cid] = campaign
            instance_rows.append({"id": cid, "version_id": version_id, "campaign_id": cid, "status": "running",
                                  "state_json": "{}", "created_at": now, "updated_at": now, "lock_version": 1})
            if i < N_KASI:
                bpmn_id, name = KASI_STEPS[i % 3]
                task = {"task_id": str(uuid.UUID(int=i + 1)), "instance_id": cid, "bpmn_id": bpmn_id, "name": name,
                        "lane": KASI_LANE, "role": "kasi", "assignee": "kasi" if i % 10 == 0 else None,
                        "claimed_by": "kasi" if i % 10 == 5 else None, "form": None, "view": None,
                        "due_at": (None if i % 5 == 1 else now - timedelta(hours=i + 1) if i % 5 == 0
                                   else now + timedelta(hours=i + 1)),
                        "ready_at": now - timedelta(minutes=3 * i + 7)}
                office.kasi_tasks.append(task)
            elif i < N_KASI + 40:  # Pelaksana's lane: some for agen1 (who also holds the pelaksana role)
                task = {"task_id": str(uuid.uuid4()), "instance_id": cid, "bpmn_id": "susun_rencana_kerja",
                        "name": "Menyusun konsep rencana kerja", "lane": PELAKSANA_LANE, "role": "pelaksana",
                        "assignee": "agen1" if i % 2 else "pelaksana", "claimed_by": None, "form": None, "view": None,
                        "due_at": None, "ready_at": now}
            else:
                task = {"task_id": str(uuid.uuid4()), "instance_id": cid, "bpmn_id": "hubungi_wajib_pajak",
                        "name": "Menghubungi Wajib Pajak dan mencatat respon", "lane": AGEN_LANE, "role": "agen",
                        "assignee": "agen1", "claimed_by": None, "form": None, "view": "call_list",
                        "due_at": None, "ready_at": now}
            task_rows.append({**task, "campaign_id": cid, "campaign_title": campaign["title"]})  # as the engine writes
            if i < 60:
                for n in range(3):
                    contact_rows.append({"campaign_id": cid, "row_number": n + 2, "npwp": f"{cid:08d}{n:08d}",
                                         "npwp_raw": "", "name": f"Wajib Pajak {n}", "phones": ["+6281234567890"],
                                         "kpp": "", "extra": {}, "warnings": [], "agent": "agen1",
                                         "attempts": n + i % 3, "final_outcome": "tersampaikan" if n == 0 else None})
        members = [{"campaign_id": cid, "username": "agen1", "since": now} for cid in AGEN1_MEMBER_OF + [1]]
        for model, rows in ((Campaign, campaign_rows), (Instance, instance_rows), (TaskIndex, task_rows),
                            (Contact, contact_rows), (CampaignMember, members)):
            session.execute(insert(model), rows)
    return office


@pytest.fixture
def office(make_ctx, clock) -> Office:
    setup_sop(make_ctx)
    return _insert_office(make_ctx(), clock())


@pytest.fixture
def counted(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Count the app's transactions, SQL statements and workflow deserializations."""
    counts: Counter[str] = Counter()
    engine = app.extensions["klip"].engine

    def on(name: str) -> Any:
        return lambda *_args, **_kwargs: counts.update([name])

    listeners = {name: on(name) for name in ("begin", "commit", "rollback", "before_cursor_execute")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    real = runtime.state_from_json

    def spy(*args: Any, **kwargs: Any) -> Any:
        counts["load"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(runtime, "state_from_json", spy)
    yield counts
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


# --- reading the pages -----------------------------------------------------------------------------------

def inbox_rows(tree: Any) -> list[Any]:
    return tree.xpath(f"//table[{has_class('inbox')}]/tbody/tr")


def task_names(tree: Any) -> list[str]:
    return [text_of(one(row, f".//*[{has_class('task-name')}]")) for row in inbox_rows(tree)]


def tab_counts(tree: Any) -> dict[str, int]:
    """Tab label → the count it shows (the scope tabs of the inbox, the status tabs of the campaign list)."""
    tabs = tree.xpath(f"//nav[{has_class('tabs')}]/a")
    return {text_of(tab).rsplit(" ", 1)[0]: int(text_of(one(tab, f"./span[{has_class('count')}]")).replace(".", ""))
            for tab in tabs}


def pager(tree: Any) -> tuple[str, dict[str, str]]:
    """The pager's "Halaman x dari y" and its links by relation (first, prev, next, last)."""
    nav = one(tree, f"//nav[{has_class('pager')}]")
    return text_of(one(nav, f"./span[{has_class('pager-status')}]")), {a.get("rel"): a.get("href")
                                                                       for a in nav.xpath("./a")}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def summary(tree: Any) -> str:
    return text_of(one(tree, f"//p[{has_class('list-summary')}]"))


def due_order(office: Office, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The inbox's default order: due date (none last), then the longest waiting, then the task id."""
    return sorted(tasks, key=lambda t: (t["due_at"] is None, t["due_at"] or office.now, t["ready_at"], t["task_id"]))


def api_links(response: Any) -> dict[str, dict[str, str]]:
    """The ``Link`` header as relation → query parameters of its target."""
    found = {}
    for part in filter(None, response.headers.get("Link", "").split(",")):
        target, rel = part.split(";")
        assert rel.strip().startswith('rel="') and target.strip().startswith("<http")
        found[rel.strip()[5:-1]] = query_of(target.strip()[1:-1])
    return found


# --- the inbox -------------------------------------------------------------------------------------------

def test_inbox_with_1000_open_tasks_shows_a_page_of_50_and_loads_no_workflow(client, office: Office,
                                                                             counted: Counter[str]) -> None:
    login_as(client, "kasi")
    counted.clear()
    started = time.perf_counter()
    response = client.get("/")
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"\ninbox with {N_KASI} open tasks: {elapsed_ms:.1f} ms, {counted['before_cursor_execute']} statements")
    assert response.status_code == 200
    assert counted["load"] == 0  # no workflow deserialized
    assert (counted["begin"], counted["commit"]) == (1, 1)  # one transaction
    # the user (with roles), the tab counts with the steps, lanes and unread notifications, the page, the campaigns
    assert counted["before_cursor_execute"] <= 4
    html = page_tree(response)
    rows = inbox_rows(html)
    assert len(rows) == 50
    assert summary(html) == "Menampilkan 1–50 dari 1.000 tugas"
    assert tab_counts(html) == {"Semua": 1000, "Milik saya": 200, "Lajur saya": 900, "Terlambat": 200}
    assert tab_counts(html) == {label: office.counts(office.kasi_tasks)[key] for key, label in
                                zip(TaskScope, ("Semua", "Milik saya", "Lajur saya", "Terlambat"), strict=True)}
    status, links = pager(html)
    assert status == "Halaman 1 dari 20" and set(links) == {"next", "last"}
    assert query_of(links["last"]) == {"page": "20"}
    expected = due_order(office, office.kasi_tasks)[:50]
    assert [r.xpath(".//form/@action")[0].split("/")[2] for r in rows if r.xpath(".//form")] == \
        [t["task_id"] for t in expected if t["assignee"] is None and t["claimed_by"] in (None, "kasi")]
    first = rows[0]
    assert "overdue" in first.get("class", "").split() and "Terlambat" in text_of(first)  # shown in words too
    assert text_of(one(first, ".//a[starts-with(@href, '/kampanye/')]")) == office.title(expected[0])


def test_every_page_follows_the_order_and_the_last_page_holds_the_rest(client, office: Office,
                                                                       counted: Counter[str]) -> None:
    login_as(client, "kasi")
    html = page_tree(client.get("/?page=20"))
    expected = due_order(office, office.kasi_tasks)
    assert len(inbox_rows(html)) == 50 and summary(html) == "Menampilkan 951–1.000 dari 1.000 tugas"
    status, links = pager(html)
    assert status == "Halaman 20 dari 20" and set(links) == {"first", "prev"}
    assert query_of(links["prev"]) == {"page": "19"}
    assert all(t["due_at"] is None for t in expected[950:])  # no due date: last
    assert {text_of(one(row, "./td[5]")) for row in inbox_rows(html)} == {"—"}
    assert page_tree(client.get("/?page=9999")).xpath("//span[@class='pager-status']/text()") == ["Halaman 20 dari 20"]
    counted.clear()
    html = page_tree(client.get("/?sort=age&per_page=200&page=2"))
    by_age = sorted(office.kasi_tasks, key=lambda t: (t["ready_at"], t["task_id"]))[200:400]
    claimable = [r.xpath(".//form/@action")[0].split("/")[2] for r in inbox_rows(html) if r.xpath(".//form")]
    assert claimable == [t["task_id"] for t in by_age if t["assignee"] is None]
    assert counted["load"] == 0 and summary(html) == "Menampilkan 201–400 dari 1.000 tugas"
    assert one(html, "//th[@aria-sort]").text_content().strip() == "Menunggu"


def test_search_and_filters_narrow_the_list_and_the_tab_counts(client, office: Office) -> None:
    login_as(client, "kasi")
    html = page_tree(client.get("/?q=himbauan+tahunan&step=teliti_rencana_kerja&sort=campaign"))
    wanted = [t for t in office.kasi_tasks
              if "Himbauan SPT Tahunan" in office.title(t) and t["bpmn_id"] == "teliti_rencana_kerja"]
    assert len(wanted) == 83
    assert tab_counts(html) == dict(zip(("Semua", "Milik saya", "Lajur saya", "Terlambat"),
                                        office.counts(wanted).values(), strict=True))
    titles = [text_of(one(r, ".//a[starts-with(@href, '/kampanye/')]")) for r in inbox_rows(html)]
    assert titles == sorted(office.title(t) for t in wanted)[:50]
    assert set(task_names(html)) == {"Meneliti dan menyetujui rencana kerja"}
    # every link and form keeps the search and the filters
    for tab in html.xpath(f"//nav[{has_class('tabs')}]/a/@href"):
        assert {k: v for k, v in query_of(tab).items() if k != "filter"} == \
            {"q": "himbauan tahunan", "step": "teliti_rencana_kerja", "sort": "campaign"}
    _, links = pager(html)
    assert query_of(links["next"]) == {"q": "himbauan tahunan", "step": "teliti_rencana_kerja", "sort": "campaign",
                                       "page": "2"}
    form = one(html, "//form[@role='search']")
    assert form.get("method") == "get"
    assert one(form, ".//input[@name='q']").get("value") == "himbauan tahunan"
    assert one(form, ".//select[@name='step']/option[@selected]").get("value") == "teliti_rencana_kerja"
    assert one(form, ".//select[@name='sort']/option[@selected]").get("value") == "campaign"
    # the overdue tab with the same filters
    overdue = page_tree(client.get("/?q=himbauan+tahunan&step=teliti_rencana_kerja&filter=overdue"))
    assert len(inbox_rows(overdue)) == office.counts(wanted)[TaskScope.OVERDUE] == 16
    # one campaign; a search that finds nothing
    html = page_tree(client.get("/?campaign=7"))
    assert [text_of(one(r, ".//a[starts-with(@href, '/kampanye/')]")) for r in inbox_rows(html)] == \
        ["Diskon 100% PBB_2026"]
    assert one(html, "//select[@name='campaign']/option[@selected]").text_content() == "Diskon 100% PBB_2026"
    html = page_tree(client.get("/?campaign=1000"))  # beyond the 100 offered: still shown as chosen, by title
    assert one(html, "//select[@name='campaign']/option[@selected]").text_content() == "Sosialisasi PPN 1000"
    assert len(inbox_rows(html)) == 1
    html = page_tree(client.get("/?q=%25"))  # % and _ are searched literally
    assert len(inbox_rows(html)) == 1 and tab_counts(html)["Semua"] == 1
    html = page_tree(client.get("/?q=PBB_"))
    assert len(inbox_rows(html)) == 1
    html = page_tree(client.get("/?q=tidak-ada-yang-cocok"))
    assert not inbox_rows(html) and tab_counts(html) == {"Semua": 0, "Milik saya": 0, "Lajur saya": 0, "Terlambat": 0}
    empty = text_of(one(html, f"//div[{has_class('empty-state')}]"))
    assert "Tidak ada tugas yang cocok" in empty and "Hapus saringan" in empty


def test_the_filter_form_is_labelled_and_offers_only_my_work(client, office: Office) -> None:
    html = page_tree(login_as(client, "kasi").get("/"))
    form = one(html, "//form[@role='search']")
    controls = form.xpath(".//input[not(@type='hidden')] | .//select")
    assert [c.get("name") for c in controls] == ["q", "campaign", "step", "sort"]  # one lane: no lane filter
    for control in controls:
        assert one(form, ".//label[@for=$id]", id=control.get("id")).text_content().strip()
    assert one(form, ".//button[@type='submit']").text_content().strip() == "Terapkan"
    steps = [o.get("value") for o in form.xpath(".//select[@name='step']/option")]
    assert steps == ["", "distribusi_pekerjaan", "teliti_rencana_kerja", "tugaskan_pelaksana"]  # by name
    options = form.xpath(".//select[@name='campaign']/option")  # the first 100 by title, then a hint to search
    assert len(options) == 102 and options[-1].get("disabled") is not None
    assert [o.text_content() for o in options[1:3]] == ["Diskon 100% PBB_2026", "Himbauan SPT Tahunan 0001"]
    assert one(html, f"//nav[{has_class('tabs')}]/a[@aria-current='page']").text_content().split()[0] == "Semua"
    # agen1 works two lanes (agen, pelaksana): a lane filter, and only their own tasks are counted
    html = page_tree(login_as(client, "agen1").get("/"))
    assert [o.text_content() for o in html.xpath("//select[@name='lane']/option")] == \
        ["Semua lajur", AGEN_LANE, PELAKSANA_LANE]
    assert tab_counts(html)["Semua"] == 30  # 20 pelaksana tasks assigned to agen1, 10 calls
    html = page_tree(client.get("/?lane=Agen"))
    assert tab_counts(html)["Semua"] == 10 and set(task_names(html)) == {"Menghubungi Wajib Pajak dan mencatat respon"}


def test_claiming_from_a_filtered_page_returns_to_it(client, office: Office) -> None:
    login_as(client, "kasi")
    html = page_tree(client.get("/?q=sosialisasi&filter=lane&page=2"))
    form = html.xpath("//table//form")[0]  # an overdue task claimed by the Kasi: release it
    fields = {i.get("name"): i.get("value") for i in form.xpath("./input[@type='hidden'][@name!='csrf_token']")}
    assert fields == {"q": "sosialisasi", "filter": "lane", "page": "2"}
    response = client.post(form.get("action"), data=fields)
    assert response.status_code == 302
    assert query_of(response.headers["Location"]) == {"q": "sosialisasi", "filter": "lane", "page": "2"}


def test_the_inbox_counts_unread_notifications_for_users_with_and_without_work(client, make_ctx,
                                                                              office: Office) -> None:
    """The unread count rides on the tab counts' statement; a user with no work (no row to carry it) sees it too."""
    with make_ctx().transaction() as session:
        ids = {username: user_id for username, user_id in session.execute(select(User.username, User.id))}
        session.execute(insert(Notification), [
            {"user_id": ids[username], "created_at": office.now, "message": "m", "kind": "task_open",
             "ref": f"{username}:{n}", "read_at": office.now if n == 0 else None}
            for username, n in [("kasi", 0), ("kasi", 1), ("kasi", 2), ("unit", 0), ("unit", 1)]])
    for username, work, notice in (("kasi", 1000, "2 pemberitahuan belum dibaca"),
                                   ("unit", 0, "1 pemberitahuan belum dibaca"),
                                   ("kepala", 0, "Tidak ada pemberitahuan baru")):
        html = page_tree(login_as(client, username).get("/"))
        assert text_of(one(html, f"//a[{has_class('notice-link')}]")) == notice, username
        assert tab_counts(html)["Semua"] == work, username


def test_bad_inbox_parameters_fall_back_to_the_defaults(client, office: Office) -> None:
    login_as(client, "kasi")
    for query in ("sort=bogus", "per_page=abc", "page=-1", "filter=nonsense", "campaign=x", "per_page=100000",
                  "q=" + "x" * 5000):
        response = client.get(f"/?{query}")
        assert response.status_code == 200, query
    html = page_tree(client.get("/?per_page=abc&sort=bogus"))
    assert len(inbox_rows(html)) == 50 and pager(html)[0] == "Halaman 1 dari 20"


def test_english_inbox_list_controls(client, office: Office) -> None:
    login_as(client, "kasi")
    client.get("/bahasa/en")
    html = page_tree(client.get("/?page=2"))
    assert summary(html) == "Showing 51–100 of 1,000 tasks"
    assert pager(html)[0] == "Page 2 of 20"
    assert [text_of(a) for a in html.xpath(f"//nav[{has_class('pager')}]/a")] == \
        ["« First", "‹ Previous", "Next ›", "Last »"]
    form = one(html, "//form[@role='search']")
    assert [text_of(label) for label in form.xpath(".//label")] == ["Search", "Campaigns", "Step", "Sort by"]
    assert one(form, ".//button").text_content().strip() == "Apply"


# --- the task API ------------------------------------------------------------------------------------------

def test_task_api_pages_with_total_and_links(client, make_ctx, office: Office, counted: Counter[str]) -> None:
    headers = bearer(make_ctx(), "kasi")
    counted.clear()
    response = client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 200 and counted["load"] == 0 and counted["begin"] == 1
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 50
    assert [t["id"] for t in body] == [t["task_id"] for t in due_order(office, office.kasi_tasks)[:50]]
    assert response.headers["X-Total-Count"] == "1000"
    assert api_links(response) == {"next": {"page": "2"}, "last": {"page": "20"}}
    response = client.get("/api/v1/tasks?per_page=200&page=3&q=sosialisasi&scope=lane", headers=headers)
    wanted = [t for t in office.kasi_tasks if "Sosialisasi" in office.title(t) and t["assignee"] is None]
    assert response.headers["X-Total-Count"] == str(len(wanted)) == "699"
    assert len(response.get_json()) == 200
    common = {"q": "sosialisasi", "scope": "lane", "per_page": "200"}
    assert api_links(response) == {"first": {**common, "page": "1"}, "prev": {**common, "page": "2"},
                                   "next": {**common, "page": "4"}, "last": {**common, "page": "4"}}
    response = client.get("/api/v1/tasks?per_page=200&page=4&q=sosialisasi&scope=lane", headers=headers)
    assert [t["id"] for t in response.get_json()] == [t["task_id"] for t in due_order(office, wanted)[600:]]
    assert len(response.get_json()) == 99 and set(api_links(response)) == {"first", "prev"}
    response = client.get("/api/v1/tasks?page=21", headers=headers)  # past the last page: empty, not an error
    assert response.get_json() == [] and response.headers["X-Total-Count"] == "1000"
    assert api_links(response) == {"first": {"page": "1"}, "prev": {"page": "20"}, "last": {"page": "20"}}
    response = client.get("/api/v1/tasks?campaign=7&step=tugaskan_pelaksana", headers=headers)
    assert [t["campaign_id"] for t in response.get_json()] == [7] and "Link" not in response.headers
    response = client.get("/api/v1/tasks?step=Meneliti dan menyetujui rencana kerja&sort=age", headers=headers)
    assert response.headers["X-Total-Count"] == "333"


@pytest.mark.parametrize(("query", "name"), [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=201", "per_page"), ("per_page=0", "per_page"),
    ("sort=title", "sort"), ("scope=everything", "scope"), ("campaign=abc", "campaign"), ("campaign=0", "campaign"),
    ("q=" + "x" * 201, "q"), ("step=" + "s" * 129, "step"), ("lane=" + "l" * 129, "lane"),
])
def test_bad_task_api_parameters_are_422_naming_the_parameter(client, make_ctx, office: Office, query: str,
                                                              name: str) -> None:
    response = client.get(f"/api/v1/tasks?{query}", headers=bearer(make_ctx(), "kasi"))
    body = response.get_json()
    assert response.status_code == 422 and body["error"] == "invalid_input" and list(body["fields"]) == [name]


# --- the campaign list -----------------------------------------------------------------------------------

def test_campaign_list_pages_searches_and_counts_statuses(client, office: Office) -> None:
    login_as(client, "kasi")
    html = page_tree(client.get("/kampanye"))
    assert summary(html) == "Menampilkan 1–50 dari 1.050 kampanye"
    assert tab_counts(html) == {"Semua": 1050, "Perencanaan": 210, "Penyampaian informasi": 210, "Pelaporan": 210,
                                "Pengiriman laporan": 210, "Selesai": 210}
    table = one(html, f"//table[{has_class('campaign-table')}]")
    assert [row[0].split(" #")[0] for row in rows_of(table)][:3] == \
        ["Himbauan SPT Tahunan 0001", "Sosialisasi PPN 0002", "Sosialisasi PPN 0003"]  # newest first
    assert pager(html)[0] == "Halaman 1 dari 21"
    html = page_tree(client.get("/kampanye?q=gambir&status=selesai&sort=title"))
    wanted = sorted(c["title"] for c in office.campaigns.values()
                    if "Gambir" in c["requester"] and c["status"] == CampaignStatus.SELESAI)
    assert [row[0].split(" #")[0] for row in rows_of(one(html, "//table"))] == wanted[:50]
    gambir = [c for c in office.campaigns.values() if "Gambir" in c["requester"]]
    assert tab_counts(html)["Semua"] == len(gambir) == 150
    assert tab_counts(html)["Selesai"] == len(wanted) == 30
    for href in html.xpath(f"//nav[{has_class('tabs')}]/a/@href"):
        assert {k: v for k, v in query_of(href).items() if k != "status"} == {"q": "gambir", "sort": "title"}
    assert one(html, f"//nav[{has_class('tabs')}]/a[@aria-current='page']").text_content().split()[0] == "Selesai"
    form = one(html, "//form[@role='search']")
    assert {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")} == {"status": "selesai"}
    for control in form.xpath(".//input[not(@type='hidden')] | .//select"):
        assert one(form, ".//label[@for=$id]", id=control.get("id")).text_content().strip()
    html = page_tree(client.get("/kampanye?q=tidak-ada"))
    assert "Tidak ada kampanye yang cocok dengan pencarian ini." in text_of(one(html, "//section[@class='card empty']"))


def test_campaign_list_rows_show_status_badges_and_progress_bars_in_the_reader_language(client, office: Office) -> None:
    """Each row's status badge (its label in the page's language, its colour a class) and progress bar (values for
    assistive technology, the figures as a tooltip, the bar's width); the language switched back and forth."""
    colours = {CampaignStatus.PERENCANAAN: "", CampaignStatus.PENYAMPAIAN: "amber", CampaignStatus.PELAPORAN: "amber",
               CampaignStatus.PENGIRIMAN: "", CampaignStatus.SELESAI: "green"}
    login_as(client, "kasi")
    for lang in ("id", "en", "id"):
        client.get(f"/bahasa/{lang}")
        for code, colour in colours.items():
            table = one(page_tree(client.get(f"/kampanye?status={code}&per_page=5")), "//table")
            badges = {(text_of(badge), badge.get("class")) for badge in table.xpath("./tbody/tr/td[3]/span")}
            assert badges == {(status.label(code, lang), f"badge {colour}")}, (lang, code)
        bar = one(page_tree(client.get("/kampanye?per_page=5")), "//table/tbody/tr[1]/td[4]/div[@role='progressbar']")
        values = [bar.get(a) for a in ("aria-valuemin", "aria-valuenow", "aria-valuemax", "title")]
        assert values == ["0", "1", "3", "1 / 3"]
        assert one(bar, "./span").get("style") == "width: 33.3%"
    assert status.label(CampaignStatus.SELESAI, "en") != status.label(CampaignStatus.SELESAI, "id")


def test_campaign_list_reads_progress_in_one_query_whatever_the_page_size(client, office: Office,
                                                                           counted: Counter[str]) -> None:
    login_as(client, "kasi")
    statements = []
    for size in (5, 200):
        counted.clear()
        response = client.get(f"/kampanye?per_page={size}")
        assert response.status_code == 200 and counted["load"] == 0 and counted["begin"] == 1
        statements.append(counted["before_cursor_execute"])
    assert statements[0] == statements[1] <= 4  # user (with roles), status counts, page (with instances), progress
    table = one(page_tree(response), "//table")
    progress = [text_of(cell) for cell in table.xpath("./tbody/tr/td[4]/div[@class='small muted']")]
    assert progress[0] == "1 dari 3 kontak selesai · 3 panggilan"  # campaign 1: attempts 0 + 1 + 2
    assert progress[1] == "1 dari 3 kontak selesai · 6 panggilan"
    assert progress[60] == "0 dari 0 kontak selesai · 0 panggilan"


def test_campaign_progress_matches_the_per_campaign_figures(client, make_ctx) -> None:
    setup_sop(make_ctx)
    first, second = new_campaign(make_ctx), new_campaign(make_ctx, 4)
    to_distribution(make_ctx, first)
    do(make_ctx, "kasi", "distribusi_pekerjaan", first, {"agen": ["agen1", "agen2"]})
    finish_calls(make_ctx, first, "agen1")
    ctx = make_ctx()
    with ctx.transaction() as session:
        expected = {cid: contacts.progress(session, cid) for cid in (first, second)}
        assert contacts.progress_by_campaign(session, [first, second, 999]) == \
            {**expected, 999: dict.fromkeys(contacts.PROGRESS_KEYS, 0)}
    listed = pages.campaign_list(make_ctx(), "kasi")
    assert {c.id: c.progress for c in listed.campaigns} == expected
    assert {c.id: c.progress for c in campaigns.list_campaigns(make_ctx(), "kasi")} == expected
    assert [c.instance_id for c in listed.campaigns] == \
        [c.instance_id for c in campaigns.list_campaigns(make_ctx(), "kasi")]
    # the requesting unit sees its own campaigns only
    create_user(make_ctx(), "unit2", ["pengguna_layanan"], profile=Profile(unit="KPP Pratama Jakarta Gambir Satu"))
    assert pages.campaign_list(make_ctx(), "unit2").total == 0
    assert pages.campaign_list(make_ctx(), "unit").total == 2


def test_campaign_api_pages_filters_and_refuses_bad_parameters(client, make_ctx, office: Office) -> None:
    headers = bearer(make_ctx(), "unit")  # sees the 525 campaigns it submitted
    response = client.get("/api/v1/campaigns", headers=headers)
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 50 and response.headers["X-Total-Count"] == "525"
    assert set(body[0]) >= {"id", "title", "status", "instance_id", "progress"}
    assert body[0]["id"] == 2 and body[0]["instance_id"] == 2  # newest first
    assert api_links(response) == {"next": {"page": "2"}, "last": {"page": "11"}}
    response = client.get("/api/v1/campaigns?status=pelaporan&q=sosialisasi&sort=title&per_page=10", headers=headers)
    wanted = sorted((c for c in office.campaigns.values() if c["created_by"] == "unit"
                     and c["status"] == CampaignStatus.PELAPORAN and "Sosialisasi" in c["title"]),
                    key=lambda c: c["title"].lower())
    assert response.headers["X-Total-Count"] == str(len(wanted)) == "105"
    assert [c["title"] for c in response.get_json()] == [c["title"] for c in wanted][:10]
    assert api_links(response)["next"] == {"status": "pelaporan", "q": "sosialisasi", "sort": "title", "per_page": "10",
                                           "page": "2"}
    for query, name in (("status=berjalan", "status"), ("sort=due", "sort"), ("per_page=500", "per_page"),
                        ("page=x", "page"), ("q=" + "q" * 201, "q")):
        response = client.get(f"/api/v1/campaigns?{query}", headers=headers)
        assert response.status_code == 422 and list(response.get_json()["fields"]) == [name], query


# --- statements built once per shape ---------------------------------------------------------------------

def test_users_of_one_shape_see_their_own_and_a_role_change_counts_on_the_next_request(make_ctx,
                                                                                      office: Office) -> None:
    """The lists' statements are built once per shape (which access rules apply, which filters are asked for) and
    run with the values of the user asking: users of one shape, asking in turn, each see their own; nothing of a
    user is kept between requests."""
    create_user(make_ctx(), "unit2", ["pengguna_layanan"], profile=Profile(unit="KPP Pratama Jakarta Gambir Satu"))
    for _ in range(2):  # the second round runs the statements the first one built
        assert pages.campaign_list(make_ctx(), "unit").total == 525  # two requesting units' users
        assert pages.campaign_list(make_ctx(), "unit2").total == 0
        assert pages.campaign_list(make_ctx(), "unit", pages.CampaignFilters(q="gambir")).total == 75
        assert pages.campaign_list(make_ctx(), "unit2", pages.CampaignFilters(q="gambir")).total == 0
        agen1, pelaksana = pages.inbox(make_ctx(), "agen1"), pages.inbox(make_ctx(), "pelaksana")
        assert agen1.counts[TaskScope.ALL] == 30  # two members: each their own tasks
        assert pelaksana.counts[TaskScope.ALL] == 20
        # and each their own campaigns to filter by, by title: agen1 (an agent) those with work they are a member of
        assert list(agen1.campaigns) == office.choices(AGEN1_MEMBER_OF)
        assert pelaksana.campaigns == ()  # a member of none of them
        mine = pages.inbox(make_ctx(), "kasi", pages.TaskFilters(scope=TaskScope.MINE))
        assert mine.counts[TaskScope.MINE] == mine.paging.total == 200  # assigned to or claimed by the Kasi
    with make_ctx().transaction() as session:
        set_roles(session, "unit2", ["pengguna_layanan", "kasi"])
    assert pages.campaign_list(make_ctx(), "unit2").total == 1050  # an office role now: every campaign
    inbox = pages.inbox(make_ctx(), "unit2", pages.TaskFilters(scope=TaskScope.MINE))
    assert inbox.counts[TaskScope.ALL] == 900 and inbox.paging.total == 0  # the Kasi's lane, not what is the Kasi's
    with make_ctx().transaction() as session:
        set_roles(session, "unit2", ["pengguna_layanan"])
    assert pages.campaign_list(make_ctx(), "unit2").total == 0
    assert pages.inbox(make_ctx(), "unit2").counts[TaskScope.ALL] == 0
    with make_ctx().transaction() as session:
        set_active(session, "unit", False)
    with pytest.raises(NotAuthenticated):
        pages.campaign_list(make_ctx(), "unit")


@pytest.mark.parametrize(("endpoint", "name", "values"), [
    ("tasks.task", "task_id", ["3f2c9a1e-0b7d-4c55-9e21-6a0f1d2e3b4c", "a b/c?d#e%f", "ümlaut&x=1", "x;y@z",
                               "o'neil&<b>"]),
    ("campaigns.show", "campaign_id", [1, 42, 2**31 - 1]),
])
def test_row_url_builds_the_address_url_for_would(app, endpoint: str, name: str, values: list[Any]) -> None:
    """A list builds each row's link once per page (``row_url``); the link a reader follows is the same one
    ``url_for`` gives, whatever characters a task id holds — and written into an attribute, escaped as autoescape
    would escape it."""
    from flask import url_for
    from markupsafe import escape

    from webapp.listing import row_url

    with app.test_request_context("/"):
        build, attribute = row_url(endpoint, name), row_url(endpoint, name, html=True)
        assert [build(value) for value in values] == [url_for(endpoint, **{name: value}) for value in values]
        assert [attribute(value) for value in values] == [escape(url_for(endpoint, **{name: value}))
                                                          for value in values]


@pytest.mark.parametrize(("endpoint", "params"), [
    ("tasks.inbox", {}),
    ("tasks.inbox", {"filter": "mine", "q": "himbauan tahunan", "campaign": 7}),
    ("tasks.inbox", {"q": "a&b=c?d#e/f", "step": "ümlaut ñ", "lane": None, "sort": "o'neil;x@y,(z)!*$"}),
    ("campaigns.index", {"status": "berjalan", "q": "100% PBB+2026", "per_page": 200}),
])
def test_list_url_builds_the_link_url_for_would(app, endpoint: str, params: dict[str, Any]) -> None:
    """A list page builds its tabs' and pager's links from one address (``list_url``); each link is the one
    ``url_for`` gives for the same parameters, whatever characters a search holds."""
    from flask import url_for

    from webapp.listing import list_url

    with app.test_request_context("/"):
        assert list_url(endpoint)(**params) == url_for(endpoint, **params)
        assert list_url(endpoint)(page=2, **params) == url_for(endpoint, page=2, **params)
