"""Helpers of the browser tests (plain functions and data, imported by name); the fixtures are in conftest.py."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from processes import recordbase_command


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

DEMO_EMAIL = "admin@example.com"

DEMO_PASSWORD = "browser-tests-password"


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

    def pick_option(self, css: str, text: str, timeout: float = 10) -> None:
        """Click the first element under ``css`` whose text holds ``text`` (a type-ahead's option): the
        dropdown redraws its options as each search answers, so an option found may be replaced before
        the click lands; it is then looked up again and clicked, not failed."""
        def clicked(d) -> bool:
            for option in d.find_elements("css selector", css):
                if text in option.text:
                    option.click()
                    return True
            return False
        self.wait(clicked, timeout)

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
