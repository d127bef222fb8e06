"""Record titles: the core tests import the core helpers' fixtures in their own module
(``test_record_titles.py``); the surface tests use the app-level fixtures."""
