"""Content blocks: shared content (sections, or risk and other items with stable ids) that
procedures include by id, each with a version in its front matter.

A block is `templates/blocks/<id>.html.j2`, whose first lines are its front matter:

    {#- block: bone-cement
        version: 1
        What it holds, for the forms team. -#}

A procedure includes a section block (`{% include "blocks/rights.html.j2" %}`) or imports an
item block and places its items where it wants them, adding its own, leaving some out, or
writing its own in their place (`{% import "blocks/bone-cement.html.j2" as bone_cement with
context %}`, then `{{ bone_cement.risk("cement-leak") }}`). Which blocks a form uses is read
from the templates themselves (what a procedure includes, imports or extends, and what those
do), so the manifest, the release ledger, `where-used` and the build's fingerprints agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from consentgen.errors import ConsentgenError, InputError, display_path
from consentgen.procedures import procedure_template
from consentgen.settings import Settings

BLOCKS = "blocks"
_FRONT_MATTER = re.compile(
    r"\A\{#-?\s*block:\s*(?P<id>[a-z][a-z0-9-]*)\s*\n\s*version:\s*(?P<version>[A-Za-z0-9._-]+)"
    r"\s*\n(?P<about>.*?)-?#\}",
    re.S,
)


@dataclass(frozen=True)
class Block:
    """One block of shared content: its id, version, file and what it holds."""

    id: str
    version: str
    path: Path
    about: str


def block_path(settings: Settings, ident: str) -> Path:
    """The file of a block, by id."""
    return settings.templates_dir / BLOCKS / f"{ident}.html.j2"


def read_block(settings: Settings, path: Path) -> Block:
    """A block's front matter; a block without one is a one-line error naming its file."""
    shown = display_path(path, settings.root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot read the block ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(shown, "not UTF-8 text", line) from None
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise InputError(
            shown, "a block begins with its front matter: {#- block: ID / version: V", 1
        )
    if match["id"] != path.name.removesuffix(".html.j2"):
        raise InputError(shown, f"block {match['id']!r} must be in {match['id']}.html.j2", 1)
    return Block(match["id"], match["version"], path, " ".join(match["about"].split()))


def all_blocks(settings: Settings) -> dict[str, Block]:
    """Every block of the project, by id."""
    folder = settings.templates_dir / BLOCKS
    return {
        block.id: block
        for block in (read_block(settings, p) for p in sorted(folder.glob("*.html.j2")))
    }


_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_REFERENCE = re.compile(
    r"""\{%-?\s*(?:include|import|from|extends)\s+(?P<quote>["'])(?P<name>[^"']+)(?P=quote)"""
)


def _referenced(settings: Settings, name: str, seen: set[str]) -> None:
    """Every template a template includes, imports or extends by name, recursively, into seen.

    Read from the source text (not parsed): a build with nothing to do reads every procedure's
    blocks, and a full parse of every template is most of its time."""
    if name in seen:
        return
    seen.add(name)
    try:
        source = (settings.templates_dir / name).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return  # the render reports a missing or unreadable template, at its line
    for match in _REFERENCE.finditer(_COMMENT.sub("", source)):
        _referenced(settings, match["name"], seen)


def blocks_of(settings: Settings, procedure: str) -> dict[str, str]:
    """The blocks a procedure's forms use, with their versions, by id."""
    return referenced_blocks(settings, procedure_template(settings, procedure))


def referenced_blocks(settings: Settings, template: Path) -> dict[str, str]:
    """The blocks a template uses, directly or through others, with their versions, by id."""
    seen: set[str] = set()
    _referenced(settings, template.relative_to(settings.templates_dir).as_posix(), seen)
    used = {}
    for name in sorted(seen):
        if name.startswith(f"{BLOCKS}/"):
            path = settings.templates_dir / name
            if path.is_file():
                block = read_block(settings, path)
                used[block.id] = block.version
    return used


def block(settings: Settings, ident: str) -> Block:
    """A block by id, or a one-line error naming the blocks there are."""
    blocks = all_blocks(settings)
    if ident not in blocks:
        known = ", ".join(blocks) or "none"
        raise ConsentgenError(f"unknown block {ident!r} (blocks: {known})")
    return blocks[ident]
