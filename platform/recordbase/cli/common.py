"""What every command shares: where the database is, opening it, and turning failures into clean errors."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


def instance_path() -> Path:
    """The instance folder, chosen exactly as :func:`recordbase.application.create_app` chooses it."""
    return Path(os.environ.get("RECORDBASE_INSTANCE") or Path.cwd() / "instance").resolve()


def default_database_url() -> str:
    return f"sqlite:///{instance_path() / 'recordbase.db'}"


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given (it has no parsable password)
        return url


def sqlite_path(url: str) -> Optional[Path]:
    """The file of a file-based SQLite URL, else None."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1] if "///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path)


class CliError(click.ClickException):
    """An expected failure: printed as 'Error: message' on stderr, exit status 1."""


@dataclass
class CliState:
    """Per-invocation state (``ctx.obj``): the database URL and a lazily created engine."""

    database_url: str
    explicit: bool
    _engine: Optional["Engine"] = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: Optional[str]) -> "CliState":
        return cls(database_url=url or default_database_url(), explicit=bool(url))

    @property
    def display_url(self) -> str:
        return safe_url(self.database_url)

    def engine(self) -> "Engine":
        if self._engine is None:
            from ..db import make_engine

            self._engine = make_engine(self.database_url)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def require_database(self) -> "Engine":
        """The engine of an existing, fully migrated database; a clear error otherwise."""
        path = sqlite_path(self.database_url)
        if path is not None and not path.exists():
            raise CliError(f"There is no database at {path}. Create it with `recordbase init` "
                           "(or pass --database-url / set RECORDBASE_DATABASE_URL).")
        from .setup import database_status

        status = database_status(self.engine())
        if status == "missing":
            raise CliError(f"The database {self.display_url} is not initialised. Run `recordbase init` first.")
        if status == "outdated":
            raise CliError(f"The database {self.display_url} needs an upgrade. Run `recordbase init` first.")
        return self.engine()

    @contextmanager
    def transaction(self) -> Iterator["Session"]:
        """A session on the (initialised) database, committed on success, rolled back on error."""
        from ..db import make_sessionmaker

        engine = self.require_database()
        with make_sessionmaker(engine).begin() as session:
            yield session


def state(ctx: Optional[click.Context] = None) -> CliState:
    ctx = ctx or click.get_current_context()
    return ctx.find_object(CliState)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip() or type(orig).__name__
    return text.splitlines()[0]


@contextmanager
def friendly_errors(ctx: click.Context) -> Iterator[None]:
    """Expected failures as one line on stderr and exit status 1, never a traceback."""
    from sqlalchemy import exc as sa_exc

    from ..errors import RecordbaseError

    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except RecordbaseError as exc:
        raise CliError(exc.message) from None
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
        url = ctx.obj.display_url if isinstance(ctx.obj, CliState) else "?"
        raise CliError(f"'{url}' is not a usable database URL: {_first_line(exc)}") from None
    except sa_exc.DBAPIError as exc:
        url = ctx.obj.display_url if isinstance(ctx.obj, CliState) else "?"
        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            raise CliError(f"Cannot use the database {url}: {_first_line(exc)}") from None
        raise CliError(f"Database error on {url}: {_first_line(exc)}") from None
    except sa_exc.SQLAlchemyError as exc:
        raise CliError(f"Database error: {_first_line(exc)}") from None
    except PermissionError as exc:
        raise CliError(f"Permission denied: {exc.filename or exc}") from None
    finally:
        if isinstance(ctx.obj, CliState):
            ctx.obj.dispose()
