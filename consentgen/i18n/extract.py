"""`consentgen extract` and `consentgen update`: templates -> messages.pot -> each catalog."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from jinja2.ext import babel_extract

from consentgen.errors import ConsentgenError, InputError, display_path
from consentgen.i18n.pofile import (
    COMMENT_TAGS,
    catalog_time,
    po_bytes,
    po_path,
    pot_path,
    read_catalog,
    read_catalog_repairing,
    write_if_changed,
)
from consentgen.locales import is_valid_identifier
from consentgen.settings import Settings, select_locales
from consentgen.settings_file import add_locale, locale_line

# Options shared by extraction and the runtime environment, so both see the same msgids.
EXTRACT_OPTIONS = {"trimmed": "true", "silent": "false", "newstyle_gettext": "true"}
# The only % forms a message may hold: a named string placeholder, or %% for a percent sign.


def template_files(root: Path) -> list[Path]:
    """Every template that can hold translatable text, in a stable order."""
    templates = root / "templates"
    return sorted(
        p for p in templates.rglob("*.j2") if "static" not in p.relative_to(templates).parts
    )


def _extract_file(
    path: Path, root: Path
) -> Iterator[tuple[int, str | tuple[str, ...], list[str], str | None]]:
    with path.open("rb") as fileobj:
        try:
            yield from extract(
                babel_extract,  # type: ignore[arg-type]  # Jinja's and Babel's stubs disagree
                fileobj,
                comment_tags=COMMENT_TAGS,
                options=EXTRACT_OPTIONS,
                strip_comment_tags=True,
            )
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(
                display_path(path, root), exc.message or "syntax error", exc.lineno
            ) from None
        except UnicodeDecodeError as exc:
            raise InputError(display_path(path, root), f"not UTF-8 text ({exc.reason})") from None


def extract_catalog(root: Path, project: str) -> Catalog:
    """Read every template and return the template catalog (messages.pot)."""
    catalog = Catalog(
        project=project,
        version="consent forms",
        msgid_bugs_address=None,
        charset="utf-8",
        fuzzy=False,
        creation_date=catalog_time(),
        header_comment=f"# Translations template for {project}.\n#",
    )
    for path in template_files(root):
        relative = path.relative_to(root).as_posix()
        for lineno, message, comments, context in _extract_file(path, root):
            # Jinja keeps a multi-line comment's indentation; translators get plain sentences.
            notes = [" ".join(" ".join(comments).split())] if comments else []
            catalog.add(message, None, [(relative, lineno)], auto_comments=notes, context=context)
    return catalog


def extract_to_pot(root: Path, project: str) -> tuple[Path, int, bool]:
    """`consentgen extract`: templates -> locales/messages.pot. Returns (path, count, written)."""
    catalog = extract_catalog(root, project)
    path = pot_path(root)
    written = write_if_changed(path, po_bytes(catalog))
    return path, len(catalog), written


def update_catalogs(root: Path, locales: list[str]) -> list[tuple[Path, str]]:
    """`consentgen update`: merge messages.pot into each locale's catalog, creating new ones."""
    template = read_catalog(pot_path(root), root)
    results: list[tuple[Path, str]] = []
    for locale in locales:
        path = po_path(root, locale)
        if path.is_file():
            catalog, repaired_header = read_catalog_repairing(
                path, root, locale, repair_plural_forms=True
            )
            catalog.update(template, update_header_comment=False)
            action = "updated"
            if repaired_header:
                action = f"updated (Plural-Forms set to CLDR's rule for {locale})"
        else:
            catalog = read_catalog(pot_path(root), root, locale)
            catalog.locale = locale
            catalog.revision_date = catalog_time()
            catalog.fuzzy = False
            action = "created"
        # Obsolete entries go: fuzzy matching has already reused what they could offer.
        if write_if_changed(path, po_bytes(catalog, ignore_obsolete=True)):
            results.append((path, action))
        else:
            results.append((path, "unchanged"))
    return results


@dataclass(frozen=True)
class UpdateResult:
    """What `consentgen update` did: each catalog, and the settings for a new locale."""

    catalogs: list[tuple[Path, str]]  # (catalog, what was done)
    added: list[str]  # new locales added to the settings' locales
    not_added: list[tuple[str, str]]  # (new locale, the settings line to add by hand)


def update_project(settings: Settings, requested: tuple[str, ...]) -> UpdateResult:
    """`consentgen update`: the requested locales (creating new ones, and adding each to the
    settings), or every configured locale and every catalog on disk."""
    if requested:
        for code in requested:
            if not is_valid_identifier(code):
                raise ConsentgenError(f"unknown locale {code!r}: not a Babel locale identifier")
        chosen = list(dict.fromkeys(requested))
    else:
        chosen = [c for c in select_locales(settings, ()) if c != settings.default_locale]
        on_disk = sorted(
            p.parent.parent.name for p in settings.locales_dir.glob("*/LC_MESSAGES/messages.po")
        )
        chosen += [c for c in on_disk if c not in chosen and is_valid_identifier(c)]
    result = UpdateResult(update_catalogs(settings.root, chosen), [], [])
    for code in chosen if requested else ():
        if code in settings.locales:
            continue
        if add_locale(settings.source, code):
            result.added.append(code)
        else:
            result.not_added.append((code, locale_line(settings.locales, code)))
    return result
