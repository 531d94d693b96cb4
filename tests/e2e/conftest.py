"""A live server on a throw-away database and a headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.context import Context
from engine.demo import DEMO_PASSWORD, seed_users
from engine.migrate import upgrade
from engine.process import deploy_models
from engine.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE_URL = "/_e2e/axe.min.js"  # the test server only
CHROMIUM = os.environ.get("KLIP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, axe_js: Path) -> Iterator[tuple[str, Context]]:
    from flask import send_file

    from webapp import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    upgrade(url)
    settings = Settings(database_url=url, demo_mode=True)
    ctx = Context.from_settings(settings)
    deploy_models(ctx, "system", system=True)
    seed_users(ctx, DEMO_PASSWORD)
    app = create_app({"KLIP_SETTINGS": settings})
    # The test's own copy of axe-core, served so that each browser context loads (and compiles) it once.
    app.add_url_rule(AXE_URL, "e2e_axe", lambda: send_file(axe_js, mimetype="text/javascript", max_age=3600))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ctx
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    ctx.engine.dispose()
    app.extensions["klip"].engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium (make system-deps)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def axe_js() -> Path:
    """axe-core's axe.min.js, fetched by the Makefile (pinned by version and integrity hash) into .cache/."""
    version = re.search(r"^AXE_VERSION\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert version, "the Makefile pins AXE_VERSION"
    path = ROOT / ".cache" / "axe-core" / version.group(1) / "axe.min.js"
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} not found: run `make axe` (`make test` fetches it)")
    return path


@pytest.fixture(scope="module")
def axe_url(live_server: tuple[str, Context]) -> str:
    """Where the live server serves axe-core (add it to a page with ``page.add_script_tag(url=axe_url)``)."""
    return AXE_URL
