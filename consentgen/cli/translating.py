"""Commands of the translation workflow: extract, update, list, check, review."""

from __future__ import annotations

from pathlib import Path

import click

from consentgen.cli.options import locale_option
from consentgen.errors import QualityGateFailed, display_path
from consentgen.settings import load_settings


@click.command("extract")
@click.pass_obj
def extract_command(root: Path) -> None:
    """Templates -> locales/messages.pot."""
    from consentgen.i18n.extract import extract_to_pot

    settings = load_settings(root)
    path, count, written = extract_to_pot(root, settings.institution_name)
    state = "wrote" if written else "unchanged:"
    click.echo(f"{state} {display_path(path, root)} ({count} messages)")


@click.command("update")
@click.option(
    "-l", "--locale", "locales", multiple=True, help="Only this locale; creates it if new."
)
@click.pass_obj
def update_command(root: Path, locales: tuple[str, ...]) -> None:
    """messages.pot -> each locale's messages.po (creates a new locale's catalog)."""
    from consentgen.i18n.extract import update_project

    settings = load_settings(root)
    result = update_project(settings, locales)
    for path, action in result.catalogs:
        click.echo(f"{action} {display_path(path, root)}")
    for code in result.added:
        click.echo(f"added {code} to locales in {settings.source.name}")
    for code, line in result.not_added:
        click.echo(
            f"{settings.source.name}: {code} is not in locales; add it there, for example: {line}",
            err=True,
        )


@click.command("list")
@click.pass_obj
def list_command(root: Path) -> None:
    """Procedures x locales: percent of each form's text translated, and its status."""
    from consentgen.listing import form_statuses

    for status in form_statuses(load_settings(root)):
        click.echo(status.line())


@click.command("check")
@locale_option
@click.option("--json", "as_json", is_flag=True, help="A machine-readable report.")
@click.pass_obj
def check_command(root: Path, locales: tuple[str, ...], as_json: bool) -> None:
    """Run the release checks; exit 1 if any fails."""
    import json

    from consentgen.checks import report, run_checks

    scores: list[dict[str, object]] = []
    problems = run_checks(load_settings(root), list(locales), scores)
    if as_json:
        click.echo(json.dumps(report(problems, scores), indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(problem.line())
        click.echo(f"{len(problems)} problem(s)" if problems else "all checks passed")
    if problems:
        raise QualityGateFailed("")


@click.command("review")
@click.argument("locale")
@click.option("--by", "reviewer", required=True, help="The qualified reviewer's name.")
@click.pass_obj
def review_command(root: Path, locale: str, reviewer: str) -> None:
    """Record a reviewer's sign-off of the translations now in LOCALE's catalog."""
    from consentgen.i18n.review import review_locale

    path = review_locale(load_settings(root), locale, reviewer)
    click.echo(f"wrote {display_path(path, root)}: {locale} reviewed by {reviewer.strip()}")


@click.command("where-used")
@click.argument("block")
@click.pass_obj
def where_used_command(root: Path, block: str) -> None:
    """The procedures and forms that use a content block (templates/blocks/BLOCK.html.j2)."""
    from consentgen.listing import where_used

    for line in where_used(load_settings(root), block):
        click.echo(line)
