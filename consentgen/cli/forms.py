"""Commands about a procedure's forms and returned forms: new, approve, verify, intake, serve."""

from __future__ import annotations

from pathlib import Path

import click

from consentgen.build import BuildRequest
from consentgen.cli.options import ledger_option, locale_option, procedure_option
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
@ledger_option
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
@click.option(
    "--fhir",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the FHIR R4 Consent of a form that verifies, with the DocumentReference of "
    "the signed file, as one Bundle (JSON) to this file.",
)
@click.pass_obj
def verify_command(
    root: Path,
    pdf: Path,
    ledgers: tuple[Path, ...],
    trust: tuple[Path, ...],
    accept_unverified_signers: bool,
    fhir: Path | None,
) -> None:
    """Is a returned form an unaltered, complete copy of a form released for clinical use; who
    signed it.

    Exit 0: yes. Exit 1: altered, not released (or released as a draft), incomplete (a
    signer's name, date or time, the interpreter's details, the patient's own procedure: each
    named on an INCOMPLETE line), or signers not verified. Exit 2: not a readable PDF, or a
    bad ledger or certificate.
    """
    from consentgen.verify import describe, verify_in_project

    report = verify_in_project(
        root, pdf, list(ledgers), list(trust), accept_unverified_signers, fhir
    )
    for line in describe(report, pdf):
        click.echo(line)
    if fhir is not None:
        click.echo(f"wrote {fhir}" if report.verified else f"not written: {fhir} (not verified)")
    if not report.verified:
        raise QualityGateFailed("")


@click.command("intake")
@click.argument("scans", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="The report as JSON (schemas/intake.schema.json)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each form's pages as one PDF, in page order and upright, and each whole and "
    "current form's FHIR Consent and DocumentReference beside it.",
)
@ledger_option
@click.pass_obj
def intake_command(
    root: Path,
    scans: tuple[Path, ...],
    as_json: bool,
    output: Path | None,
    ledgers: tuple[Path, ...],
) -> None:
    """Check scanned paper forms (PDF, PNG, TIFF, JPEG) by the QR code on every page.

    The files are one stack, in the order given. Exit 0: every form is whole (every page once,
    in order, upright) and current (released as reviewed, not superseded), and every page was
    read. Exit 1: anything else, one line a problem. Exit 2: a file that cannot be read or is
    too large, or a bad ledger.
    """
    import json

    from consentgen.intake import intake_in_project

    report = intake_in_project(root, list(scans), list(ledgers), output)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
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
