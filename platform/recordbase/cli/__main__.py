"""``python -m recordbase.cli`` runs the ``recordbase`` command."""
from . import main

main()
