"""Record titles: the tests import the core's fixtures (``core.fixtures``) in their own module
(``test_record_titles.py``); the surface tests use the app-level fixtures."""
