"""A process analyst in a real browser: the web modeler (real bpmn-js), lint, deploy, version list, visual diff.

The analyst logs in, opens the modeler on LIP20-0008, first saves the model unchanged (a bpmn.io round trip: the
server must find it identical to the deployed version, and deploying it stores nothing), then drags a task, edits
its ``sopStep`` in the side panel, saves, sees the lint result, deploys with a note, and sees v2 in the version list
and its visual diff. Upload with a lint error: the finding is listed and marked. axe-core (WCAG 2.1 A/AA) scans every
page; screenshots go to test-artifacts/analyst/NN-<screen>.png.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine.demo import DEMO_PASSWORD
from engine.process import list_versions
from engine.users import create_user

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "analyst"
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(" "))}));
}"""
TASK = "susun_rencana_kerja"  # step 2: the Pelaksana drafts the work plan
NOTE = "Langkah 2 digeser; sopStep '-' (uji peramban)"


class Analyst:
    def __init__(self, page: Page, axe_url: str):
        self.page, self.axe_url, self.count, self.violations = page, axe_url, 0, []  # type: list[Any]
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def check(self, name: str) -> None:
        """Screenshot NN-<name>.png and an axe-core scan of the page as it is now."""
        self.count += 1
        self.page.screenshot(path=str(SHOTS / f"{self.count:02d}-{name}.png"), full_page=True)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=self.axe_url)
        found = self.page.evaluate(AXE_RUN)
        self.violations += [{**v, "page": name} for v in found]


def open_modeler(page: Page) -> None:
    page.goto("/analis/modeler?proses=lip20_0008")
    expect(page.locator("[data-modeler][data-ready='1']")).to_have_count(1, timeout=20_000)


def save(page: Page) -> None:
    page.get_by_role("button", name="Simpan dan periksa").click()
    expect(page.locator("[data-status]")).to_contain_text("Tersimpan sebagai draf", timeout=20_000)


def test_analyst_models_lints_deploys_and_compares(live_server: tuple[str, Any], browser: Any, axe_url: str) -> None:
    base_url, ctx = live_server
    create_user(ctx, "analis", ["analis"], password=DEMO_PASSWORD, full_name="Analis Proses (uji)")
    context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 950}, locale="id-ID")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    walk = Analyst(page, axe_url)
    try:
        page.goto("/login")
        page.get_by_label("Nama pengguna").fill("analis")
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_role("link", name="Analis Proses").click()
        expect(page.get_by_role("heading", name="Proses dan versi", level=1)).to_be_visible()
        expect(page.locator("table tbody tr")).to_have_count(2)
        walk.check("proses")

        # A round trip through bpmn-js without a change: the same meaning, so deploying stores nothing.
        open_modeler(page)
        walk.check("modeler")
        save(page)
        expect(page.locator("[data-status]")).to_contain_text("lint tanpa kesalahan")
        expect(page.locator("[data-same-as-box]")).to_be_visible()
        page.get_by_label("Catatan versi").fill("tanpa perubahan")
        page.get_by_role("button", name="Deploy sebagai versi baru").click()
        expect(page.locator(".flash")).to_contain_text("Tidak ada perubahan")
        assert [v.id for v in list_versions(ctx, "lip20_0008")] == [1]

        # Drag the task, edit its sopStep in the side panel, save, see the lint result.
        open_modeler(page)
        shape = page.locator(f"g.djs-element.djs-shape[data-element-id='{TASK}']")
        box = shape.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 8, steps=8)
        page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 + 15, steps=8)
        page.mouse.up()
        moved = shape.bounding_box()
        assert moved is not None and moved["x"] > box["x"] + 20, (box, moved)
        page.get_by_label("Elemen", exact=True).select_option(TASK)
        step = page.get_by_label("Langkah SOP (sopStep: nomor, nama bagian, atau -)")
        expect(step).to_have_value("2")
        step.fill("-")
        step.press("Tab")
        save(page)
        expect(page.locator("[data-status]")).to_contain_text("lint tanpa kesalahan")
        expect(page.locator("[data-same-as-box]")).to_be_hidden()
        walk.check("modeler-tersimpan")
        page.get_by_label("Catatan versi").fill(NOTE)
        page.get_by_role("button", name="Deploy sebagai versi baru").click()
        expect(page.locator(".flash")).to_contain_text("Versi v2")
        walk.check("versi-v2")

        # v2 in the version list, with its visual diff.
        page.get_by_role("link", name="Proses dan versi").click()
        row = page.locator("table tbody tr").filter(has_text=NOTE)
        expect(row).to_contain_text("v2")
        expect(row).to_contain_text("versi aktif")
        row.get_by_role("link", name="Perbedaan v1 → v2").click()
        change = page.locator(f"li.change-changed[data-element-ref='{TASK}']")
        expect(change).to_contain_text("sopStep: '2' → '-'")
        expect(change).to_contain_text("dipindah pada diagram")
        marked = page.locator(f"svg g.diff-changed[data-element-id='{TASK}'] .bpmn-badge-text")
        expect(marked).to_have_text("~" + change.locator(".change-badge").inner_text().lstrip("~"))
        walk.check("beda-v1-v2")
        page.get_by_role("link", name="Pindah versi").click()
        expect(page.get_by_role("heading", name="Pindah versi", level=1)).to_be_visible()
        walk.check("pindah-versi")

        # An upload with a lint error: listed, marked on the diagram, no deploy.
        page.get_by_role("link", name="Unggah model").click()
        walk.check("unggah")
        broken = (ROOT / "bpmn" / "lip20-0008.bpmn").read_bytes().replace(
            b'name="sopStep" value="2"', b'name="sopStep" value="9"', 1)
        page.get_by_label("File model dan formulir").set_input_files(
            [{"name": "lip20-0008.bpmn", "mimeType": "application/xml", "buffer": broken}])
        page.get_by_role("button", name="Unggah dan periksa").click()
        expect(page.locator("li.finding-error").first).to_contain_text("sop-step")
        expect(page.locator("svg g.lint-error .bpmn-badge-text").first).to_have_text("!1")
        expect(page.get_by_role("button", name="Deploy sebagai versi baru")).to_have_count(0)
        walk.check("draf-temuan")

        # The same pages in English (axe again; the model's own texts stay Indonesian, marked lang="id").
        page.get_by_role("link", name="EN", exact=True).click()
        page.goto("/analis/modeler?proses=penilaian_kualitas_agen")
        expect(page.locator("[data-modeler][data-ready='1']")).to_have_count(1, timeout=20_000)
        expect(page.get_by_role("button", name="Save and check")).to_be_visible()
        walk.check("en-modeler")
        page.get_by_role("link", name="Processes and versions").click()
        walk.check("en-proses")
    finally:
        context.close()
    assert [v.note for v in list_versions(ctx, "lip20_0008")][-1] == NOTE
    assert errors == []
    assert walk.violations == [], "\n".join(f"{v['page']}: {v['id']} {v['help']} {v['targets'][:3]}"
                                            for v in walk.violations)
