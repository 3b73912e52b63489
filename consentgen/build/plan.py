"""Planning a build: which forms to make, and the fingerprint of everything each is made from.

A form whose inputs (templates, CSS, catalog and its sign-off, the approval, settings, fonts,
library versions, consentgen's own code) are unchanged since the last build, and whose file is
intact, is not made again. The shard a form belongs to is a stable digest of its name.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from consentgen import __version__
from consentgen.approval import approval_file_sha256
from consentgen.files import code_sha256, file_sha256, intact
from consentgen.fonts import find_faces, require_fonts
from consentgen.index import INDEX_TEMPLATE
from consentgen.locales import FormLocale, form_locale
from consentgen.manifest import Artifact
from consentgen.outputs import OUTPUTS
from consentgen.pipeline import FormJob
from consentgen.procedures import procedure_template
from consentgen.render.blocks import BLOCKS, block_path, blocks_of
from consentgen.settings import Settings
from consentgen.variants import VARIANTS


@dataclass(frozen=True)
class Plan:
    """What a build asks for: procedures, locales, formats, variants, this runner's shard."""

    procedures: list[str]
    locales: list[str]
    formats: list[str]
    variants: list[str]
    shard: tuple[int, int] = (1, 1)
    force: bool = False


def shared_inputs(settings: Settings) -> dict[str, str]:
    """Files every form is made from: layout, partials, CSS, images (not the procedures, nor the
    content blocks: each form's fingerprint has the blocks its procedure uses)."""
    templates = settings.templates_dir
    files = sorted(
        p
        for p in templates.rglob("*")
        if p.is_file()
        and p.relative_to(templates).parts[0] not in {"procedures", BLOCKS, INDEX_TEMPLATE}
    )
    inputs = {p.relative_to(settings.root).as_posix(): file_sha256(p) for p in files}
    if settings.logo:
        inputs["logo"] = file_sha256(settings.logo)
    for package in ("weasyprint", "jinja2", "babel", "pydyf", "pyhanko", "segno"):
        inputs[f"package:{package}"] = version(package)
    inputs["consentgen"] = __version__
    inputs["consentgen:code"] = code_sha256()  # every module, subpackages too
    inputs["SOURCE_DATE_EPOCH"] = os.environ.get("SOURCE_DATE_EPOCH", "")
    return inputs


def layout_sha256(settings: Settings, shared: dict[str, str], fonts: list[Path]) -> str:
    """A digest of what turns a form's HTML into its PDF: fonts, libraries, the fields setting.

    With the HTML itself, it makes the PDF's identifier: a change that changes no rendered
    text (a catalog's header, comments or line wrapping) leaves every byte of the PDF as it was.
    """
    inputs = {key: value for key, value in shared.items() if key.startswith("package:")}
    inputs.update({f"font:{font}": file_sha256(font) for font in fonts})
    inputs["pdf_fields"] = settings.pdf_fields
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def inputs_sha256(
    settings: Settings,
    shared: dict[str, str],
    procedure: str,
    locale: FormLocale,
    catalog: str,
    fonts: list[Path],
    output: str,
    blocks: dict[str, str],
) -> str:
    """A digest of everything one output is made from (blocks: those its procedure uses)."""
    entry = settings.procedures[procedure]
    inputs = dict(shared)
    inputs["procedure"] = file_sha256(procedure_template(settings, procedure))
    for ident in blocks:  # changing a block rebuilds the forms that use it, and only those
        inputs[f"block:{ident}"] = file_sha256(block_path(settings, ident))
    inputs["approval"] = approval_file_sha256(settings, procedure)  # the status depends on it
    inputs["locale"] = locale.code
    inputs["catalog"] = catalog  # the catalog's digest, its sign-off's included
    inputs["settings"] = json.dumps(
        [
            settings.institution_name,
            settings.institution_address,
            settings.hospital_phone_day,
            settings.hospital_phone_night,
            settings.emergency_number,
            settings.source_role_names,
            settings.icon_arrays,
            settings.page_size,
            settings.pdf_fields,
            settings.default_locale,
            entry.form_id,
            entry.version,
            entry.revision_date.isoformat(),
            list(locale.fonts),
        ]
    )
    for font in fonts:
        inputs[f"font:{font}"] = file_sha256(font)
    inputs["format"] = output
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def in_shard(key: str, shard: tuple[int, int]) -> bool:
    """Whether a form belongs to slice I of N: stable across runs, machines and Pythons."""
    index, count = shard
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % count == index - 1


def plan(
    settings: Settings,
    wanted: Plan,
    catalogs: dict[str, str],
    previous: dict[str, Artifact],
    out_dir: Path,
    held: set[tuple[str, str]],
) -> tuple[list[FormJob], list[str]]:
    """The forms to make (those of this shard whose inputs changed since the last build, less
    the (procedure, locale) pairs a release holds back), and the paths that are up to date.

    catalogs: each locale's catalog digest (catalog_digest): a build with nothing to do reads
    no catalog."""
    shared = shared_inputs(settings)
    locales = {c: form_locale(c, settings.default_locale, settings.fonts) for c in wanted.locales}
    find_faces(family for locale in locales.values() for family in locale.fonts)
    fonts = {code: require_fonts(locales[code], settings) for code in wanted.locales}
    layout = {code: layout_sha256(settings, shared, fonts[code]) for code in wanted.locales}
    blocks = {procedure: blocks_of(settings, procedure) for procedure in wanted.procedures}
    todo: list[FormJob] = []
    skipped: list[str] = []
    for code in wanted.locales:
        for procedure in wanted.procedures:
            for name in wanted.variants:
                variant = VARIANTS[name]
                if (procedure, code) in held or not variant.applies_to(locales[code]):
                    continue
                if not in_shard(f"{code}/{procedure}/{name}", wanted.shard):
                    continue
                digests = {
                    fmt: inputs_sha256(
                        settings,
                        shared,
                        procedure,
                        locales[code],
                        catalogs[code],
                        fonts[code],
                        f"{name}.{fmt}",
                        blocks[procedure],
                    )
                    for fmt in wanted.formats
                }
                stem = variant.stem(procedure)
                paths = {fmt: f"{code}/{stem}{OUTPUTS[fmt].suffix}" for fmt in wanted.formats}
                if not wanted.force and all(
                    _up_to_date(out_dir, previous.get(paths[f]), digests[f]) for f in paths
                ):
                    skipped += paths.values()
                    continue
                todo.append(FormJob(code, procedure, name, paths, digests, layout[code]))
    return todo, skipped


def _up_to_date(out_dir: Path, artifact: Artifact | None, digest: str) -> bool:
    """True when an earlier build made this output from the same inputs and it is intact."""
    return (
        artifact is not None
        and artifact.inputs_sha256 == digest
        and intact(out_dir / artifact.path, artifact.bytes, artifact.sha256)
    )
