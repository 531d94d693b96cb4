"""The upload page's progress in a real browser: the upload in percent, then the processing (a slow import is made
slower on purpose), the campaign page at the end; an error shows the page a form post would, focused on the error;
axe-core finds nothing while the progress is shown."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from engine.campaign import services
from engine.demo import DEMO_PASSWORD, sample_target_list

pytestmark = pytest.mark.e2e

AXE_RUN = """async () => (await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a",
  "wcag21aa"]}, resultTypes: ["violations"]})).violations.map(v => v.id + ": " + v.nodes.map(n => n.target))"""


def test_upload_shows_its_progress_then_opens_the_campaign(live_server: tuple[str, Any], browser: Any,
                                                           axe_url: str, tmp_path: Path, artifacts: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    base_url, _ = live_server
    importing = services.import_target_list

    def slow_import(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.5)  # long enough to see the processing stage
        return importing(*args, **kwargs)

    monkeypatch.setattr(services, "import_target_list", slow_import)
    good, bad = tmp_path / "sasaran.csv", tmp_path / "kurang.csv"
    good.write_bytes(sample_target_list(300))
    bad.write_text("npwp,nama\n01.234.567.8-091.000,Budi\n")
    context = browser.new_context(base_url=base_url, locale="id-ID")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill("pelaksana")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto("/kampanye/unggah")

    page.get_by_label("Berkas data sasaran").set_input_files(str(bad))
    page.get_by_label("Judul kampanye").fill("Uji unggah dengan kemajuan")
    page.get_by_label("Unit peminta (Pengguna Layanan)").select_option("Direktorat P2Humas")
    page.get_by_role("button", name="Unggah dan mulai proses").click()
    bar = page.get_by_role("progressbar", name="Memeriksa dan menyimpan setiap baris")
    expect(bar).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Berkas terkirim")
    assert bar.get_attribute("value") is None  # indeterminate while the server works
    page.add_script_tag(url=axe_url)
    assert page.evaluate(AXE_RUN) == []
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Data belum dapat disimpan")  # the 422 page, shown without leaving this one
    expect(alert).to_be_focused()
    expect(page.locator("#file-error")).to_contain_text("Kolom wajib tidak ditemukan: telepon")
    assert page.url.endswith("/kampanye/unggah")

    page.get_by_label("Berkas data sasaran").set_input_files(str(good))  # the new form works the same way
    page.get_by_role("button", name="Unggah dan mulai proses").click()
    expect(page.get_by_role("progressbar", name="Memeriksa dan menyimpan setiap baris")).to_be_visible()
    # The last attempt's errors do not describe this file (checked now, while it is processed: no waiting).
    assert page.locator("#file-error").count() == 0 and page.get_by_role("alert").count() == 0
    page.screenshot(path=str(artifacts / "upload-progress-processing.png"), full_page=True)
    page.wait_for_url(re.compile(r".*/kampanye/\d+$"))
    expect(page.locator(".flash").first).to_contain_text("300 dari 303 baris diterima")
    assert errors == []
    context.close()
