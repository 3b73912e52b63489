"""The command line. Each command parses its options, loads the settings and calls one
function; nothing else happens here. The commands live in three modules by what they are for."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from consentgen import __version__
from consentgen.cli import building, forms, translating
from consentgen.errors import ConsentgenError


class _Commands(click.Group):
    """The command group: Ctrl+C ends any command with one line and exit status 130."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted: staged files removed, earlier outputs kept", err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None


INTERRUPTED = 128 + signal.SIGINT


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="consentgen")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The forms project folder.",
)
@click.pass_context
def cli(ctx: click.Context, project: Path) -> None:
    """Build informed-consent forms (PDF and HTML) in every configured language."""
    if not project.is_dir():
        raise ConsentgenError(f"{project}: no such project folder")
    ctx.obj = project.resolve()


for command in (
    building.build_command,
    building.manifest_group,
    translating.extract_command,
    translating.update_command,
    translating.list_command,
    translating.check_command,
    translating.review_command,
    translating.where_used_command,
    forms.new_command,
    forms.approve_command,
    forms.verify_command,
    forms.intake_command,
    forms.serve_command,
):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `consentgen` script and `python -m consentgen`."""
    cli(prog_name="consentgen")
