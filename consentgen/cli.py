"""The command line. Each command loads the settings and calls one function."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import click

from consentgen import __version__, catalogs
from consentgen.build import BuildRequest, build, select_locales
from consentgen.config import load_settings
from consentgen.errors import ConsentgenError, display_path
from consentgen.locales import is_valid_identifier


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


procedure_option = click.option(
    "-p", "--procedure", "procedures", multiple=True, help="Only this procedure (repeatable)."
)
locale_option = click.option(
    "-l", "--locale", "locales", multiple=True, help="Only this locale (repeatable)."
)


@cli.command("build")
@procedure_option
@locale_option
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["html", "pdf"]),
    help="Only this format (repeatable).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: build/).",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    type=click.Choice(["standard", "large-print", "bilingual"]),
    help="Only this variant (repeatable; default: the configured ones).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default, and at most: the number of CPUs available).",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Fail at once (exit 2) if another build is writing into the output folder, "
    "instead of waiting for it.",
)
@click.option(
    "--shard",
    default="1/1",
    metavar="I/N",
    help="Build only slice I of N (stable across machines; see manifest merge).",
)
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option(
    "--release",
    is_flag=True,
    help="Release every form built, or nothing: refuse (exit 1) if any form is not ready, "
    "naming each reason. Writes a record to the release ledger (releases/).",
)
@click.option(
    "--release-ready",
    is_flag=True,
    help="Release every form that passes the checks; name each one held back and why.",
)
@click.pass_obj
def build_command(
    root: Path,
    procedures: tuple[str, ...],
    locales: tuple[str, ...],
    formats: tuple[str, ...],
    output: Path | None,
    variants: tuple[str, ...],
    jobs: int | None,
    no_wait: bool,
    shard: str,
    force: bool,
    release: bool,
    release_ready: bool,
) -> None:
    """Render procedures x locales into build/, with index.html and manifest.json."""
    if release and release_ready:
        raise ConsentgenError("--release and --release-ready: choose one")
    settings = load_settings(root)
    request = BuildRequest(
        procedures,
        locales,
        formats,
        output.resolve() if output else None,
        force,
        release,
        variants,
        _worker_count(jobs),
        _parse_shard(shard),
        release_ready,
        wait=not no_wait,
    )
    started = time.monotonic()
    report = build(settings, request, log=click.echo)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for held in report.held_back:
        click.echo(held.line(), err=True)
    click.echo(report.summary(time.monotonic() - started))
    report.raise_for_failures()


def _worker_count(requested: int | None) -> int:
    """-j N, capped at the CPUs this process may run on: more workers than CPUs only cost
    memory and time."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    available = available or os.cpu_count() or 1
    if requested is not None and requested > available:
        click.echo(f"note: -j {requested} capped at {available}, the CPUs available", err=True)
    return min(requested or available, available)


def _parse_shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise ConsentgenError(f"--shard {text!r}: expected I/N with 1 <= I <= N, such as 2/4")
    return int(index), int(count)


@cli.group("manifest")
def manifest_group() -> None:
    """Work with build manifests."""


@manifest_group.command("merge")
@click.argument(
    "manifests", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the merged manifest (default: build/manifest.json); "
    "index.html is written beside it.",
)
@click.pass_obj
def manifest_merge_command(root: Path, manifests: tuple[Path, ...], output: Path | None) -> None:
    """Combine the manifests of sharded builds (and write the index of all of them)."""
    from consentgen.index import render_index
    from consentgen.locales import form_locale
    from consentgen.manifest import manifest_bytes, merge_manifests
    from consentgen.output import atomic_write
    from consentgen.render import FormRenderer

    settings = load_settings(root)
    artifacts = merge_manifests(list(manifests))
    target = output or root / "build" / "manifest.json"
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    index = render_index(
        settings,
        artifacts,
        FormRenderer(settings, source, source, catalogs.source_catalog(source.code)),
    )
    atomic_write(target.with_name("index.html"), index)
    atomic_write(target, manifest_bytes(artifacts))
    click.echo(
        f"merged {len(manifests)} manifests: {len(artifacts)} artifacts in "
        f"{display_path(target, root)}"
    )


@cli.command("extract")
@click.pass_obj
def extract_command(root: Path) -> None:
    """Templates -> locales/messages.pot."""
    settings = load_settings(root)
    path, count, written = catalogs.extract_to_pot(root, settings.institution_name)
    state = "wrote" if written else "unchanged:"
    click.echo(f"{state} {display_path(path, root)} ({count} messages)")


@cli.command("update")
@click.option(
    "-l", "--locale", "locales", multiple=True, help="Only this locale; creates it if new."
)
@click.pass_obj
def update_command(root: Path, locales: tuple[str, ...]) -> None:
    """messages.pot -> each locale's messages.po (creates a new locale's catalog)."""
    settings = load_settings(root)
    if locales:
        for code in locales:
            if not is_valid_identifier(code):
                raise ConsentgenError(f"unknown locale {code!r}: not a Babel locale identifier")
        chosen = list(locales)
    else:
        chosen = [c for c in select_locales(settings, ()) if c != settings.default_locale]
        folder = root / "locales"
        existing = sorted(p.parent.parent.name for p in folder.glob("*/LC_MESSAGES/messages.po"))
        chosen += [c for c in existing if c not in chosen and is_valid_identifier(c)]
    for path, action in catalogs.update_catalogs(root, chosen):
        click.echo(f"{action} {display_path(path, root)}")
    for code in dict.fromkeys(locales):
        if code in settings.locales:
            continue
        from consentgen.settings_file import add_locale, locale_line

        if add_locale(settings, code):
            click.echo(f"added {code} to locales in {settings.source.name}")
        else:
            click.echo(
                f"{settings.source.name}: {code} is not in locales; add it there, for example: "
                f"{locale_line(settings, code)}",
                err=True,
            )


@cli.command("list")
@click.pass_obj
def list_command(root: Path) -> None:
    """Procedures x locales: percent of each form's text translated, and its status."""
    from consentgen.status import form_statuses

    for status in form_statuses(load_settings(root)):
        click.echo(status.line())


@cli.command("check")
@locale_option
@click.option("--json", "as_json", is_flag=True, help="A machine-readable report.")
@click.pass_obj
def check_command(root: Path, locales: tuple[str, ...], as_json: bool) -> None:
    """Run the release checks; exit 1 if any fails."""
    import json

    from consentgen.build import run_checks

    scores: list[dict[str, object]] = []
    problems = run_checks(load_settings(root), list(locales), scores)
    if as_json:
        report = {
            "ok": not problems,
            "problems": [p.as_dict() for p in problems],
            "readability": scores,
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(problem.line())
        click.echo(f"{len(problems)} problem(s)" if problems else "all checks passed")
    if problems:
        raise SystemExit(1)


@cli.command("new")
@click.argument("procedure")
@click.pass_obj
def new_command(root: Path, procedure: str) -> None:
    """Scaffold a new procedure template (every section, TODO text)."""
    from consentgen.scaffold import new_procedure

    settings = load_settings(root)
    path = new_procedure(settings, procedure)
    click.echo(f"wrote {display_path(path, root)}")
    click.echo(
        f"next: add [tool.consentgen.procedures.{procedure}] (form_id, version, "
        f"revision_date) to {settings.source.name}, write the text, then "
        "`consentgen extract` and `consentgen update`"
    )


@cli.command("review")
@click.argument("locale")
@click.option("--by", "reviewer", required=True, help="The qualified reviewer's name.")
@click.pass_obj
def review_command(root: Path, locale: str, reviewer: str) -> None:
    """Record a reviewer's sign-off of the translations now in LOCALE's catalog."""
    from consentgen.review import record_review

    settings = load_settings(root)
    if not is_valid_identifier(locale) or locale == settings.default_locale:
        raise ConsentgenError(f"review: {locale!r} is not a translated locale of this project")
    po = catalogs.po_path(root, locale)
    path = record_review(root, po, catalogs.read_catalog(po, root, locale), reviewer)
    click.echo(f"wrote {display_path(path, root)}: {locale} reviewed by {reviewer.strip()}")


@cli.command("approve")
@click.argument("procedure")
@click.option("--by", "approver", required=True, help='The approving clinician: "NAME, ROLE".')
@click.pass_obj
def approve_command(root: Path, procedure: str, approver: str) -> None:
    """Record a clinician's approval of PROCEDURE's source text as it now reads."""
    from consentgen.approval import approve

    path = approve(load_settings(root), procedure, approver)
    click.echo(f"wrote {display_path(path, root)}: {procedure} approved by {approver.strip()}")


@cli.command("verify")
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
    from consentgen.ledger import ledger_folder, read_ledger
    from consentgen.verify import describe, verify

    settings = None
    try:
        settings = load_settings(root)
    except ConsentgenError:
        if not ledgers:  # outside a project, the ledger must be named
            raise
    anchors = [*(settings.trust_anchors if settings else ()), *trust]
    max_bytes = int((settings.verify_max_mb if settings else 50) * 1_000_000)
    chosen = list(ledgers) or [ledger_folder(root)]
    if not ledgers and not chosen[0].is_dir():
        raise ConsentgenError(
            f"{display_path(chosen[0], root)}: no release ledger (nothing was released with "
            "`consentgen build --release`; or pass --ledger)"
        )
    report = verify(pdf, read_ledger(chosen, root), anchors, max_bytes, accept_unverified_signers)
    for line in describe(report, pdf):
        click.echo(line)
    if not report.unaltered:
        raise SystemExit(1)


@cli.command("serve")
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

    request = BuildRequest(procedures, locales, ("html",), output.resolve() if output else None)
    serve(root, request, port)


def main() -> None:
    """Entry point of the `consentgen` script and `python -m consentgen`."""
    cli(prog_name="consentgen")
