"""Alembic environment for the platform's own tables (record tables are managed at runtime)."""
from alembic import context
from sqlalchemy import pool

from recordbase.db import make_engine
from recordbase.models import Base
import recordbase.automation.models  # noqa: F401  (the automation tables join Base.metadata)
import recordbase.packs.models  # noqa: F401  (packs and saved views join Base.metadata)
import recordbase.access.models  # noqa: F401  (roles, history, audit log, public forms join Base.metadata)
import recordbase.dataio.models  # noqa: F401  (finished admin imports join Base.metadata)
import recordbase.comments.models  # noqa: F401  (record comments join Base.metadata)
import recordbase.formlayout.models  # noqa: F401  (form layouts join Base.metadata)
import recordbase.dashboards.models  # noqa: F401  (dashboards join Base.metadata)
import recordbase.workflow.models  # noqa: F401  (workflows, approval steps, decisions, delegations)
import recordbase.settings.models  # noqa: F401  (instance settings join Base.metadata)

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # record tables (rb_rec_*, rb_link_*) belong to the runtime schema manager, not to migrations
    if type_ == "table" and (name.startswith("rb_rec_") or name.startswith("rb_link_")):
        return False
    return True


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
