"""Options more than one command takes."""

from __future__ import annotations

import click

procedure_option = click.option(
    "-p", "--procedure", "procedures", multiple=True, help="Only this procedure (repeatable)."
)
locale_option = click.option(
    "-l", "--locale", "locales", multiple=True, help="Only this locale (repeatable)."
)
