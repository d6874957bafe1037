"""``python -m tickercast`` runs the CLI."""

from tickercast.cli import main

main()
