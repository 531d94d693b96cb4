"""The inbox's and the campaign list's rows as webapp/rows.py writes them: the templates' markup, every value escaped,
in both languages."""
# ruff: noqa: E501, W293  (the expected markup is written as the page holds it, long lines and indented blank lines)
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import session
from markupsafe import Markup

from engine.pages import CampaignRow
from engine.tasks import TaskView
from webapp.rows import campaign_options, campaign_rows, inbox_rows

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # the test clock: Monday 09:00 WIB
HOSTILE = "<script>alert(\"x\")</script> & 'Q'"
CLAIM = Markup('<input type="hidden" name="csrf_token" value="T">\n          <button>Klaim</button>')
UNCLAIM = Markup('<input type="hidden" name="csrf_token" value="T">\n          <button>Lepas klaim</button>')


def task(task_id: str, **values: object) -> TaskView:
    fields: dict[str, object] = dict(
        id=task_id, instance_id=1, campaign_id=None, bpmn_id="teliti_rencana_kerja", name="Meneliti", lane=None,
        role="kasi", assignee=None, claimed_by=None, form=None, view=None, due_at=None,
        ready_at=NOW - timedelta(hours=3), overdue=False)
    return TaskView(**{**fields, **values})  # type: ignore[arg-type]


TASKS = (
    # open to the lane, overdue, a hostile name in a campaign with a hostile title: a claim form
    task("t-1", campaign_id=3, name=HOSTILE, lane="Kepala Seksi Operasional", due_at=NOW - timedelta(days=1),
         overdue=True),
    # claimed by a colleague (a hostile username), no campaign, no lane, no due date: no link, no action
    task("t-2", claimed_by='ag"<en>'),
    # claimed by me in a campaign I may not read the title of: an unclaim form
    task("t-3", campaign_id=5, claimed_by="kasi", ready_at=NOW - timedelta(days=2)),
    # assigned to someone: no form, the link stays
    task("t&4 x", campaign_id=3, assignee="pelaksana", ready_at=NOW - timedelta(seconds=10)),
)

EXPECTED = {"id": """
    <tr class="overdue">
      <td>
        <a class="task-name" href="/tugas/t-1" lang="id">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Q&#39;</a>
         <span class="badge red">Terlambat</span>
      </td>
      <td data-label="Kampanye">
        <a href="/kampanye/3" lang="id">&lt;b&gt;R&amp;D&lt;/b&gt; &#34;q&#34;</a>
      </td>
      <td data-label="Lajur">Kepala Seksi Operasional</td>
      <td data-label="Penanggung jawab">
        <span class="muted">Terbuka untuk lajur</span>
      </td>
      <td class="nowrap" data-label="Batas waktu">8 Mar 2026 09:00 WIB</td>
      <td class="nowrap" data-label="Menunggu" title="Siap sejak 9 Mar 2026 06:00 WIB">3 jam</td>
      <td class="row-actions">
        <form method="post" action="/tugas/t-1/klaim" class="inline">
          <input type="hidden" name="csrf_token" value="T">
          <button>Klaim</button>
        </form>
        <a class="button small-button" href="/tugas/t-1">Buka</a>
      </td>
    </tr>
    <tr class=" taken">
      <td>
        <span class="task-name" lang="id">Meneliti</span>
      </td>
      <td data-label="Kampanye">
        <span class="muted">—</span>
      </td>
      <td data-label="Lajur">—</td>
      <td data-label="Penanggung jawab">
        ag&#34;&lt;en&gt; <span class="muted small">(diklaim)</span>
      </td>
      <td class="nowrap" data-label="Batas waktu">—</td>
      <td class="nowrap" data-label="Menunggu" title="Siap sejak 9 Mar 2026 06:00 WIB">3 jam</td>
      <td class="row-actions">
      </td>
    </tr>
    <tr class="">
      <td>
        <a class="task-name" href="/tugas/t-3" lang="id">Meneliti</a>
      </td>
      <td data-label="Kampanye">
        <a href="/kampanye/5">Kampanye #5</a>
      </td>
      <td data-label="Lajur">—</td>
      <td data-label="Penanggung jawab">
        kasi <span class="muted small">(diklaim)</span>
      </td>
      <td class="nowrap" data-label="Batas waktu">—</td>
      <td class="nowrap" data-label="Menunggu" title="Siap sejak 7 Mar 2026 09:00 WIB">2 hari</td>
      <td class="row-actions">
        <form method="post" action="/tugas/t-3/lepas" class="inline">
          <input type="hidden" name="csrf_token" value="T">
          <button>Lepas klaim</button>
        </form>
        <a class="button small-button" href="/tugas/t-3">Buka</a>
      </td>
    </tr>
    <tr class="">
      <td>
        <a class="task-name" href="/tugas/t&amp;4%20x" lang="id">Meneliti</a>
      </td>
      <td data-label="Kampanye">
        <a href="/kampanye/3" lang="id">&lt;b&gt;R&amp;D&lt;/b&gt; &#34;q&#34;</a>
      </td>
      <td data-label="Lajur">—</td>
      <td data-label="Penanggung jawab">
        pelaksana <span class="muted small">(ditugaskan)</span>
      </td>
      <td class="nowrap" data-label="Batas waktu">—</td>
      <td class="nowrap" data-label="Menunggu" title="Siap sejak 9 Mar 2026 08:59 WIB">baru saja</td>
      <td class="row-actions">
        <a class="button small-button" href="/tugas/t&amp;4%20x">Buka</a>
      </td>
    </tr>
  """}
# The same rows in English: each text as the catalogue translates it (the hostile values are kept, escaped, as is).
ENGLISH = (("Terlambat", "Overdue"), ('"Kampanye"', '"Campaign"'), ("Kampanye #5", "Campaign #5"),
           ('"Lajur"', '"Lane"'), ('"Penanggung jawab"', '"Responsible"'), ('"Batas waktu"', '"Due"'),
           ('"Menunggu"', '"Waiting"'), ("Siap sejak", "Ready since"), ("Terbuka untuk lajur", "Open to the lane"),
           ("(diklaim)", "(claimed)"), ("(ditugaskan)", "(assigned)"), (">Buka<", ">Open<"), ("3 jam", "3 h"),
           ("2 hari", "2 d"), ("baru saja", "just now"), ("Kepala Seksi Operasional", "Head of Operations Section"))
EXPECTED["en"] = EXPECTED["id"]
for indonesian, english in ENGLISH:
    EXPECTED["en"] = EXPECTED["en"].replace(indonesian, english)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_inbox_rows_are_the_template_markup_with_every_value_escaped(app, lang: str) -> None:
    with app.test_request_context("/"):
        session["lang"] = lang
        html = inbox_rows(TASKS, {3: '<b>R&D</b> "q"'}, "kasi", CLAIM, UNCLAIM)
    assert isinstance(html, Markup)
    assert str(html) == EXPECTED[lang]


# the topic shortened at a word to 90 characters at most, "..." included (Jinja's ``truncate``)
CAMPAIGNS = (
    CampaignRow(12, HOSTILE, '<b>R&D</b> "q"', "<em>Topik</em> " * 10, "penyampaian", 3, 'u"<nit>',
                datetime(2026, 3, 1, 20, 0, tzinfo=timezone.utc), {"final": 1234, "contacts": 5000, "attempts": 0}),
    CampaignRow(13, "Himbauan SPT", "KPP", "", "selesai", None, "pelaksana",
                datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), {"final": 0, "contacts": 0, "attempts": 7}),
)

CAMPAIGN_ROWS = {"id": """
    <tr>
      <td><a class="strong" href="/kampanye/12" lang="id">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Q&#39;</a>
        <div class="muted small">#12 · <span lang="id">&lt;em&gt;Topik&lt;/em&gt; &lt;em&gt;Topik&lt;/em&gt; &lt;em&gt;Topik&lt;/em&gt; &lt;em&gt;Topik&lt;/em&gt; &lt;em&gt;Topik&lt;/em&gt;...</span></div></td>
      <td lang="id">&lt;b&gt;R&amp;D&lt;/b&gt; &#34;q&#34;</td>
      <td><span class="badge amber">Penyampaian informasi</span></td>
      <td>
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="5000" aria-valuenow="1234" title="1.234 / 5.000"><span style="width: 24.7%"></span></div>
        <div class="small muted">1.234 dari 5.000 kontak selesai
          · 0 panggilan</div>
      </td>
      <td class="nowrap">2 Mar 2026<div class="muted small">u&#34;&lt;nit&gt;</div></td>
    </tr>
  
    <tr>
      <td><a class="strong" href="/kampanye/13" lang="id">Himbauan SPT</a>
        <div class="muted small">#13</div></td>
      <td lang="id">KPP</td>
      <td><span class="badge green">Selesai</span></td>
      <td>
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="0" aria-valuenow="0" title="0 / 0"><span style="width: 0.0%"></span></div>
        <div class="small muted">0 dari 0 kontak selesai
          · 7 panggilan</div>
      </td>
      <td class="nowrap">2 Mar 2026<div class="muted small">pelaksana</div></td>
    </tr>
  """}
CAMPAIGN_ROWS["en"] = (CAMPAIGN_ROWS["id"].replace("1.234", "1,234").replace("5.000", "5,000")
                       .replace(">Penyampaian informasi<", ">Calling<").replace(">Selesai<", ">Finished<")
                       .replace(" dari ", " of ").replace("kontak selesai", "contacts finished")
                       .replace("panggilan", "calls"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_campaign_rows_are_the_template_markup_with_every_value_escaped(app, lang: str) -> None:
    with app.test_request_context("/"):
        session["lang"] = lang
        html = campaign_rows(CAMPAIGNS)
    assert isinstance(html, Markup)
    assert str(html) == CAMPAIGN_ROWS[lang]


def test_the_campaign_filter_options_escape_titles_and_mark_the_chosen_one(app) -> None:
    with app.test_request_context("/"):
        written = campaign_options(((3, HOSTILE), (12, "Sosialisasi PPN"), (40, "a & b")), 12)
    assert written == Markup(
        '\n      <option value="3" lang="id">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Q&#39;</option>\n      '
        '\n      <option value="12" selected lang="id">Sosialisasi PPN</option>\n      '
        '\n      <option value="40" lang="id">a &amp; b</option>\n      ')
    with app.test_request_context("/"):
        assert campaign_options((), None) == Markup("")
