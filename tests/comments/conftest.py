"""The comments tests use the access tests' world: suppliers (alice manages two, bob one), roles, people."""
from access.fixtures import people, records, world  # noqa: F401  (fixtures)
