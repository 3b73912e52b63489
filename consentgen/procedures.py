"""Procedures: one template each under templates/procedures/."""

from __future__ import annotations

import re
from pathlib import Path

from consentgen.errors import ConsentgenError, display_path
from consentgen.settings import Settings

SUFFIX = ".html.j2"


def procedure_template(settings: Settings, name: str) -> Path:
    """The template file of a procedure."""
    return settings.templates_dir / "procedures" / f"{name}{SUFFIX}"


_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def todo_lines(template: Path) -> list[int]:
    """The lines of a procedure template that still hold placeholder text (TODO).

    Only what a form can show counts: a TODO in a Jinja comment (a note to the forms team,
    such as the one `consentgen new` writes) is not a placeholder.
    """
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), template.read_text("utf-8"))
    return [number for number, line in enumerate(text.splitlines(), 1) if "TODO" in line]


def discover(settings: Settings) -> list[str]:
    """Every procedure that has a template, sorted."""
    folder = settings.templates_dir / "procedures"
    return sorted(p.name.removesuffix(SUFFIX) for p in folder.glob(f"*{SUFFIX}"))


def select(settings: Settings, requested: tuple[str, ...]) -> list[str]:
    """The procedures to build: the requested ones, checked, or all of them."""
    known = discover(settings)
    chosen = list(dict.fromkeys(requested)) or known
    for name in chosen:
        if name not in known:
            listing = ", ".join(known) or "none"
            raise ConsentgenError(
                f"{display_path(settings.templates_dir / 'procedures', settings.root)}: "
                f"unknown procedure {name!r} (known: {listing})"
            )
        if name not in settings.procedures:
            raise ConsentgenError(
                f"{settings.source.name}: procedure {name!r} has no [tool.consentgen.procedures."
                f"{name}] settings (form_id, version, revision_date)"
            )
    return chosen
