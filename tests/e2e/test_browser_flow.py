"""One whole campaign through the UI in a real browser, as the different users of SOP LIP20-0008.

Every user logs in through the login form (demo password) in a fresh browser context and logs out with
"Keluar". The work plan is returned once. A full-page screenshot of each screen visited is saved to
test-artifacts/e2e/NN-<user>-<screen>.png. The engine is only read, at the very end, to cross-check the signature.

Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules, fetched by the Makefile) scans every screen the walk shows,
and every role (one session of each) tours every screen its menus and the campaign lead to, in Indonesian and in
English. English pages must mark Indonesian content lang="id"; Tab must reach a skip link first and show where the
focus is; the agent's screens are checked at 390 px (no sideways scrolling, 44 px tap targets, NN-…-390.png). The
test fails at the end with every violation found (rule, help, the elements' selectors, the pages).
"""
from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from engine import campaign as campaigns
from engine.demo import DEMO_PASSWORD, npwp15

pytestmark = pytest.mark.e2e

TITLE = "Himbauan SPT Tahunan 2025 (uji peramban)"
REQUESTER = "Direktorat P2Humas"
TOPIC = "Pengingat batas waktu penyampaian SPT Tahunan PPh Orang Pribadi tanggal 31 Maret."
NAMES = ("Budi Santoso", "Siti Rahayu", "Agus Wijaya", "Dewi Lestari", "Rudi Hidayat", "Rina Saputra")
RETURN_NOTE = "Lengkapi jadwal shift dan sebutkan batas waktunya pada naskah"
SCRIPT = "Selamat pagi, kami dari Kring Pajak. Kami mengingatkan batas waktu SPT Tahunan."
SCRIPT_REVISED = SCRIPT + " Batas waktunya 31 Maret."
SUMMARY = "Enam Wajib Pajak dihubungi oleh dua agen; lima menerima informasi."
ABSENCE = "Agen 2 sakit pada hari penyampaian"
FULL_NAMES = {"unit": "Pengguna Layanan: Direktorat P2Humas (demo)", "kasi": "Kepala Seksi Operasional (demo)",
              "pelaksana": "Pelaksana Seksi Operasional (demo)", "agen1": "Agen 1 (demo)", "agen2": "Agen 2 (demo)",
              "agen3": "Agen 3 (demo)",
              "kepala": "Kepala Kantor (demo)", "pkl": "Seksi Penjaminan Kualitas Layanan (demo)",
              "kasipkl": "Kepala Seksi Penjaminan Kualitas Layanan (demo)", "admin": "Administrator (demo)"}
STEP = {1: "Menugaskan Pelaksana menyusun konsep rencana kerja", 2: "Menyusun konsep rencana kerja",
        3: "Meneliti dan menyetujui rencana kerja", 4: "Mendistribusikan pekerjaan dan menugaskan agen",
        5: "Menghubungi Wajib Pajak dan mencatat respon", 6: "Menyusun konsep laporan pelaksanaan",
        7: "Meneliti dan menyetujui laporan pelaksanaan", 8: "Meneliti dan menandatangani laporan pelaksanaan",
        9: "Menyampaikan laporan untuk penilaian kualitas agen dan kepada Pengguna Layanan"}
QA_STEP = {"ambil_sampel": "Mengambil sampel rekaman panggilan", "nilai_agen": "Menilai kualitas agen",
           "setujui_penilaian": "Meneliti dan menyetujui hasil penilaian"}  # penilaian-kualitas-agen.bpmn
SECTIONS = {"Pembukaan": "10", "Verifikasi lawan bicara": "10", "Ketepatan dan kelengkapan informasi": "25",
            "Kesantunan dan bahasa": "12", "Penanganan keberatan": "15", "Penutupan": "10",
            "Ketepatan pencatatan": "15"}  # 97 of 100
FEEDBACK = "Salam pembuka dan verifikasi sudah baik; jaga nada bicara."
SECOND_TITLE = "Sosialisasi Coretax untuk Wajib Pajak badan (uji peramban)"
# Indonesian content that English pages must mark lang="id": what users wrote, the model's step names, SOP text.
INDONESIAN = (TITLE, TOPIC, RETURN_NOTE, SCRIPT, SUMMARY, "KPP Pratama Jakarta Gambir Satu",
              "meneliti dan menyetujui rencana kerja penyampaian", FEEDBACK, *STEP.values(), *QA_STEP.values())

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # an agent's phone
TAP = 44  # px: the height of a comfortable tap target (phone numbers, outcome choices, buttons)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.map(n => n.target.join(" "))}));
}"""
# Text nodes holding Indonesian phrases whose nearest lang is not Indonesian (flash messages and notifications are
# sentences of the UI's language around a name, and are left out).
LANG_CHECK = r"""(phrases) => {
  const found = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest("script, style, .flash, .notification-list")) continue;
    const lang = (el.closest("[lang]") || document.documentElement).getAttribute("lang") || "";
    if (lang.startsWith("id")) continue;
    for (const phrase of phrases) {
      if (node.textContent.includes(phrase)) found.add(el.tagName.toLowerCase() + (el.className ? "." +
          String(el.className).trim().split(/\s+/).join(".") : "") + ": " + phrase.slice(0, 40));
    }
  }
  return [...found];
}"""
# The focused element shows where it is: an outline, a shadow, or (diagram shapes) a thicker stroke.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
  const shape = el.querySelector && el.querySelector(".bpmn-outline");
  const stroke = shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 4;
  if (outline || style.boxShadow !== "none" || stroke) return "";
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.textContent || "").trim().slice(0, 40);
}"""


def write_target_list(folder: Path) -> Path:
    """Six good rows and one row with an NPWP that is too short."""
    path = folder / "sasaran-e2e.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["npwp", "nama", "telepon", "kpp", "tahun_pajak"])
        for i, name in enumerate(NAMES):
            phone = f"0812{55500000 + i:08d}"
            writer.writerow([npwp15(500 + i), name, phone, "KPP Pratama Jakarta Gambir Satu", "2025"])
        writer.writerow(["12.345", "NPWP Terlalu Pendek", "081299990000", "", "2025"])
    return path


class Walk:
    """The browser side of the walk: one context per login, numbered screenshots, form submission, and the
    accessibility checks (axe-core on every screen, lang of Indonesian content, keyboard focus, phone widths)."""

    def __init__(self, browser: Any, base_url: str, artifacts: Path, axe_url: str):
        self.browser, self.base_url, self.artifacts, self.count, self.user = browser, base_url, artifacts, 0, ""
        self.axe_url, self.scans = axe_url, 0
        self.violations: list[dict[str, Any]] = []
        self.campaign_id: int | None = None
        self.server_errors: list[str] = []
        for old in artifacts.glob("[0-9][0-9]*-*.png"):
            old.unlink()

    def shot(self, page: Page, name: str) -> None:
        """A full-page screenshot of the screen now shown, NN-<user>-<name>.png, and its accessibility scan."""
        self.count += 1
        # To the top first: after a full-page capture of a scrolled page, Debian's Chromium 150 hit-tests the next
        # click at a stale scroll offset, so the click lands beside the button and the form is never submitted.
        page.evaluate("() => window.scrollTo(0, 0)")
        path = self.artifacts / f"{self.count:02d}-{self.user or 'anonim'}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.scan(page)

    def where(self, page: Page) -> str:
        lang = page.evaluate("() => document.documentElement.lang")
        return f"{page.url.removeprefix(self.base_url) or '/'} [{self.user or 'anonim'}, {lang}]"

    def found(self, page: Page, rule: str, help_text: str, targets: list[str]) -> None:
        if targets:
            self.violations.append({"id": rule, "impact": "", "help": help_text, "targets": targets,
                                    "where": self.where(page)})

    def scan(self, page: Page) -> None:
        """axe-core on the page as it is now, and (English pages) the lang of Indonesian content; violations are
        collected and reported at the end of the test."""
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(url=self.axe_url)
        # A flowchart is scanned with its whole width in view ("Pas lebar"): axe-core takes the text of a shape
        # scrolled out of the diagram's frame for invisible, and would then compare a shape's name with a part of it.
        page.evaluate("() => document.querySelectorAll('[data-zoom=fit]').forEach(button => button.click())")
        self.scans += 1
        where = self.where(page)
        for violation in page.evaluate(AXE_RUN, AXE_TAGS):
            self.violations.append({**violation, "where": where})
        if page.evaluate("() => document.documentElement.lang") == "en":
            self.found(page, "lang-id", 'Indonesian content on an English page carries lang="id"',
                       page.evaluate(LANG_CHECK, list(INDONESIAN)))

    def tour(self, page: Page, extra: tuple[str, ...] = (), shots: bool = False) -> None:
        """Every screen this user's menus and the campaign page lead to (and ``extra`` pages), in Indonesian and then
        in English, each scanned; the user's open task of the campaign too, and for an agent a contact page.
        ``shots``: a screenshot of each English page, NN-<user>-en-<page>.png."""
        urls = ["/", "/kampanye", "/pemberitahuan", "/halaman-yang-tidak-ada", *extra]
        nav = page.locator("nav.mainnav")
        if nav.get_by_role("link", name="Unggah Data", exact=True).count():
            urls.append("/kampanye/unggah")
        if nav.get_by_role("link", name="Dokumentasi", exact=True).count():
            urls += ["/dokumentasi", "/dokumentasi/kinerja"]
        if nav.get_by_role("link", name="Dasbor", exact=True).count():
            urls += ["/dasbor", "/dasbor?days=30"]
        if nav.get_by_role("link", name="Administrasi", exact=True).count():
            urls += ["/admin/pengguna", "/admin/pengguna/baru", "/admin/pengguna/agen3", "/admin/unit",
                     "/admin/kalender"]
        page.goto("/")
        task = page.locator("table.inbox tbody tr").filter(has_text=TITLE).locator("a.task-name")
        if task.count():
            urls.append(str(task.first.get_attribute("href")))
        if self.campaign_id:
            page.goto(f"/kampanye/{self.campaign_id}")
            urls.append(f"/kampanye/{self.campaign_id}")
            for link in ("Lihat proses SOP", "Laporan pelaksanaan", "Daftar panggilan saya", "Akses data pribadi"):
                found = page.get_by_role("link", name=link, exact=True)
                if found.count():
                    urls.append(str(found.first.get_attribute("href")))
                    if link == "Daftar panggilan saya":
                        page.goto(urls[-1])
                        urls.append(str(page.locator("table.call-table a.strong").first.get_attribute("href")))
                        page.goto(f"/kampanye/{self.campaign_id}")
        for lang in ("id", "en"):
            page.goto(f"/bahasa/{lang}")
            for url in urls:
                page.goto(url)
                if shots and lang == "en":
                    self.count += 1
                    name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-")[:24].strip("-") or "inbox"
                    page.screenshot(path=str(self.artifacts / f"{self.count:02d}-{self.user}-en-{name}.png"),
                                    full_page=True)
                self.scan(page)
        page.goto("/bahasa/id")

    def in_english(self, page: Page) -> None:
        """The page now shown (a GET page) scanned again in English, then shown in Indonesian again."""
        url = page.url.removeprefix(self.base_url)
        page.goto("/bahasa/en")
        page.goto(url)
        self.scan(page)
        page.goto("/bahasa/id")
        page.goto(url)

    def keyboard(self, page: Page, presses: int = 30) -> None:
        """From the top of the page (loaded again: a GET page), Tab reaches the skip link first, which moves focus to
        the content; every element Tab then reaches shows its focus."""
        page.reload()  # a fresh start: the focus navigation starts at the top of the page
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Langsung ke isi halaman")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main#isi")).to_be_focused()
        unseen = []
        for _ in range(presses):
            page.keyboard.press("Tab")
            unseen.append(page.evaluate(FOCUS_SHOWN))
        self.found(page, "focus-visible", "The element that has the keyboard focus shows it",
                   sorted({u for u in unseen if u}))

    def narrow(self, page: Page, name: str, targets: str = "") -> None:
        """The page on a phone (390 px): a screenshot NN-<user>-<name>-390.png, no sideways scrolling of the page,
        and every element matching ``targets`` at least TAP px high."""
        page.set_viewport_size(PHONE)
        try:
            page.evaluate("() => window.scrollTo(0, 0)")
            self.count += 1
            page.screenshot(path=str(self.artifacts / f"{self.count:02d}-{self.user}-{name}-390.png"), full_page=True)
            wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            self.found(page, "reflow", "The page fits 390 px without scrolling sideways",
                       [f"{wide} px too wide"] if wide > 0 else [])
            if targets:
                small = page.evaluate("""([css, tap]) => Array.from(document.querySelectorAll(css))
                    .filter(el => el.getClientRects().length && el.getBoundingClientRect().height < tap)
                    .map(el => el.tagName.toLowerCase() + "." + el.className + " " + el.textContent.trim().slice(0, 30)
                               + " (" + Math.round(el.getBoundingClientRect().height) + " px)")""", [targets, TAP])
                self.found(page, "tap-target", f"Tap targets on a phone are at least {TAP} px high", small)
        finally:
            page.set_viewport_size(DESKTOP)

    def accessibility_report(self) -> str:
        """The violations found, one rule at a time: each set of elements with the pages where it was found."""
        by_rule: dict[str, dict[str, list[str]]] = {}
        helps: dict[str, str] = {}
        for violation in self.violations:
            helps[violation["id"]] = f"{violation['impact'] + ': ' if violation['impact'] else ''}{violation['help']}"
            shown = ", ".join(violation["targets"][:6]) + (
                f" … (+{len(violation['targets']) - 6})" if len(violation["targets"]) > 6 else "")
            by_rule.setdefault(violation["id"], {}).setdefault(shown, []).append(violation["where"])
        lines = [f"{sum(len(v['targets']) for v in self.violations)} elements in violation of {len(by_rule)} rules,"
                 f" in {len({v['where'] for v in self.violations})} of {self.scans} scans (axe-core, WCAG 2.1 A/AA)"]
        for rule, targets in sorted(by_rule.items()):
            lines.append(f"- {rule} ({helps[rule]})")
            for shown, pages in targets.items():
                lines.append(f"    {shown}\n      on {'; '.join(pages[:4])}"
                             + (f" and {len(pages) - 4} more" if len(pages) > 4 else ""))
        return "\n".join(lines)

    @contextmanager
    def login(self, username: str) -> Iterator[Page]:
        context = self.browser.new_context(base_url=self.base_url, viewport=DESKTOP, locale="id-ID",
                                           timezone_id="Asia/Jakarta")
        context.set_default_timeout(15_000)
        self.user = ""
        try:
            page = context.new_page()
            page.on("response", self._watch)
            page.on("pageerror", lambda exc: self.server_errors.append(f"script error: {exc}"))
            page.goto("/login")
            expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
            if self.count == 0:
                self.shot(page, "login")
            self.user = username
            page.get_by_label("Nama pengguna").fill(username)
            page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
            self.submit(page, "Masuk")
            expect(page.get_by_role("heading", name="Kotak Tugas", level=1)).to_be_visible()
            expect(page.locator(".usermenu .who")).to_have_text(FULL_NAMES[username])
            yield page
            self.submit(page, "Keluar")
            expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
            expect(page.get_by_role("button", name="Keluar")).to_have_count(0)
        finally:
            context.close()
        assert not self.server_errors, self.server_errors

    def _watch(self, response: Any) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    @staticmethod
    def submit(page: Page, button: str) -> None:
        """Click a submit button and wait for the page it leads to (the redirect target or the re-rendered form)."""
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name=button, exact=True).click()

    @staticmethod
    def follow(page: Page, link: str) -> None:
        """Click a link and wait for the page it leads to."""
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("link", name=link, exact=True).first.click()

    def open_task(self, page: Page, step: int) -> None:
        """From the inbox (where the task must be listed for this campaign) to the task page."""
        row = page.locator("table.inbox tbody tr").filter(has_text=TITLE).filter(has_text=STEP[step])
        expect(row).to_have_count(1)
        self.shot(page, f"inbox-step{step}")
        with page.expect_navigation(wait_until="load"):
            row.get_by_role("link", name=STEP[step], exact=True).click()
        expect(page.get_by_role("heading", name=STEP[step], level=1)).to_be_visible()
        expect(page.locator(".task-head .eyebrow")).to_contain_text(f"Langkah SOP {step}")

    def complete_qa(self, page: Page, button: str, name: str) -> None:
        """Submit a task form of the quality assessment; back in the inbox that task is no longer listed."""
        self.submit(page, button)
        expect(page.get_by_role("status").filter(has_text=f"Tugas “{name}” selesai.")).to_be_visible()
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)

    def complete(self, page: Page, step: int, button: str) -> None:
        """Submit a task form; back in the inbox the task is done and no longer listed."""
        self.submit(page, button)
        expect(page.get_by_role("status").filter(has_text=f"Tugas “{STEP[step]}” selesai.")).to_be_visible()
        expect(page.get_by_role("link", name=STEP[step], exact=True)).to_have_count(0)
        self.shot(page, f"step{step}-done")


def textbox(page: Page, label: str) -> Any:
    """The text field whose label starts with ``label`` (labels carry their hint text after the title)."""
    return page.get_by_role("textbox", name=re.compile("^" + re.escape(label)))


def contact_name(page: Page) -> str:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    return next(name for name in NAMES if name in heading.inner_text())


CALLBACK = "Minta dihubungi kembali"
CALL_TARGETS = ("a.tel, .record-form .choice, .record-form button, .record-form input:not([type=radio]), "
                ".record-form select")


def record_call(walk: Walk, page: Page, outcome: str, note: str, callback_at: str = "", *,
                keyboard: bool = False) -> str:
    """Record a call on the contact page shown (a callback with its time); return the contact's name.
    ``keyboard``: with the keys only (Space picks the outcome, the fields are typed into, Enter saves)."""
    name = contact_name(page)
    choice = page.get_by_role("radio", name=re.compile("^" + re.escape(outcome)))
    if keyboard:
        choice.focus()
        page.keyboard.press("Space")
        expect(choice).to_be_checked()
        page.get_by_label("Durasi").focus()
        page.keyboard.type("1:35")
        textbox(page, "Catatan").focus()
        page.keyboard.type(note)
        page.get_by_role("button", name="Simpan & kontak berikutnya").focus()
        with page.expect_navigation(wait_until="load"):
            page.keyboard.press("Enter")
    else:
        choice.check()
        if callback_at:
            page.get_by_label("Waktu menghubungi kembali").fill(callback_at)
        page.get_by_label("Durasi").fill("1:35")
        textbox(page, "Catatan").fill(note)
        walk.submit(page, "Simpan & kontak berikutnya")
    expect(page.get_by_role("status").filter(has_text=f"Panggilan kepada {name} dicatat: {outcome}.")).to_be_visible()
    return name


def call_round(walk: Walk, page: Page, agent: str, outcomes: list[str], *, phone: bool = False,
               callback: tuple[str, re.Pattern[str], str] | None = None) -> list[str]:
    """Step 5 for one agent: task page → call list → "next contact" flow recording ``outcomes``; then finish.

    The first contact page shows the call script from the work plan. ``phone``: the call list and the first
    contact page are also checked at 390 px. ``callback`` (time to fill in, how the page shows it, the outcome of
    the call made then): the "Minta dihubungi kembali" contact waits on the call list with its time, and is
    called again from there.
    """
    walk.open_task(page, 5)
    panel = page.locator(".assignment-panel")
    expect(panel).to_contain_text("Penugasan Anda")
    expect(panel).to_contain_text("0 / 3")
    expect(panel.locator("tbody tr")).to_have_count(3)
    walk.shot(page, "step5-task")
    if phone:
        walk.narrow(page, "step5-task", "a.tel, .actions .button")
    walk.follow(page, "Buka daftar panggilan")
    expect(page.get_by_role("heading", name="Daftar panggilan saya")).to_be_visible()
    expect(page.locator("table.call-table tbody tr")).to_have_count(3)
    walk.shot(page, "call-list")
    if phone:
        walk.narrow(page, "call-list", "a.tel, .call-table a.strong, .page-head .button")
    walk.follow(page, "Kontak berikutnya →")
    visited = []
    for i, outcome in enumerate(outcomes):
        expect(page.get_by_role("heading", name="Catat hasil panggilan")).to_be_visible()
        if i == 0:  # the agent reads the call script the Kasi approved, beside the record form
            script = page.locator("section.case-file")
            expect(script.get_by_role("heading", name="Dari langkah sebelumnya")).to_be_visible()
            expect(script.locator("dt").filter(has_text="Naskah panggilan").first).to_be_visible()
            expect(script).to_contain_text(SCRIPT_REVISED)
            expect(script).to_contain_text(TOPIC)
        walk.shot(page, f"contact-{i + 1}")
        if i == 0 and phone:
            walk.narrow(page, "contact", CALL_TARGETS)
            walk.keyboard(page, presses=25)
        visited.append(record_call(walk, page, outcome, f"Panggilan {i + 1} oleh {agent}.",
                                   callback[0] if callback and outcome == CALLBACK else "",
                                   keyboard=i == 0 and phone))
    expect(page.get_by_role("heading", name="Daftar panggilan saya")).to_be_visible()
    if callback:
        when, shown, again = callback
        expect(page.get_by_role("status").filter(has_text="1 kontak menunggu waktu dihubungi kembali")).to_be_visible()
        waiting = page.locator("table.call-table tbody tr.open")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text("Dihubungi kembali")
        expect(waiting).to_contain_text(shown)
        walk.shot(page, "call-list-callback-waiting")
        walk.narrow(page, "call-list-callback-waiting", "a.tel, .call-table a.strong")
        name = visited[outcomes.index(CALLBACK)]
        with page.expect_navigation(wait_until="load"):
            waiting.get_by_role("link", name=name, exact=True).click()
        expect(page.locator(".callback-note")).to_contain_text(CALLBACK)
        expect(page.locator(".callback-note")).to_contain_text(shown)
        expect(page.locator(".call-history li").filter(has_text=CALLBACK)).to_contain_text(shown)
        walk.shot(page, "contact-callback")
        walk.narrow(page, "contact-callback", CALL_TARGETS)
        assert record_call(walk, page, again, f"Dihubungi kembali oleh {agent} sesuai permintaan.") == name
    expect(page.get_by_role("status").filter(has_text="Semua kontak selesai")).to_be_visible()
    expect(page.locator(".call-progress")).to_contain_text("3 / 3")
    expect(page.locator("table.call-table tbody tr.open")).to_have_count(0)
    walk.shot(page, "call-list-all-done")
    walk.follow(page, "Selesaikan penugasan pada tugas Anda")
    expect(page.locator(".assignment-panel")).to_contain_text("3 / 3")
    page.get_by_label("Ringkasan").fill(f"Semua kontak {agent} sudah dihubungi.")
    walk.shot(page, "step5-finish")
    walk.complete(page, 5, "Selesaikan penugasan")
    return visited


def open_qa_task(walk: Walk, page: Page, name: str) -> None:
    """From the inbox to a task of the quality assessment (named, for a score sheet, after the agent assessed)."""
    row = page.locator("table.inbox tbody tr").filter(has_text=TITLE).filter(has_text=name)
    expect(row).to_have_count(1)
    with page.expect_navigation(wait_until="load"):
        row.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    walk.shot(page, re.sub(r"[^a-z0-9]+", "-", name.lower())[:30].strip("-"))


def dashboard(walk: Walk, page: Page) -> None:
    """The Kasi's dashboard after step 5: the campaign's calls done and reached, the report deadline running, the
    chart named with its data as a table; on a phone and by keyboard too."""
    walk.follow(page, "Dasbor")
    expect(page.get_by_role("heading", name="Dasbor", level=1)).to_be_visible()
    row = page.locator("table.dash-campaigns tbody tr").filter(has_text=TITLE)
    expect(row).to_contain_text("6 dari 6 kontak selesai (100,0%)")
    expect(row).to_contain_text("5 dari 6 kontak terhubung")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "6")
    deadline = page.locator("table.dash-deadlines tbody tr").filter(has_text=TITLE)
    expect(deadline).to_contain_text("5 hari kerja lagi")
    chart = page.locator("svg.bar-chart")
    expect(chart).to_have_accessible_name("Panggilan per hari, 14 hari terakhir")
    expect(chart).to_have_accessible_description(re.compile(r"^8 panggilan dari .*; terbanyak 8 panggilan pada "))
    expect(chart.locator("g.bar.today text.value")).to_have_text("8")
    page.locator("details.chart-data summary").click()
    expect(page.locator("details.chart-data tbody tr").first).to_contain_text("8")
    walk.scan(page)  # axe on the filled dashboard, the chart's table open (the tour scans it before any call)
    walk.shot(page, "dashboard")
    walk.narrow(page, "dashboard")
    walk.keyboard(page, presses=20)
    download = page.request.get(str(page.get_by_role("link", name="Unduh tabel dasbor (XLSX)").get_attribute("href")))
    assert download.status == 200 and download.body().startswith(b"PK")  # a zip: the XLSX
    walk.follow(page, "Kotak Tugas")  # back where the step's task waits


def calls_annex(page: Page, campaign_id: int) -> None:
    """The report page's button gives every call attempt as a spreadsheet: eight calls, eight rows."""
    link = page.get_by_role("link", name="Unduh rincian panggilan (XLSX)")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == f"/kampanye/{campaign_id}/panggilan.xlsx"
    response = page.request.get(str(link.get_attribute("href")))
    assert response.status == 200 and "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(BytesIO(response.body())).worksheets[0]
    assert sheet.max_row == 1 + 8 and not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]


def open_campaign(walk: Walk, page: Page) -> None:
    """Through the main navigation: the campaign list, then the campaign page."""
    walk.follow(page, "Kampanye")
    expect(page.get_by_role("heading", name="Kampanye penyampaian informasi")).to_be_visible()
    walk.shot(page, "campaigns")
    walk.follow(page, TITLE)
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    walk.shot(page, "campaign")


def test_one_campaign_through_the_browser(live_server: tuple[str, Any], browser: Any, artifacts: Path,
                                          axe_url: str, tmp_path: Path) -> None:
    base_url, ctx = live_server
    walk = Walk(browser, base_url, artifacts, axe_url)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()  # the office's date: the forms' dates are WIB

    # Pengguna Layanan uploads the target list; the import report shows the rejected row.
    with walk.login("unit") as page:
        walk.shot(page, "inbox")
        walk.keyboard(page, presses=12)
        walk.follow(page, "Unggah Data")
        expect(page.get_by_role("heading", name="Unggah Data Layanan Penyampaian Informasi")).to_be_visible()
        # Nothing filled in: each field says what is missing, on the page upload.js shows in place (no navigation).
        page.get_by_role("button", name="Unggah dan mulai proses", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Data belum dapat disimpan")
        for field in ("Berkas data sasaran", "Judul kampanye"):
            expect(page.get_by_label(field)).to_have_attribute("aria-invalid", "true")
            error = page.get_by_label(field).get_attribute("aria-describedby")
            expect(page.locator(f"#{error}")).to_be_visible()
        walk.shot(page, "upload-errors")
        page.get_by_label("Berkas data sasaran").set_input_files(str(write_target_list(tmp_path)))
        page.get_by_label("Judul kampanye").fill(TITLE)
        expect(page.locator(".unit-fixed")).to_have_text(REQUESTER)  # a unit uploads for itself only
        page.get_by_label("Topik / informasi yang disampaikan").fill(TOPIC)
        walk.shot(page, "upload")
        walk.submit(page, "Unggah dan mulai proses")
        expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        campaign_id = walk.campaign_id = int(re.search(r"/kampanye/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
        expect(page.get_by_role("status")).to_contain_text("6 dari 7 baris diterima, 1 ditolak, 0 duplikat")
        report = page.locator(".import-report")
        expect(report.get_by_role("heading", name="Laporan Penerimaan dan Pengolahan Data")).to_be_visible()
        expect(report.locator(".stat.ok")).to_contain_text("6")
        expect(report.locator(".stat.bad")).to_contain_text("1")
        rejected = report.locator("table.rejected-rows tbody tr")
        expect(rejected).to_have_count(1)
        expect(rejected).to_contain_text("npwp")
        expect(page.locator(".card").filter(has_text="Progres panggilan")).to_contain_text("0 dari 6 kontak selesai")
        walk.shot(page, "campaign-uploaded")
        walk.tour(page)

    # Step 1: the Kasi assigns the Pelaksana.
    with walk.login("kasi") as page:
        walk.open_task(page, 1)
        page.get_by_label("Pelaksana Seksi Operasional").select_option("pelaksana")
        walk.shot(page, "step1-assign")
        walk.complete(page, 1, "Selesaikan tugas")

    plan = {"Tanggal mulai": today.isoformat(), "Tanggal selesai": (today + timedelta(days=14)).isoformat(),
            "Target kontak": "6", "Materi informasi": TOPIC, "Naskah panggilan": SCRIPT, "Kebutuhan agen": "2"}

    # Step 2: the Pelaksana drafts the work plan (without the shift schedule).
    with walk.login("pelaksana") as page:
        walk.open_task(page, 2)
        for label, value in plan.items():
            page.get_by_label(label).fill(value)
        walk.shot(page, "step2-work-plan")
        walk.complete(page, 2, "Selesaikan tugas")

    # Step 3: the Kasi reads the work plan and returns it; a return without a note is refused first.
    with walk.login("kasi") as page:
        walk.tour(page, shots=True)
        walk.open_task(page, 3)
        case = page.locator("section.case-file")
        expect(case.get_by_role("heading", name="Dari langkah sebelumnya")).to_be_visible()
        expect(case.get_by_role("heading", name=STEP[2])).to_contain_text(FULL_NAMES["pelaksana"])
        expect(case.locator("dd").filter(has_text=SCRIPT)).to_have_count(1)
        expect(case).to_contain_text(TOPIC)
        expect(case.locator(".badge").filter(has_text="diubah")).to_have_count(0)  # a first draft: nothing changed
        walk.shot(page, "step3-work-plan")
        walk.narrow(page, "step3-work-plan", ".decision-choices .choice, .task-form button")
        walk.keyboard(page)
        expect(page.locator("#f-catatan")).to_have_value("")
        page.get_by_role("radio", name="Kembalikan kepada Pelaksana Seksi Operasional").check()
        walk.submit(page, "Kirim keputusan")
        expect(page.get_by_role("alert").filter(has_text="Isian formulir belum benar.")).to_be_visible()
        expect(page.locator("#field-catatan.has-error")).to_be_visible()
        note = textbox(page, "Catatan")
        expect(note).to_have_attribute("aria-invalid", "true")
        expect(note).to_have_attribute("aria-describedby", re.compile(r"\berror-catatan\b"))
        expect(page.locator("#error-catatan")).to_be_visible()
        walk.shot(page, "step3-return-without-note")
        page.get_by_role("radio", name="Kembalikan kepada Pelaksana Seksi Operasional").check()
        note.fill(RETURN_NOTE)
        walk.shot(page, "step3-return")
        walk.complete(page, 3, "Kirim keputusan")

    # The Pelaksana sees the return note on the redraft page, completes the plan and resubmits.
    with walk.login("pelaksana") as page:
        walk.tour(page)
        walk.open_task(page, 2)
        notes = page.locator("section.notes").filter(has_text="Catatan pengembalian")
        expect(notes).to_contain_text(RETURN_NOTE)
        expect(notes).to_contain_text("kasi")
        expect(page.get_by_label("Materi informasi")).to_have_value(TOPIC)
        shifts = "Shift pagi 08.00–12.00: Agen 1\nShift siang 13.00–16.00: Agen 2"
        page.get_by_label("Jadwal dan pembagian shift").fill(shifts)
        page.get_by_label("Naskah panggilan").fill(SCRIPT_REVISED)
        walk.shot(page, "step2-redraft-with-return-note")
        walk.complete(page, 2, "Selesaikan tugas")

    # Step 3 again: the Kasi sees what changed since the return and approves; step 4: the Kasi previews the
    # distribution and assigns two agents.
    with walk.login("kasi") as page:
        walk.open_task(page, 3)
        case = page.locator("section.case-file")
        newest = case.locator("article.case-entry").first
        expect(newest.locator("dt").filter(has_text="Naskah panggilan")).to_contain_text("diubah")
        expect(newest.locator("dd").filter(has_text=SCRIPT_REVISED).locator(".previous del")).to_have_text(SCRIPT)
        expect(newest.locator("dt").filter(has_text="Jadwal dan pembagian shift")).to_contain_text("diubah")
        expect(newest.locator("dt").filter(has_text="Materi informasi")).not_to_contain_text("diubah")
        earlier = case.locator("details")
        expect(earlier.locator("summary")).to_contain_text("versi sebelumnya")
        earlier.locator("summary").click()
        expect(earlier.locator("dd").filter(has_text=SCRIPT)).to_be_visible()
        walk.shot(page, "step3-what-changed")
        expect(textbox(page, "Catatan")).to_have_value("")
        page.get_by_role("radio", name="Setuju", exact=True).check()
        walk.shot(page, "step3-approve")
        walk.complete(page, 3, "Kirim keputusan")
        walk.open_task(page, 4)
        page.get_by_role("checkbox", name=re.compile(r"^Agen 1 \(demo\)")).check()
        page.get_by_role("checkbox", name=re.compile(r"^Agen 2 \(demo\)")).check()
        walk.submit(page, "Pratinjau pembagian")
        preview = page.locator("#pratinjau")
        expect(preview.get_by_role("heading", name="Pratinjau pembagian")).to_be_visible()
        expect(preview.locator("tbody tr").filter(has_text="agen1")).to_contain_text("3")
        expect(preview.locator("tbody tr").filter(has_text="agen2")).to_contain_text("3")
        expect(preview.locator("tfoot")).to_contain_text("6")
        expect(page.get_by_role("checkbox", name=re.compile(r"^Agen 1 \(demo\)"))).to_be_checked()
        expect(page.get_by_role("checkbox", name=re.compile(r"^Agen 3 \(demo\)"))).not_to_be_checked()
        walk.shot(page, "step4-preview")
        walk.complete(page, 4, "Bagikan kontak dan tugaskan agen")

    # Agent 2 is absent on the calling day: from the campaign page the Kasi moves agent 2's assignment, with its
    # three open contacts, to agent 3 (not yet on the campaign); a move without a reason is refused first.
    with walk.login("kasi") as page:
        open_campaign(walk, page)
        agents = page.locator("section#agen")
        expect(agents.locator("tr[data-agent=agen2]")).to_contain_text("Berjalan")
        with page.expect_navigation(wait_until="load"):
            agents.locator("tr[data-agent=agen2]").get_by_role("link", name=re.compile("^Alihkan kontak")).click()
        expect(page.get_by_role("heading", name="Alihkan tugas", level=1)).to_be_visible()  # step 5 moves with them
        expect(page.locator("dd.open-contacts")).to_have_text("3")
        walk.in_english(page)
        page.get_by_role("radio", name=re.compile(r"^Agen 3 \(demo\)")).check()
        walk.submit(page, "Alihkan")
        expect(page.get_by_role("alert")).to_contain_text("Pengalihan tugas tidak valid.")
        reason = page.get_by_role("textbox", name=re.compile("^Alasan"))
        expect(reason).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_role("radio", name=re.compile(r"^Agen 3 \(demo\)"))).to_be_checked()
        walk.shot(page, "reassign-without-reason")
        walk.keyboard(page, presses=15)
        page.get_by_role("radio", name=re.compile(r"^Agen 3 \(demo\)")).check()
        page.get_by_role("textbox", name=re.compile("^Alasan")).fill(ABSENCE)
        walk.shot(page, "reassign")
        walk.submit(page, "Alihkan")
        expect(page.get_by_role("status")).to_contain_text("dialihkan dari agen2 kepada agen3; 3 kontak")
        expect(page.locator("tr[data-agent=agen3]")).to_contain_text("Berjalan")
        walk.shot(page, "reassigned")
        walk.follow(page, "Lihat proses SOP")
        moved = page.locator("ol.audit-trail li.action-task_reassigned")
        expect(moved).to_contain_text("dari agen2 kepada agen3")
        expect(moved).to_contain_text(ABSENCE)
        walk.shot(page, "process-reassigned")

    # Step 5: each agent works through the call list with the "next contact" flow, then finishes; agent 1 on a
    # phone-sized screen too, agent 3 (for agent 2) with a taxpayer who asks to be called back tomorrow at 10:00.
    with walk.login("agen1") as page:
        walk.tour(page, shots=True)
        walk.narrow(page, "inbox", "table.inbox a.task-name, table.inbox .button, .list-filters button, .tabs a")
        first, *_ = visited = call_round(walk, page, "agen1", ["Tidak diangkat", "Informasi tersampaikan",
                                                               "Informasi tersampaikan", "Sudah melaksanakan"],
                                         phone=True)
        assert visited[3] == first and len(set(visited)) == 3  # the unanswered contact came round again
    tomorrow = today + timedelta(days=1)
    with walk.login("agen3") as page:
        expect(page.locator("a.notice-link.has-unread")).to_be_visible()  # told of the reassignment
        visited2 = call_round(walk, page, "agen3", [CALLBACK, "Bukan yang bersangkutan", "Informasi tersampaikan"],
                              callback=(f"{tomorrow.isoformat()}T10:00",
                                        re.compile(rf"\b{tomorrow.day} \w+ {tomorrow.year} 10:00 WIB"),
                                        "Informasi tersampaikan"))
        assert len(set(visited2)) == 3 and not set(visited2) & set(visited)

    # Step 6: the Pelaksana drafts the report next to the computed figures.
    with walk.login("pelaksana") as page:
        walk.open_task(page, 6)
        figures = page.locator(".report-panel")
        expect(figures.locator(".report-totals")).to_contain_text("6Kontak")
        expect(figures.locator(".stat.ok")).to_contain_text("5")
        expect(figures.locator(".stat.accent")).to_contain_text("83,3%")
        expect(figures.locator(".report-totals")).to_contain_text("8Panggilan")
        expect(figures.locator("tr").filter(has_text="Agen 1 (demo)")).to_contain_text("4")
        page.get_by_label("Ringkasan pelaksanaan").fill(SUMMARY)
        page.get_by_label("Kendala").fill("Satu nomor bukan milik Wajib Pajak yang bersangkutan.")
        walk.shot(page, "step6-report-draft")
        walk.complete(page, 6, "Serahkan konsep laporan")

    # Step 7: the Kasi looks at the dashboard (the calls done, the report deadline running), then approves the draft.
    with walk.login("kasi") as page:
        dashboard(walk, page)
        walk.open_task(page, 7)
        expect(page.locator(".report-panel")).to_contain_text(SUMMARY)
        expect(page.locator(".report-panel .signature")).to_contain_text("Belum ditandatangani")
        page.get_by_role("radio", name="Setuju", exact=True).check()
        walk.shot(page, "step7-report-review")
        walk.complete(page, 7, "Kirim keputusan")

    # Step 8: the Kepala Kantor signs; the report page shows who signed, when, and the SHA-256.
    with walk.login("kepala") as page:
        walk.tour(page)
        walk.open_task(page, 8)
        expect(page.locator(".sign-note")).to_contain_text("SHA-256")
        page.get_by_role("radio", name="Tandatangani", exact=True).check()
        walk.shot(page, "step8-sign")
        walk.complete(page, 8, "Simpan keputusan")
        open_campaign(walk, page)
        walk.follow(page, "Laporan pelaksanaan")
        expect(page.get_by_role("heading", name="Laporan Pelaksanaan Layanan Penyampaian Informasi")).to_be_visible()
        signature = page.locator(".signature.signed")
        expect(signature).to_contain_text(f"Ditandatangani oleh {FULL_NAMES['kepala']}")
        expect(signature).to_contain_text(re.compile(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2} WIB"))
        expect(signature.locator(".hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        shown_hash = signature.locator(".hash").inner_text()
        walk.shot(page, "report-signed")
        calls_annex(page, campaign_id)

    # Step 9: the PKL section records the delivery.
    with walk.login("pkl") as page:
        walk.tour(page)
        walk.open_task(page, 9)
        page.get_by_label("Nomor surat pengantar").fill("S-123/KLIP/2026")
        page.get_by_label("Tanggal kirim").fill(today.isoformat())
        page.get_by_role("checkbox", name="Diserahkan kepada Seksi Penjaminan Kualitas Layanan").check()
        walk.shot(page, "step9-deliver")
        walk.complete(page, 9, "Selesaikan tugas")
        # The SOP's process has ended; the report's message started the quality assessment for this campaign.
        expect(page.locator("table.inbox tbody tr")).to_have_count(1)
        expect(page.locator("table.inbox tbody tr")).to_contain_text(QA_STEP["ambil_sampel"])

    # The report starts the agent quality assessment, a second BPMN process: PKL draws one connected call of each
    # agent and scores it on the sheet (agent 3's with a fatal error, which zeroes it).
    with walk.login("pkl") as page:
        open_qa_task(walk, page, QA_STEP["ambil_sampel"])
        candidates = page.locator("section.qa-candidates tbody tr")
        expect(candidates.filter(has_text="agen1")).to_contain_text("3")  # 3 of agent 1's 4 calls were answered
        page.get_by_label("Jumlah panggilan sampel per agen").fill("1")
        walk.complete_qa(page, "Selesaikan tugas", QA_STEP["ambil_sampel"])
        for agent in ("agen1", "agen3"):
            open_qa_task(walk, page, f"{QA_STEP['nilai_agen']}: {agent}")
            call = page.locator("fieldset.score-call")
            expect(call).to_have_count(1)
            expect(page.locator("section.score-sheet h3")).to_contain_text(FULL_NAMES[agent])
            expect(call.locator("dl.call-facts")).to_contain_text("tanpa rekaman")
            for label, points in SECTIONS.items():
                page.get_by_role("spinbutton", name=re.compile("^" + re.escape(label))).fill(points)
            if agent == "agen3":
                page.get_by_role("checkbox", name=re.compile("^Kesalahan fatal")).check()
                textbox(page, "Catatan penilai").fill("Menyebut status SPT di depan pihak lain.")
            textbox(page, "Umpan balik untuk agen").fill(FEEDBACK)
            walk.shot(page, f"score-sheet-{agent}")
            walk.complete_qa(page, "Simpan lembar penilaian", f"{QA_STEP['nilai_agen']}: {agent}")
        walk.tour(page, extra=("/penilaian-kualitas",))

    # The Kepala Seksi PKL reads both results and approves them.
    with walk.login("kasipkl") as page:
        open_qa_task(walk, page, QA_STEP["setujui_penilaian"])
        review = page.locator("section.qa-review")
        expect(review.locator("article.qa-result")).to_have_count(2)
        expect(review.locator("article.qa-result").filter(has_text="agen1").locator(".qa-score")).to_contain_text("97")
        expect(review.locator("article.qa-result").filter(has_text="agen3").locator(".qa-score")).to_contain_text("0")
        expect(review).to_contain_text("menunggu persetujuan")  # the state in words, not only a colour
        page.get_by_role("radio", name="Setujui dan sampaikan kepada agen").check()
        walk.complete_qa(page, "Kirim keputusan", QA_STEP["setujui_penilaian"])
        walk.follow(page, "Dasbor")  # the head of PKL sees the dashboard's quality part: the approved averages
        quality = page.locator("table.dash-quality tbody tr")
        expect(quality.filter(has_text=FULL_NAMES["agen1"])).to_contain_text("97,0 dari 100")
        expect(quality.filter(has_text=FULL_NAMES["agen3"])).to_contain_text("0,0 dari 100")
        expect(page.locator("table.dash-campaigns")).to_have_count(0)  # the operations part is the Kasi's
        walk.shot(page, "dashboard-quality")
        walk.tour(page, extra=("/penilaian-kualitas", "/dokumentasi/proses/penilaian_kualitas_agen"))

    # Agent 1 reads its own result and feedback, and nothing of agent 3's.
    with walk.login("agen1") as page:
        page.goto("/pemberitahuan")
        expect(page.locator("main")).to_contain_text(f"Hasil penilaian kualitas Anda untuk {TITLE}: nilai 97")
        walk.follow(page, "Penilaian Kualitas")
        expect(page.get_by_role("heading", name="Penilaian kualitas Anda", level=1)).to_be_visible()
        result = page.locator("article.qa-result")
        expect(result).to_have_count(1)
        expect(result.locator(".qa-score")).to_contain_text("97")
        expect(result).to_contain_text(FEEDBACK)
        expect(result).to_contain_text("disetujui")
        expect(page.locator("main")).not_to_contain_text("Agen 3 (demo)")
        walk.shot(page, "own-quality-result")

    # The requester sees the campaign finished and downloads the signed report (the very file whose SHA-256 was
    # recorded at signing); the process page shows the status and the audit trail.
    with walk.login("unit") as page:
        open_campaign(walk, page)
        expect(page.get_by_role("heading", name=TITLE, level=1)).to_contain_text("Selesai")
        expect(page.locator(".card").filter(has_text="Progres panggilan")).to_contain_text("6 dari 6 kontak selesai")
        signed_card = page.locator("section.signed-report")
        expect(signed_card.locator(".cover-letter")).to_contain_text("S-123/KLIP/2026")
        pdf = page.request.get(str(signed_card.get_by_role("link", name="Unduh laporan (PDF)").get_attribute("href")))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        assert hashlib.sha256(pdf.body()).hexdigest() == signed_card.locator(".hash").inner_text() == shown_hash
        walk.follow(page, "Lihat proses SOP")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Selesai")
        expect(page.get_by_text("Tidak ada tugas yang sedang menunggu.")).to_be_visible()
        trail = page.locator("ol.audit-trail")
        # The requesting unit sees who did what and when, but not KLIP's internal decisions and notes.
        expect(trail.locator("li").filter(has_text="menyelesaikan").filter(has_text=STEP[9])).to_have_count(1)
        expect(trail).not_to_contain_text(RETURN_NOTE)
        # The diagram is named; its shapes say their state, not only by colour; they work from the keyboard.
        expect(page.locator(".diagram-frame svg")).to_have_accessible_name(re.compile(r"\w"))
        done = page.locator('.diagram-frame g[data-element-id="tugaskan_pelaksana"]')
        expect(done).to_have_attribute("aria-label", f"{STEP[1]} (Selesai dikerjakan)")
        expect(done.locator(".bpmn-state-mark")).to_have_count(1)
        done.focus()
        page.keyboard.press("Enter")
        expect(page.locator(".diagram-panel h3[data-slot=name]")).to_have_text(STEP[1])
        expect(page.locator(".diagram-panel [data-state=state-completed]")).to_be_visible()
        process_url = page.url
        walk.shot(page, "process-completed")
        walk.keyboard(page, presses=20)

    # KLIP staff see the full audit trail, with the return and its note.
    with walk.login("kasi") as page:
        page.goto(process_url)
        trail = page.locator("ol.audit-trail")
        returned = trail.locator("li").filter(has_text="Keputusan: Dikembalikan")
        expect(returned).to_have_count(1)
        expect(returned).to_contain_text(RETURN_NOTE)
        expect(returned).to_contain_text(STEP[3])
        expect(trail).to_contain_text("Ditandatangani")
        walk.shot(page, "process-audit-trail")

    # The Pelaksana uploads a second campaign on behalf of the same unit, choosing the unit from the list.
    with walk.login("pelaksana") as page:
        walk.follow(page, "Unggah Data")
        page.get_by_label("Berkas data sasaran").set_input_files(str(write_target_list(tmp_path)))
        page.get_by_label("Judul kampanye").fill(SECOND_TITLE)
        page.get_by_label("Unit peminta (Pengguna Layanan)").select_option(REQUESTER)
        page.get_by_label("Topik / informasi yang disampaikan").fill(TOPIC)
        walk.submit(page, "Unggah dan mulai proses")
        expect(page.get_by_role("heading", name=SECOND_TITLE, level=1)).to_be_visible()
        second = page.url.removeprefix(base_url)

    # Every user of the unit sees it, though the unit did not upload it; an agent not assigned to it is refused.
    with walk.login("unit") as page:
        walk.follow(page, "Kampanye")
        walk.follow(page, SECOND_TITLE)
        expect(page.get_by_role("heading", name=SECOND_TITLE, level=1)).to_be_visible()
        expect(page.locator(".card").filter(has_text="Progres panggilan")).to_contain_text("0 dari 6 kontak selesai")
        walk.shot(page, "campaign-uploaded-by-pelaksana")
    with walk.login("agen1") as page:
        walk.follow(page, "Kampanye")
        expect(page.get_by_role("link", name=TITLE, exact=True)).to_have_count(1)  # its own campaign
        expect(page.get_by_role("link", name=SECOND_TITLE, exact=True)).to_have_count(0)
        refused = page.goto(second)
        assert refused is not None and refused.status in (403, 404), refused and refused.status
        expect(page.locator("main")).not_to_contain_text(SECOND_TITLE)
        walk.shot(page, "other-campaign-refused")

    # The administrator's screens, and the printable SOP document the documentation page links to; a new user (a
    # password typed twice that does not match is refused, then one is generated and shown once), and a working-day
    # correction.
    with walk.login("admin") as page:
        page.goto("/dokumentasi")
        walk.tour(page, extra=(str(page.get_by_role("link", name="Dokumen SOP siap cetak").get_attribute("href")),))
        walk.follow(page, "Administrasi")
        expect(page.get_by_role("heading", name="Pengguna", level=1)).to_be_visible()
        walk.shot(page, "admin-users")
        walk.follow(page, "Tambah pengguna")
        page.get_by_label("Nama pengguna").fill("agen4")
        page.get_by_label("Nama lengkap").fill("Agen 4")
        page.get_by_role("checkbox", name="Agen", exact=True).check()
        page.get_by_role("radio", name=re.compile("^Ketik kata sandi")).check()
        page.get_by_label("Kata sandi baru", exact=True).fill("rahasia-123")
        page.get_by_label("Ulangi kata sandi baru").fill("rahasia-321")
        walk.submit(page, "Simpan pengguna")
        expect(page.locator("#error-password_confirm")).to_be_visible()
        expect(page.get_by_label("Ulangi kata sandi baru")).to_have_attribute("aria-invalid", "true")
        walk.shot(page, "admin-user-errors")
        page.get_by_role("radio", name=re.compile("^Buat kata sandi acak")).check()
        walk.submit(page, "Simpan pengguna")
        expect(page.locator("code.secret")).to_have_text(re.compile(r"^\S{16,}$"))
        walk.shot(page, "admin-user-created")
        saturday = today + timedelta(days=12 - today.weekday())  # next week's: never a working day by the list
        page.goto(f"/admin/kalender?tahun={saturday.year}")
        walk.keyboard(page, presses=20)
        page.get_by_label(re.compile("^Tanggal")).fill(saturday.isoformat())
        page.get_by_role("radio", name="Hari kerja").check()
        page.get_by_label(re.compile("^Catatan")).fill("Hari kerja pengganti")
        walk.submit(page, "Simpan koreksi")
        expect(page.get_by_role("status").first).to_contain_text("disimpan")
        expect(page.locator(f"tr[data-day='{saturday.isoformat()}']")).to_contain_text("dijadikan hari kerja")
        walk.shot(page, "admin-calendar")

    signed = campaigns.get_report(ctx, "kasi", campaign_id)
    assert signed["signed_by"] == "kepala" and signed["sha256"] == shown_hash
    if walk.violations:
        pytest.fail(walk.accessibility_report(), pytrace=False)
    print(f"accessibility: no violations in {walk.scans} scans")
