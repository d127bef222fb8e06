"""REST API (stub; replaced by the API module)."""
from flask import Flask


def init_api(app: Flask) -> None:
    pass
