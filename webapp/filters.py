"""Template filters shared by every page: office time, numbers, percentages, phones, call outcomes."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Blueprint
from markupsafe import Markup, escape

from engine.access import TaskScope
from engine.campaign import CampaignStatus, outcomes, status
from engine.i18n import N_, translate

from . import schema_form
from .i18n import current_language, t
from .per_request import PerRequest
from .services import ctx

bp = Blueprint("filters", __name__)

MONTHS = {"id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
          "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()}


def office_tz() -> str:
    return ctx().settings.office_timezone


# The office's time zone and the app's clock reading, once per request: a list page writes two times and an age for
# each of its rows; one reading of the clock also gives every row of a page the same "now".
_ZONE = PerRequest("klip_office_zone", lambda: office_zone())
_NOW = PerRequest("klip_page_now", lambda: ctx().now())


@bp.app_template_filter("wib")
def wib(value: Any, with_time: bool = True) -> str:
    """Office time, e.g. "17 Mar 2026 10:00 WIB" (naive datetimes are UTC, as the engine stores them)."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        months = MONTHS["en" if current_language() == "en" else "id"]
        return f"{value.day} {months[value.month - 1]} {value.year}" if isinstance(value, date) else str(value)
    return _office_time(value, current_language(), _ZONE.get(), with_time)


@lru_cache(maxsize=4096)
def _office_time(value: datetime, lang: str, zone: ZoneInfo, with_time: bool) -> str:
    """``wib`` of a datetime: a list writes two for each row, and its rows are those of the last time it was shown."""
    months = MONTHS["en" if lang == "en" else "id"]
    local = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)
    day = f"{local.day} {months[local.month - 1]} {local.year}"
    return f"{day} {local.hour:02d}:{local.minute:02d} {local.tzname()}" if with_time else day  # no strftime: lists


@bp.app_template_filter("wib_span")
def wib_span(first: datetime, last: datetime) -> str:
    """A period: "17 Mar 2026 10:00 – 15:30 WIB" within one day, two full times otherwise."""
    start, end = wib(first), wib(last)
    if start == end:
        return start
    if wib(first, with_time=False) == wib(last, with_time=False):
        return f"{start.rsplit(' ', 1)[0]} – {end.split(' ', 3)[3]}"
    return f"{start} – {end}"


ISO_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


@bp.app_template_filter("wib_in_text")
def wib_in_text(text: str) -> str:
    """Engine messages carry ISO timestamps; show them as office time."""
    return ISO_IN_TEXT.sub(lambda m: wib(m.group(0).replace("Z", "+00:00")), text or "")


@bp.app_template_filter("is_past")
def is_past(value: datetime | None) -> bool:
    """Whether a moment has come (by the app's clock)."""
    return value is not None and value <= _NOW.get()


AGE_UNITS = ((86400, N_("{n} hari")), (3600, N_("{n} jam")), (60, N_("{n} menit")))
JUST_NOW = N_("baru saja")


@bp.app_template_filter("age")
def age(value: datetime | None) -> str:
    """How long ago, coarsely: "3 hari", "2 jam", "15 menit", "baru saja"."""
    return _age(value, _NOW.get(), current_language())


def _age(value: datetime | None, now: datetime, lang: str) -> str:
    if value is None:
        return "—"
    seconds = max(0, int((now - value).total_seconds()))
    for size, unit in AGE_UNITS:
        if seconds >= size:
            return _age_text(lang, unit, seconds // size)
    return _age_text(lang, JUST_NOW.msgid, 0)


@dataclass(frozen=True)
class PageTimes:
    """``wib`` and ``age`` for the many rows of one list page: the language, office zone and clock read once."""

    lang: str
    zone: ZoneInfo
    now: datetime

    @classmethod
    def of_request(cls) -> PageTimes:
        return cls(current_language(), _ZONE.get(), _NOW.get())

    def wib(self, value: datetime | None, with_time: bool = True) -> str:
        return _office_time(value, self.lang, self.zone, with_time) if value else "—"

    def age(self, value: datetime | None) -> str:
        return _age(value, self.now, self.lang)


@lru_cache(maxsize=1024)
def _age_text(lang: str, unit: str, n: int) -> str:
    """"3 hari" in ``lang``: a list shows an age on each row, and rows share few (the catalogue is read once)."""
    return translate(unit, lang, n=n)


def office_zone() -> ZoneInfo:
    return ZoneInfo(ctx().settings.office_timezone)


WORKING_DAYS = re.compile(r"\s*(\d{1,3})\s+hari\s+kerja\s*", re.IGNORECASE)


@bp.app_template_filter("time_standard")
def time_standard(text: str | None) -> str:
    """A step's time standard (mutuBakuWaktu) as the SOP writes it, "3 hari kerja", in the UI language."""
    found = WORKING_DAYS.fullmatch(text or "")
    return t(N_("{n} hari kerja"), n=int(found.group(1))) if found else (text or "")


@bp.app_template_filter("num")
def number(value: int | float | None) -> str:
    """Thousands separators as readers expect them: 12.345 (id) or 12,345 (en)."""
    return number_in(value, current_language())


def number_in(value: int | float | None, lang: str) -> str:
    """:func:`number` in ``lang`` (a list's rows read the language once)."""
    text = f"{int(value or 0):,}"
    return text.replace(",", ".") if lang == "id" else text


@bp.app_template_filter("pct")
def percent(fraction: float | None, digits: int = 1) -> str:
    text = f"{100 * (fraction or 0):.{digits}f}"
    return (text.replace(".", ",") if current_language() == "id" else text) + "%"


@bp.app_template_filter("score")
def score(value: float | None) -> str:
    """A quality score out of 100 with one decimal: 63,3 (id) or 63.3 (en); a dash before it is scored."""
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return text.replace(".", ",") if current_language() == "id" else text

@bp.app_template_filter("decimal")
def decimal(value: float | None, digits: int = 1) -> str:
    """A decimal number as readers write it: 87,5 (id) or 87.5 (en)."""
    text = f"{value or 0:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if current_language() == "id" else text


@bp.app_template_filter("phone_display")
def phone_display(e164: str) -> str:
    """+6281234567890 → 0812-3456-7890 (national format); anything unparsable is shown as stored."""
    try:
        number_ = phonenumbers.parse(e164, "ID")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number_, phonenumbers.PhoneNumberFormat.NATIONAL)


@bp.app_template_filter("outcome_label")
def outcome_label(code: str | None) -> str:
    if not code:
        return "—"
    return outcomes.label(code, current_language()) if code in outcomes.OUTCOMES else code


@bp.app_template_filter("duration")
def duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


EMPHASIS = re.compile(r"\*([^*\n]+)\*")


@bp.app_template_filter("sop_text")
def sop_text(text: str | None) -> Markup:
    """SOP sentences mark foreign terms as *Call Recording*: show them in italics, everything else escaped."""
    return Markup(EMPHASIS.sub(r"<em>\1</em>", str(escape(text or ""))))


CAMPAIGN_STATUSES = {  # badge colour of each status (its label: engine.campaign.status); "berjalan": older versions
    CampaignStatus.PERENCANAAN: "", CampaignStatus.PENYAMPAIAN: "amber", CampaignStatus.PELAPORAN: "amber",
    CampaignStatus.PENGIRIMAN: "", CampaignStatus.SELESAI: "green", "berjalan": "",
}


bp.add_app_template_global(CampaignStatus, "CampaignStatus")
bp.add_app_template_global(TaskScope, "TaskScope")


@bp.app_template_global("model_text")
def model_text(node: Mapping[str, Any], key: str) -> str:
    """A form's or field's ``title``/``description`` in the UI language (``x-title-en``…, see schema_form)."""
    return schema_form.model_text(node, key, current_language(), t)


@bp.app_template_global("enum_title")
def enum_title(node: Mapping[str, Any], value: Any) -> str:
    """An enum value's title in the UI language (``x-enum-titles``, ``x-enum-titles-en``)."""
    return schema_form.enum_title(node, value, current_language(), t)


@bp.app_template_global("campaign_status")
def campaign_status(code: str) -> tuple[str, str]:
    """A campaign status's label (in the UI language) and badge colour class."""
    return status.label(code, current_language()), CAMPAIGN_STATUSES.get(code, "")


# The status badge and progress bar are built here rather than as Jinja macros: the campaign list shows both on each
# of its rows, and calling a macro cost more than the rest of the row.
@bp.app_template_global("status_badge")
def status_badge(code: str) -> Markup:
    """A campaign status as a badge: its label in the UI language, its colour a class (the label says it too)."""
    return _status_badge(code, current_language())


@lru_cache(maxsize=64)
def _status_badge(code: str, lang: str) -> Markup:
    """A status's badge in ``lang``, made once (the catalogue is read once per process)."""
    colour = CAMPAIGN_STATUSES.get(code, "")
    return Markup(f'<span class="badge {escape(colour)}">{escape(status.label(code, lang))}</span>')


@bp.app_template_global("progress_bar")
def progress_bar(done: int, total: int, label: str = "") -> Markup:
    """A progress bar of ``done`` of ``total`` for assistive technology (role, values, optional name) and the eye."""
    return progress_bar_in(done, total, current_language(), label)


def progress_bar_in(done: int, total: int, lang: str, label: str = "") -> Markup:
    """:func:`progress_bar` in ``lang`` (a list's rows read the language once)."""
    share = 100.0 * done / total if total else 0
    named = f'aria-label="{escape(label)}" ' if label else ""
    # whole numbers, written in digits and separators: nothing in them to escape
    return Markup(f'<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="{int(total)}" '
                  f'aria-valuenow="{int(done)}" {named}title="{number_in(done, lang)} / {number_in(total, lang)}">'
                  f'<span style="width: {share:.1f}%"></span></div>')
