"""Tests that run several processes (or several app instances) against one database."""


def pytest_configure(config):
    config.addinivalue_line("markers", "multiprocess: starts real server processes (runs by default; about 5-10 s)")
