"""Commands that make forms: build, and manifest merge for sharded builds."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from consentgen.build import BuildRequest, build
from consentgen.cli.options import locale_option, procedure_option
from consentgen.errors import ConsentgenError, display_path
from consentgen.outputs import OUTPUTS
from consentgen.settings import load_settings
from consentgen.variants import VARIANTS


@click.command("build")
@procedure_option
@locale_option
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(list(OUTPUTS)),
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
    type=click.Choice(list(VARIANTS)),
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
        procedures=procedures,
        locales=locales,
        formats=formats,
        out_dir=output.resolve() if output else None,
        force=force,
        release=release,
        variants=variants,
        jobs=_worker_count(jobs),
        shard=_parse_shard(shard),
        release_ready=release_ready,
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


@click.group("manifest")
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
    from consentgen.build.commit import merge_shards

    target = output or root / "build" / "manifest.json"
    artifacts = merge_shards(load_settings(root), list(manifests), target)
    click.echo(
        f"merged {len(manifests)} manifests: {len(artifacts)} artifacts in "
        f"{display_path(target, root)}"
    )
