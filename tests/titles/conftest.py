"""The core helpers (metamodel service and record store on a fresh database) for the title tests."""
from core.conftest import Core, add_user, owner, core, sessions  # noqa: F401  (fixtures)
