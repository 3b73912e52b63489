"""The output formats: the one place a format is named.

Each format is a module with `make(form, made) -> bytes` (made: the bytes of the formats it
needs, already made) and, if it lays the form out from a tree of its own, `prepare(form)` that
returns that tree for the scan of what the form may load. The pipeline makes the formats a job
asks for in the order their needs give. A format's module is imported on first use: a build of
HTML alone never imports WeasyPrint.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from xml.etree.ElementTree import Element

from consentgen.locales import FormLocale
from consentgen.render.forms import FormContext
from consentgen.settings import Settings


@dataclass
class Form:
    """One form on its way to bytes: its HTML and what every format needs to know of it."""

    settings: Settings
    locale: FormLocale
    procedure: str
    variant: str
    html: str
    context: FormContext  # its identity and status
    shown_template: str  # the procedure's template as errors name it
    identifier: str  # a digest of its content (hex): the PDF's permanent identifier
    prepared: dict[str, Any] = field(default_factory=dict)  # what prepare() parsed, by format


@dataclass(frozen=True)
class Output:
    """One output format of a form."""

    name: str
    suffix: str  # the file's suffix, after the variant's stem
    module: str  # where its make() (and prepare()) live
    needs: tuple[str, ...] = ()  # formats whose bytes this one is made from

    def _module(self) -> ModuleType:
        return importlib.import_module(self.module)

    def make(self, form: Form, made: dict[str, bytes]) -> bytes:
        """This format's bytes of the form."""
        make: Callable[[Form, dict[str, bytes]], bytes] = self._module().make
        return make(form, made)

    def prepare(self, form: Form) -> Element | None:
        """The tree this format lays out, parsed once, for the scan; None if it has none."""
        prepare: Callable[[Form], Any] | None = getattr(self._module(), "prepare", None)
        return prepare(form) if prepare is not None else None


OUTPUTS: dict[str, Output] = {
    output.name: output
    for output in (
        Output("html", ".html", "consentgen.outputs.html"),
        Output("pdf", ".pdf", "consentgen.outputs.pdf"),
    )
}


def in_order(names: list[str] | tuple[str, ...]) -> list[Output]:
    """The formats asked for, each after the formats it needs (which are made too)."""
    ordered: list[Output] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise ValueError(f"outputs need each other: {' -> '.join((*path, name))}")
        output = OUTPUTS[name]
        for need in output.needs:
            visit(need, (*path, name))
        if output not in ordered:
            ordered.append(output)

    for name in names:
        visit(name, ())
    return ordered
