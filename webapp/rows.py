"""The table rows of the two busiest lists, the inbox and the campaign list, written in Python rather than in Jinja:
a page shows 50 rows of about 25 escaped values each, and the template spent more on passing each piece through than
on the page's data (see README, *Measured*).
Every value is escaped with markupsafe as Jinja's autoescape would; the markup is the template's, row for row.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from engine.i18n import N_, translate
from engine.pages import CampaignRow
from engine.tasks import TaskView

from .filters import PageTimes, number_in, progress_bar_in, status_badge
from .i18n import p_, t
from .listing import row_url

LANG_ID = ' lang="id"'  # campaign titles and task names are written in Indonesian whatever the UI language
DONE, CALLS = N_("{final} dari {contacts} kontak selesai"), N_("{n} panggilan")  # a campaign row's progress


@dataclass(frozen=True)
class InboxTexts:
    """The texts every inbox row shows alike, translated and escaped once per page."""

    overdue: Markup
    campaign: Markup
    lane: Markup
    holder: Markup
    due: Markup
    waiting: Markup
    ready_since: Markup
    assigned: Markup
    claimed: Markup
    open_to_lane: Markup
    open_task: Markup

    @classmethod
    def of_request(cls) -> InboxTexts:
        """The texts in the request's language."""
        return cls(*(escape(text) for text in (
            t("Terlambat"), p_("one", "Kampanye"), t("Lajur"), t("Penanggung jawab"), t("Batas waktu"), t("Menunggu"),
            t("Siap sejak"), t("ditugaskan"), t("diklaim"), t("Terbuka untuk lajur"), t("Buka"))))


class _Escaped(dict[str, Markup]):
    """Texts escaped once for all the rows of a page that show them (``escape`` costs more than a lookup)."""

    def __missing__(self, text: str) -> Markup:
        self[text] = escaped = escape(text)
        return escaped


def inbox_rows(tasks: Iterable[TaskView], titles: Mapping[int, str], me: str, claim_form: Markup,
               unclaim_form: Markup, texts: InboxTexts | None = None) -> Markup:
    """The ``<tr>`` of each task: its name (a link unless a colleague holds it), campaign, lane, holder, due date,
    waiting time and actions. ``claim_form``/``unclaim_form``: the body of a row's claim and unclaim form (CSRF
    token and kept list state); ``me``: the viewer's username."""
    x, times = texts or InboxTexts.of_request(), PageTimes.of_request()
    task_url, claim_url, unclaim_url = (row_url(endpoint, "task_id", html=True)  # escaped as they are made
                                        for endpoint in ("tasks.task", "tasks.claim", "tasks.unclaim"))
    campaign_url = row_url("campaigns.show", "campaign_id", html=True)
    lanes: dict[str, Markup] = {}  # a page's rows share a lane or two: each translated and escaped once
    seen = _Escaped()  # and a few step names, holders, times and ages
    out: list[str] = []
    for task in tasks:
        taken_by_other = bool(task.claimed_by) and task.claimed_by != me
        url, name = task_url(task.id), seen[task.name]
        out.append(f'\n    <tr class="{"overdue" if task.overdue else ""}{" taken" if taken_by_other else ""}">'
                   '\n      <td>\n        ')
        out.append(f'<span class="task-name" lang="id">{name}</span>' if taken_by_other
                   else f'<a class="task-name" href="{url}" lang="id">{name}</a>')
        if task.overdue:
            out.append(f'\n         <span class="badge red">{x.overdue}</span>')
        out.append(f'\n      </td>\n      <td data-label="{x.campaign}">\n        ')
        if task.campaign_id:
            title = titles.get(task.campaign_id)
            shown = title or t("Kampanye #{id}", id=task.campaign_id)
            out.append(f'<a href="{campaign_url(task.campaign_id)}"{LANG_ID if title else ""}>'
                       f'{escape(shown)}</a>')
        else:
            out.append('<span class="muted">—</span>')
        if task.lane and task.lane not in lanes:
            lanes[task.lane] = escape(t(task.lane))
        lane = lanes[task.lane] if task.lane else "—"
        out.append(f'\n      </td>\n      <td data-label="{x.lane}">{lane}</td>'
                   f'\n      <td data-label="{x.holder}">\n        ')
        if task.assignee:
            out.append(f'{seen[task.assignee]} <span class="muted small">({x.assigned})</span>')
        elif task.claimed_by:
            out.append(f'{seen[task.claimed_by]} <span class="muted small">({x.claimed})</span>')
        else:
            out.append(f'<span class="muted">{x.open_to_lane}</span>')
        out.append(f'\n      </td>\n      <td class="nowrap" data-label="{x.due}">'
                   f'{seen[times.wib(task.due_at)]}</td>'
                   f'\n      <td class="nowrap" data-label="{x.waiting}" '
                   f'title="{x.ready_since} {seen[times.wib(task.ready_at)]}">{seen[times.age(task.ready_at)]}</td>'
                   '\n      <td class="row-actions">')
        if not task.assignee and not task.claimed_by:
            out.append(f'\n        <form method="post" action="{claim_url(task.id)}" class="inline">'
                       f'\n          {claim_form}\n        </form>')
        elif not task.assignee and task.claimed_by == me:
            out.append(f'\n        <form method="post" action="{unclaim_url(task.id)}" class="inline">'
                       f'\n          {unclaim_form}\n        </form>')
        if not taken_by_other:
            out.append(f'\n        <a class="button small-button" href="{url}">{x.open_task}</a>')
        out.append("\n      </td>\n    </tr>")
    out.append("\n  ")
    return Markup("".join(out))


@lru_cache(maxsize=64)
def campaign_options(campaigns: tuple[tuple[int, str], ...], chosen: int | None) -> Markup:
    """The inbox's campaign filter's ``<option>`` of each campaign (up to 100 a page), ``chosen`` selected; kept for
    the same campaigns and choice (the inbox is shown again and again, its campaigns change seldom)."""
    return Markup("".join(f'\n      <option value="{cid}"{" selected" if cid == chosen else ""} lang="id">'
                          f'{escape(title)}</option>\n      ' for cid, title in campaigns))


def campaign_rows(campaigns: Iterable[CampaignRow]) -> Markup:
    """The ``<tr>`` of each campaign: its title (a link), number and topic, requester, status, call progress,
    creation date and creator."""
    campaign_url = row_url("campaigns.show", "campaign_id", html=True)  # escaped as it is made
    env = current_app.jinja_env  # the topic is shortened as the ``truncate`` filter does
    times = PageTimes.of_request()  # the language read once: each row writes four numbers, two texts and a date in it
    lang = times.lang
    seen = _Escaped()  # a page's campaigns share a few requesters, creators and creation days
    out: list[str] = []
    for c in campaigns:
        topic = f' · <span lang="id">{escape(do_truncate(env, c.topic, 90))}</span>' if c.topic else ""
        final, contacts, attempts = c.progress["final"], c.progress["contacts"], c.progress["attempts"]
        done = translate(DONE.msgid, lang, final=number_in(final, lang), contacts=number_in(contacts, lang))
        calls = translate(CALLS.msgid, lang, n=number_in(attempts, lang))
        out.append(
            f'\n    <tr>\n      <td><a class="strong" href="{campaign_url(c.id)}" lang="id">'
            f'{escape(c.title)}</a>'
            f'\n        <div class="muted small">#{c.id}{topic}</div></td>'
            f'\n      <td lang="id">{seen[c.requester]}</td>\n      <td>{status_badge(c.status)}</td>'
            f'\n      <td>\n        {progress_bar_in(final, contacts, lang)}'
            f'\n        <div class="small muted">'
            f'{escape(done)}\n          · {escape(calls)}</div>\n      </td>'
            f'\n      <td class="nowrap">{seen[times.wib(c.created_at, False)]}'
            f'<div class="muted small">{seen[c.created_by]}</div></td>\n    </tr>\n  ')
    return Markup("".join(out))
