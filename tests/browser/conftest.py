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
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from databases import fresh_database
from processes import free_port, recordbase_command

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DEMO_EMAIL = "admin@example.com"
DEMO_PASSWORD = "browser-tests-password"
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


class LiveServer:
    """A running ``recordbase serve``: its base URL, database URL and folder."""

    def __init__(self, base: str, database_url: str, folder: Path, process: subprocess.Popen):
        self.base = base
        self.database_url = database_url
        self.folder = folder
        self.process = process

    def url(self, path: str) -> str:
        return self.base + path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run another ``recordbase`` command on the same instance (e.g. ``users create``)."""
        return subprocess.run([*recordbase_command(), *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, check=check, timeout=120)

    @property
    def env(self) -> dict:
        env = dict(os.environ)
        env["RECORDBASE_DATABASE_URL"] = self.database_url
        env.pop("RECORDBASE_INSTANCE", None)
        return env


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


class Page:
    """Small helpers over a Selenium driver: waits instead of sleeps, the admin's sign-in and language."""

    def __init__(self, driver, server: LiveServer):
        self.driver = driver
        self.server = server

    def open(self, path: str) -> None:
        self.driver.get(self.server.url(path))

    def wait(self, condition, timeout: float = 10):
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        # (a condition reading the page while a new one replaces it is asked again, not failed)
        return WebDriverWait(self.driver, timeout, ignored_exceptions=(NoSuchElementException,
                                                                       StaleElementReferenceException)).until(condition)

    def find(self, css: str, timeout: float = 10):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)

    def all(self, css: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self) -> str:
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.TAG_NAME, "body").text

    def sign_in(self, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
        self.open("/admin/login/")
        self.find("#email").send_keys(email)
        self.find("#password").send_keys(password)
        self.find("form[action*='login'] button[type=submit]").click()
        self.wait(lambda d: "/login" not in d.current_url)
        if self.find(".rb-lang button").text.strip() == "English":  # the user's language is kept per user:
            self.switch_language()  # every journey starts in English, whatever another one left

    def switch_language(self) -> None:
        """Press the navbar's language button (English ↔ 简体中文) and wait for the new page."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support import expected_conditions as EC

        button = self.find(".rb-lang button")
        before = button.text
        button.click()
        self.wait(EC.staleness_of(button), 30)  # the new page has replaced this one (a busy machine: 30 s)

        def switched(d) -> bool:
            try:
                return d.find_element("css selector", ".rb-lang button").text != before
            except StaleElementReferenceException:
                return False
        self.wait(switched, 30)


@pytest.fixture
def page(browser, live_server) -> Page:
    return Page(browser, live_server)
