"""One whole campaign through the UI in a real browser, as the different users of SOP LIP20-0008.

Every user logs in through the login form (demo password) in a fresh browser context and logs out with
"Keluar". The work plan is returned once. A full-page screenshot of each screen visited is saved to
test-artifacts/e2e/NN-<user>-<screen>.png. The engine is only read, at the very end, to cross-check the signature.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from engine import campaign as campaigns
from engine.demo import DEMO_PASSWORD, npwp15

pytestmark = pytest.mark.e2e

TITLE = "Himbauan SPT Tahunan 2025 (uji peramban)"
REQUESTER = "Direktorat P2Humas"
TOPIC = "Pengingat batas waktu penyampaian SPT Tahunan PPh Orang Pribadi tanggal 31 Maret."
NAMES = ("Budi Santoso", "Siti Rahayu", "Agus Wijaya", "Dewi Lestari", "Rudi Hidayat", "Rina Saputra")
RETURN_NOTE = "Lengkapi jadwal shift"
SUMMARY = "Enam Wajib Pajak dihubungi oleh dua agen; lima menerima informasi."
FULL_NAMES = {"unit": "Pengguna Layanan: Direktorat P2Humas (demo)", "kasi": "Kepala Seksi Operasional (demo)",
              "pelaksana": "Pelaksana Seksi Operasional (demo)", "agen1": "Agen 1 (demo)", "agen2": "Agen 2 (demo)",
              "kepala": "Kepala Kantor (demo)", "pkl": "Seksi Penjaminan Kualitas Layanan (demo)"}
STEP = {1: "Menugaskan Pelaksana menyusun konsep rencana kerja", 2: "Menyusun konsep rencana kerja",
        3: "Meneliti dan menyetujui rencana kerja", 4: "Mendistribusikan pekerjaan dan menugaskan agen",
        5: "Menghubungi Wajib Pajak dan mencatat respon", 6: "Menyusun konsep laporan pelaksanaan",
        7: "Meneliti dan menyetujui laporan pelaksanaan", 8: "Meneliti dan menandatangani laporan pelaksanaan",
        9: "Menyampaikan laporan untuk penilaian kualitas agen dan kepada Pengguna Layanan"}


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
    """The browser side of the walk: one context per login, numbered screenshots, form submission."""

    def __init__(self, browser: Any, base_url: str, artifacts: Path):
        self.browser, self.base_url, self.artifacts, self.count, self.user = browser, base_url, artifacts, 0, ""
        self.server_errors: list[str] = []
        for old in artifacts.glob("[0-9][0-9]-*.png"):
            old.unlink()

    def shot(self, page: Page, name: str) -> None:
        """A full-page screenshot of the screen now shown: NN-<user>-<name>.png."""
        self.count += 1
        # To the top first: after a full-page capture of a scrolled page, Debian's Chromium 150 hit-tests the next
        # click at a stale scroll offset, so the click lands beside the button and the form is never submitted.
        page.evaluate("() => window.scrollTo(0, 0)")
        path = self.artifacts / f"{self.count:02d}-{self.user or 'anonim'}-{name}.png"
        page.screenshot(path=str(path), full_page=True)

    @contextmanager
    def login(self, username: str) -> Iterator[Page]:
        context = self.browser.new_context(base_url=self.base_url, viewport={"width": 1280, "height": 900},
                                           locale="id-ID", timezone_id="Asia/Jakarta")
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


def call_round(walk: Walk, page: Page, agent: str, outcomes: list[str]) -> list[str]:
    """Step 5 for one agent: task page → call list → "next contact" flow recording ``outcomes``; then finish."""
    walk.open_task(page, 5)
    panel = page.locator(".assignment-panel")
    expect(panel).to_contain_text("Penugasan Anda")
    expect(panel).to_contain_text("0 / 3")
    expect(panel.locator("tbody tr")).to_have_count(3)
    walk.shot(page, "step5-task")
    walk.follow(page, "Buka daftar panggilan")
    expect(page.get_by_role("heading", name="Daftar panggilan saya")).to_be_visible()
    expect(page.locator("table.call-table tbody tr")).to_have_count(3)
    walk.shot(page, "call-list")
    walk.follow(page, "Kontak berikutnya →")
    visited = []
    for i, outcome in enumerate(outcomes):
        name = contact_name(page)
        visited.append(name)
        expect(page.get_by_role("heading", name="Catat hasil panggilan")).to_be_visible()
        walk.shot(page, f"contact-{i + 1}")
        page.get_by_role("radio", name=re.compile("^" + re.escape(outcome))).check()
        page.get_by_label("Durasi").fill("1:35")
        textbox(page, "Catatan").fill(f"Panggilan {i + 1} oleh {agent}.")
        walk.submit(page, "Simpan & kontak berikutnya")
        recorded = page.get_by_role("status").filter(has_text=f"Panggilan kepada {name} dicatat: {outcome}.")
        expect(recorded).to_be_visible()
    expect(page.get_by_role("heading", name="Daftar panggilan saya")).to_be_visible()
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


def open_campaign(walk: Walk, page: Page) -> None:
    """Through the main navigation: the campaign list, then the campaign page."""
    walk.follow(page, "Kampanye")
    expect(page.get_by_role("heading", name="Kampanye penyampaian informasi")).to_be_visible()
    walk.shot(page, "campaigns")
    walk.follow(page, TITLE)
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    walk.shot(page, "campaign")


def test_one_campaign_through_the_browser(live_server: tuple[str, Any], browser: Any, artifacts: Path,
                                          tmp_path: Path) -> None:
    base_url, ctx = live_server
    walk = Walk(browser, base_url, artifacts)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()  # the office's date: the forms' dates are WIB

    # Pengguna Layanan uploads the target list; the import report shows the rejected row.
    with walk.login("unit") as page:
        walk.shot(page, "inbox")
        walk.follow(page, "Unggah Data")
        expect(page.get_by_role("heading", name="Unggah Data Layanan Penyampaian Informasi")).to_be_visible()
        page.get_by_label("Berkas data sasaran").set_input_files(str(write_target_list(tmp_path)))
        page.get_by_label("Judul kampanye").fill(TITLE)
        page.get_by_label("Unit peminta (Pengguna Layanan)").fill(REQUESTER)
        page.get_by_label("Topik / informasi yang disampaikan").fill(TOPIC)
        walk.shot(page, "upload")
        walk.submit(page, "Unggah dan mulai proses")
        expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        campaign_id = int(re.search(r"/kampanye/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
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

    # Step 1: the Kasi assigns the Pelaksana.
    with walk.login("kasi") as page:
        walk.open_task(page, 1)
        page.get_by_label("Pelaksana Seksi Operasional").select_option("pelaksana")
        walk.shot(page, "step1-assign")
        walk.complete(page, 1, "Selesaikan tugas")

    plan = {"Tanggal mulai": today.isoformat(), "Tanggal selesai": (today + timedelta(days=14)).isoformat(),
            "Target kontak": "6", "Materi informasi": TOPIC,
            "Naskah panggilan": "Selamat pagi, kami dari Kring Pajak. Kami mengingatkan batas waktu SPT Tahunan.",
            "Kebutuhan agen": "2"}

    # Step 2: the Pelaksana drafts the work plan (without the shift schedule).
    with walk.login("pelaksana") as page:
        walk.open_task(page, 2)
        for label, value in plan.items():
            page.get_by_label(label).fill(value)
        walk.shot(page, "step2-work-plan")
        walk.complete(page, 2, "Selesaikan tugas")

    # Step 3: the Kasi returns the work plan; a return without a note is refused first.
    with walk.login("kasi") as page:
        walk.open_task(page, 3)
        expect(page.locator("#f-catatan")).to_have_value("")
        page.get_by_role("radio", name="Kembalikan kepada Pelaksana Seksi Operasional").check()
        walk.submit(page, "Kirim keputusan")
        expect(page.get_by_role("alert").filter(has_text="Isian formulir belum benar.")).to_be_visible()
        expect(page.locator("#field-catatan.has-error")).to_be_visible()
        walk.shot(page, "step3-return-without-note")
        page.get_by_role("radio", name="Kembalikan kepada Pelaksana Seksi Operasional").check()
        textbox(page, "Catatan").fill(RETURN_NOTE)
        walk.shot(page, "step3-return")
        walk.complete(page, 3, "Kirim keputusan")

    # The Pelaksana sees the return note on the redraft page, completes the plan and resubmits.
    with walk.login("pelaksana") as page:
        walk.open_task(page, 2)
        notes = page.locator("section.notes").filter(has_text="Catatan pengembalian")
        expect(notes).to_contain_text(RETURN_NOTE)
        expect(notes).to_contain_text("kasi")
        expect(page.get_by_label("Materi informasi")).to_have_value(TOPIC)
        shifts = "Shift pagi 08.00–12.00: Agen 1\nShift siang 13.00–16.00: Agen 2"
        page.get_by_label("Jadwal dan pembagian shift").fill(shifts)
        walk.shot(page, "step2-redraft-with-return-note")
        walk.complete(page, 2, "Selesaikan tugas")

    # Step 3 again: the Kasi approves; step 4: the Kasi previews the distribution and assigns two agents.
    with walk.login("kasi") as page:
        walk.open_task(page, 3)
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

    # Step 5: each agent works through the call list with the "next contact" flow, then finishes.
    with walk.login("agen1") as page:
        first, *_ = visited = call_round(walk, page, "agen1", ["Tidak diangkat", "Informasi tersampaikan",
                                                               "Informasi tersampaikan", "Sudah melaksanakan"])
        assert visited[3] == first and len(set(visited)) == 3  # the unanswered contact came round again
    with walk.login("agen2") as page:
        visited2 = call_round(walk, page, "agen2", ["Informasi tersampaikan", "Bukan yang bersangkutan",
                                                    "Informasi tersampaikan"])
        assert len(set(visited2)) == 3 and not set(visited2) & set(visited)

    # Step 6: the Pelaksana drafts the report next to the computed figures.
    with walk.login("pelaksana") as page:
        walk.open_task(page, 6)
        figures = page.locator(".report-panel")
        expect(figures.locator(".report-totals")).to_contain_text("6Kontak")
        expect(figures.locator(".stat.ok")).to_contain_text("5")
        expect(figures.locator(".stat.accent")).to_contain_text("83,3%")
        expect(figures.locator(".report-totals")).to_contain_text("7Panggilan")
        expect(figures.locator("tr").filter(has_text="Agen 1 (demo)")).to_contain_text("4")
        page.get_by_label("Ringkasan pelaksanaan").fill(SUMMARY)
        page.get_by_label("Kendala").fill("Satu nomor bukan milik Wajib Pajak yang bersangkutan.")
        walk.shot(page, "step6-report-draft")
        walk.complete(page, 6, "Serahkan konsep laporan")

    # Step 7: the Kasi approves the draft report.
    with walk.login("kasi") as page:
        walk.open_task(page, 7)
        expect(page.locator(".report-panel")).to_contain_text(SUMMARY)
        expect(page.locator(".report-panel .signature")).to_contain_text("Belum ditandatangani")
        page.get_by_role("radio", name="Setuju", exact=True).check()
        walk.shot(page, "step7-report-review")
        walk.complete(page, 7, "Kirim keputusan")

    # Step 8: the Kepala Kantor signs; the report page shows who signed, when, and the SHA-256.
    with walk.login("kepala") as page:
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

    # Step 9: the PKL section records the delivery.
    with walk.login("pkl") as page:
        walk.open_task(page, 9)
        page.get_by_label("Nomor surat pengantar").fill("S-123/KLIP/2026")
        page.get_by_label("Tanggal kirim").fill(today.isoformat())
        page.get_by_role("checkbox", name="Diserahkan kepada Seksi Penjaminan Kualitas Layanan").check()
        walk.shot(page, "step9-deliver")
        walk.complete(page, 9, "Selesaikan tugas")
        expect(page.locator("table.inbox")).to_have_count(0)

    # The requester sees the campaign finished; the process page shows the status and the audit trail.
    with walk.login("unit") as page:
        open_campaign(walk, page)
        expect(page.get_by_role("heading", name=TITLE, level=1)).to_contain_text("Selesai")
        expect(page.locator(".card").filter(has_text="Progres panggilan")).to_contain_text("6 dari 6 kontak selesai")
        walk.follow(page, "Lihat proses SOP")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Selesai")
        expect(page.get_by_text("Tidak ada tugas yang sedang menunggu.")).to_be_visible()
        trail = page.locator("ol.audit-trail")
        # The requesting unit sees who did what and when, but not KLIP's internal decisions and notes.
        expect(trail.locator("li").filter(has_text="menyelesaikan").filter(has_text=STEP[9])).to_have_count(1)
        expect(trail).not_to_contain_text(RETURN_NOTE)
        process_url = page.url
        walk.shot(page, "process-completed")

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

    signed = campaigns.get_report(ctx, "kasi", campaign_id)
    assert signed["signed_by"] == "kepala" and signed["sha256"] == shown_hash
