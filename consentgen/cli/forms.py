"""Commands about a procedure's forms and returned forms: new, approve, verify, serve."""

from __future__ import annotations

from pathlib import Path

import click

from consentgen.build import BuildRequest
from consentgen.cli.options import locale_option, procedure_option
from consentgen.errors import QualityGateFailed, display_path
from consentgen.settings import load_settings


@click.command("new")
@click.argument("procedure")
@click.pass_obj
def new_command(root: Path, procedure: str) -> None:
    """Scaffold a new procedure template from the project's content blocks (TODO text)."""
    from consentgen.render.blocks import all_blocks, referenced_blocks
    from consentgen.scaffold import new_procedure

    settings = load_settings(root)
    path = new_procedure(settings, procedure)
    click.echo(f"wrote {display_path(path, root)}")
    available = all_blocks(settings)
    used = referenced_blocks(settings, path)
    click.echo(f"it uses the blocks: {', '.join(sorted(used)) or 'none'}")
    others = sorted(set(available) - set(used))
    click.echo(f"other blocks it can use (docs/blocks.md): {', '.join(others) or 'none'}")
    click.echo(
        f"next: add [tool.consentgen.procedures.{procedure}] (form_id, version, "
        f"revision_date) to {settings.source.name}, write the text, then "
        "`consentgen extract` and `consentgen update`"
    )


@click.command("approve")
@click.argument("procedure")
@click.option("--by", "approver", required=True, help='The approving clinician: "NAME, ROLE".')
@click.pass_obj
def approve_command(root: Path, procedure: str, approver: str) -> None:
    """Record a clinician's approval of PROCEDURE's source text as it now reads."""
    from consentgen.approval import approve

    path = approve(load_settings(root), procedure, approver)
    click.echo(f"wrote {display_path(path, root)}: {procedure} approved by {approver.strip()}")


@click.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ledger",
    "ledgers",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A release record, or a folder of them (default: the project's releases/); repeatable.",
)
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A trusted CA certificate (PEM or DER) to check signers against (repeatable; "
    "added to trust_anchors in the settings).",
)
@click.option(
    "--accept-unverified-signers",
    is_flag=True,
    help="Exit 0 for an unaltered released form even when no trust anchor vouches for its "
    "signers (the report still says they are not verified).",
)
@click.pass_obj
def verify_command(
    root: Path,
    pdf: Path,
    ledgers: tuple[Path, ...],
    trust: tuple[Path, ...],
    accept_unverified_signers: bool,
) -> None:
    """Is a returned form an unaltered copy of a form released for clinical use; who signed it.

    Exit 0: yes. Exit 1: altered, not released (or released as a draft), or signers not
    verified. Exit 2: not a readable PDF, or a bad ledger or certificate.
    """
    from consentgen.verify import describe, verify_in_project

    report = verify_in_project(root, pdf, list(ledgers), list(trust), accept_unverified_signers)
    for line in describe(report, pdf):
        click.echo(line)
    if not report.unaltered:
        raise QualityGateFailed("")


@click.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@procedure_option
@locale_option
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Preview folder, kept on exit (default: a temporary folder, removed on exit); "
    "never build/.",
)
@click.pass_obj
def serve_command(
    root: Path,
    port: int,
    procedures: tuple[str, ...],
    locales: tuple[str, ...],
    output: Path | None,
) -> None:
    """Preview the forms' HTML, rebuilt and reloaded on every change.

    The preview is served on http://127.0.0.1 only: other machines cannot open it, and there
    is no option to serve it elsewhere. Stop it with Ctrl+C.
    """
    from consentgen.serve import serve

    request = BuildRequest(
        procedures=procedures,
        locales=locales,
        formats=("html",),
        out_dir=output.resolve() if output else None,
    )
    serve(root, request, port)
