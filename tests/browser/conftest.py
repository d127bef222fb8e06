"""Browser tests: headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by
Selenium against a real ``recordbase serve`` over a ``recordbase demo`` instance.

One server per test process (session scope), on a fresh database (SQLite, or a new PostgreSQL
database when ``RECORDBASE_TEST_DATABASE_URL`` is set), with the outsourcing pack and its sample
data. Each test gets a new browser (a clean profile: no cookies left by another test).

A failing test leaves a screenshot and the page's HTML in ``browser-artifacts/`` (or
``$RECORDBASE_BROWSER_ARTIFACTS``). Without Chromium the tests are skipped, unless
``RECORDBASE_BROWSER_TESTS=require`` (set by ``.ci/run``), where a missing browser fails them.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from databases import fresh_database
from processes import free_port, recordbase_command

from .helpers import CHROMEDRIVER, CHROMIUM, DEMO_PASSWORD, LiveServer, Page


ARTIFACTS = Path(os.environ.get("RECORDBASE_BROWSER_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "browser-artifacts")


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    missing = _browser_missing()
    if missing:
        if os.environ.get("RECORDBASE_BROWSER_TESTS") == "require":
            pytest.fail(f"browser tests required but {missing}")
        pytest.skip(missing)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rb_report_{report.when}", report)
    return report


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"recordbase serve exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/admin/login/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"recordbase serve did not answer in 60 s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(browser_available, template_db, tmp_path_factory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    databases = fresh_database(template_db, folder)
    database_url = next(databases)
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, folder, None)  # type: ignore[arg-type]
    setup = subprocess.run([*recordbase_command(), "demo", "--no-serve", "--password", DEMO_PASSWORD],
                           cwd=folder, env=server.env, capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    log = folder / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen([*recordbase_command(), "serve", "--port", str(port), "--workers", "1",
                                    "--threads", "4"], cwd=folder, env=server.env,
                                   stdout=out, stderr=subprocess.STDOUT)
    server.process = process
    try:
        _wait_until_up(server.base, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        next(databases, None)


@pytest.fixture
def browser(browser_available, request, tmp_path):
    """A new headless Chromium at 1366×857 (the size the issues' screenshots use)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1366,857", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_argument("--lang=en-US")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1366, 857)
    driver.implicitly_wait(0)
    yield driver
    failed = any(getattr(getattr(request.node, f"rb_report_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            driver.save_screenshot(str(ARTIFACTS / f"{stem}.png"))
            (ARTIFACTS / f"{stem}.html").write_text(driver.page_source)
        except Exception:  # noqa: BLE001 - the screenshot must not hide the test's own failure
            pass
    driver.quit()


@pytest.fixture
def page(browser, live_server) -> Page:
    return Page(browser, live_server)
