"""The access-control tests' fixtures: the issue's world (``world``, ``people``, ``records``), defined in
``fixtures.py`` so that the comments tests share them by importing a plain module."""
from .fixtures import people, records, world  # noqa: F401  (fixtures)
