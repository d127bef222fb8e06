"""Regenerate the README's screenshots from a fresh demo instance.

Run by hand (not part of the test suite), from the repository root, with the venv active::

    python docs/screenshots/make.py            # writes docs/screenshots/*.png
    python docs/screenshots/make.py --out /tmp/shots --keep

It sets up ``recordbase demo --no-serve`` (the outsourcing pack with its sample data) in a temporary
folder, starts ``recordbase serve`` on a free port, drives Debian's headless Chromium through
Selenium (``apt-get install chromium chromium-driver``; ``pip install selenium``) at 1366×857 like
the browser tests, signs in and saves each main screen, scaled to 1200 px wide. With Pillow
installed the PNGs are also re-encoded with ``optimize=True``.
"""
from __future__ import annotations

import argparse
import base64
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))
from processes import free_port, recordbase_command  # noqa: E402  (the tests' helpers, one copy)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
EMAIL, PASSWORD = "admin@example.com", "screenshots-password"
QA_EMAIL, QA_PASSWORD = "qa@example.com", "quality-password-1"
WIDTH, HEIGHT, OUT_WIDTH = 1366, 857, 1200


class Instance:
    """A demo instance in ``folder``, served on ``port`` while inside ``with``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env["RECORDBASE_DATABASE_URL"] = f"sqlite:///{folder / 'demo.db'}"
        self.env.pop("RECORDBASE_INSTANCE", None)
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str) -> None:
        done = subprocess.run([*recordbase_command(), *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise SystemExit(f"recordbase {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def __enter__(self) -> "Instance":
        self.cli("demo", "--no-serve", "--password", PASSWORD, "--timezone", "Asia/Shanghai")
        self.cli("users", "create", "--email", QA_EMAIL, "--password", QA_PASSWORD,
                 "--role", "editor", "--role", "quality")
        log = open(self.folder / "serve.log", "w")
        self.process = subprocess.Popen([*recordbase_command(), "serve", "--port", str(self.port),
                                         "--workers", "1", "--threads", "4"],
                                        cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("recordbase serve exited:\n" + (self.folder / "serve.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.base + "/admin/login/", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("recordbase serve did not answer in 60 s")

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Browser:
    """Headless Chromium with the browser tests' options, and the few helpers the shots need."""

    def __init__(self, base: str, profile: Path):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars",
                     f"--user-data-dir={profile}", "--lang=en-US"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_window_size(WIDTH, HEIGHT)
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def wait(self, condition: Callable, timeout: float = 15):
        return WebDriverWait(self.driver, timeout).until(condition)

    def find(self, css: str, timeout: float = 15):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)

    def sign_in(self, email: str, password: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/admin/login/")
        self.find("#email").send_keys(email)
        self.find("#password").send_keys(password)
        self.find("form[action*='login'] button[type=submit]").click()
        self.wait(lambda d: "/login" not in d.current_url)

    def language(self, lang: str) -> None:
        """Press the navbar's language button until the page is in ``lang`` (``en`` or ``zh``)."""
        button = self.find(".rb-lang button")
        before = button.text  # the language the button switches to: "简体中文" on an English page
        if (before == "English") == (lang == "zh"):
            return
        button.click()
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, ".rb-lang button").text != before)

    def save(self, path: Path, max_height: int = 0) -> None:
        """The viewport (or the page down to ``max_height`` px), scaled to OUT_WIDTH px wide, as PNG
        (optimised by Pillow when installed)."""
        time.sleep(0.8)  # let charts finish their entry animation
        width, height, page_height = self.driver.execute_script(
            "return [window.innerWidth, window.innerHeight, document.documentElement.scrollHeight]")
        if max_height:
            height = max(height, min(page_height, max_height))
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": bool(max_height),
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": OUT_WIDTH / width}})
        data = base64.b64decode(shot["data"])
        try:
            from PIL import Image
        except ImportError:
            path.write_bytes(data)
        else:
            image = Image.open(io.BytesIO(data))
            image.save(path, format="PNG", optimize=True)
        print(f"{path}  {path.stat().st_size // 1024} KB")

    def check(self, name: str) -> None:
        """Stop on an error page or a sign-in page instead of saving it."""
        url = self.driver.current_url
        text = self.driver.find_element(By.TAG_NAME, "body").text
        if "/login" in url or any(s in text for s in ("Internal Server Error", "Not Found", "Forbidden")):
            raise SystemExit(f"{name}: {url} is not the screen it should be:\n{text[:500]}")


def first_link(b: Browser, css: str) -> str:
    href = b.find(css).get_attribute("href")
    return href.split(b.base, 1)[-1]


def shoot(b: Browser, out: Path) -> None:
    b.sign_in(EMAIL, PASSWORD)
    # (file name, how to show it, languages, capture down to this height in px or 0 for the viewport)
    screens: list[tuple[str, Callable[[], None], tuple[str, ...], int]] = [
        ("home", lambda: (b.open("/admin/"), b.find(".rb-widget.rb-widget-ready canvas")), ("en", "zh"), 0),
        ("records-grid", lambda: (b.open("/admin/records/contract/"), b.find("table.model-list tbody tr")),
         ("en", "zh"), 0),
        ("record-details", lambda: (b.open("/admin/records/evaluation/details/?id=1"), b.find("table")),
         ("en",), 1500),
        ("board", lambda: (b.open("/admin/board/corrective_action/?group=status&cards=owner,due_date"),
                           b.find(".rb-board, .rb-card")), ("en", "zh"), 0),
        ("dashboard", lambda: (b.open(first_link_to(b, "/admin/dashboards/", "a[href*='/admin/dashboards/']",
                                                    r"/admin/dashboards/\d+/$")),
                               b.find(".rb-widget.rb-widget-ready canvas")), ("en",), 1100),
        ("rule-builder", lambda: (b.open(first_link_to(b, "/admin/rules/", "a[href*='/admin/rules/']",
                                                       r"/admin/rules/\d+/edit/$")),
                                  b.find(".rb-condition-builder")), ("en",), 1300),
    ]
    for name, show, langs, max_height in screens:
        for lang in langs:
            show()
            b.language(lang)
            show()
            b.check(name)
            b.save(out / (f"{name}.png" if lang == "en" else f"{name}-{lang}.png"), max_height)
    b.language("en")
    approvals(b, out)


def first_link_to(b: Browser, page: str, css: str, pattern: str) -> str:
    """The first link on ``page`` whose path matches ``pattern`` (e.g. the pack's first dashboard)."""
    import re

    b.open(page)
    b.find(css)
    for a in b.driver.find_elements(By.CSS_SELECTOR, css):
        path = (a.get_attribute("href") or "").split(b.base, 1)[-1].split("?", 1)[0]
        if re.search(pattern, path):
            return path
    raise SystemExit(f"no link matching {pattern} on {page}")


def approvals(b: Browser, out: Path) -> None:
    """Ask for two corrective actions' verification as the owner, then see them as a quality inspector."""
    b.open("/admin/records/corrective_action/")
    b.find("table.model-list tbody tr")
    links = [a.get_attribute("href").split(b.base, 1)[-1]
             for a in b.driver.find_elements(By.CSS_SELECTOR, "table.model-list a[href*='/details/']")]
    asked = 0
    for link in dict.fromkeys(links):
        b.open(link)
        buttons = b.driver.find_elements(By.CSS_SELECTOR, ".rb-workflow button.rb-transition[value='request_verification']")
        if buttons:
            buttons[0].click()
            b.wait(lambda d: "verification" in d.find_element(By.CSS_SELECTOR, ".rb-workflow .rb-state").text.lower())
            asked += 1
        if asked == 3:
            break
    b.sign_in(QA_EMAIL, QA_PASSWORD)
    b.open("/admin/approvals/")
    b.find("tr.rb-approval" if asked else "body")
    b.check("approvals")
    b.save(out / "approvals.png")
    b.language("zh")
    b.find("tr.rb-approval" if asked else "body")
    b.save(out / "approvals-zh.png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the PNGs (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="rb-screenshots-"))
    try:
        with Instance(folder) as instance:
            b = Browser(instance.base, folder / "profile")
            try:
                shoot(b, args.out)
            finally:
                b.driver.quit()
    finally:
        if args.keep:
            print(f"instance kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
