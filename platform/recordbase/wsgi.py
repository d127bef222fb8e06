"""WSGI entry point for running Recordbase under any WSGI server you manage yourself::

    RECORDBASE_DATABASE_URL=postgresql://user@host/db gunicorn 'recordbase.wsgi:app'

The database must have been initialised (``recordbase init``) first; ``recordbase
serve`` does that for you and embeds gunicorn. Configuration comes from the
``RECORDBASE_*`` environment variables (see :func:`recordbase.application.default_config`).
"""
from __future__ import annotations

from . import create_app

app = create_app()
application = app
