"""Admin (stub; replaced by the admin module)."""
from flask import Flask


def init_admin(app: Flask) -> None:
    pass
