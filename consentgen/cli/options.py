"""Options more than one command takes."""

from __future__ import annotations

from pathlib import Path

import click

procedure_option = click.option(
    "-p", "--procedure", "procedures", multiple=True, help="Only this procedure (repeatable)."
)
locale_option = click.option(
    "-l", "--locale", "locales", multiple=True, help="Only this locale (repeatable)."
)
ledger_option = click.option(
    "--ledger",
    "ledgers",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A release record, or a folder of them (default: the project's releases/); repeatable.",
)
