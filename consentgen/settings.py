"""The forms project's settings: `[tool.consentgen]` in pyproject.toml, or consentgen.toml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from consentgen.errors import ConsentgenError, InputErrors
from consentgen.locales import is_valid_identifier
from consentgen.settings_file import line_of, read_settings_table
from consentgen.settings_reader import SettingsReader
from consentgen.variants import STANDARD, VARIANTS

PAGE_SIZES = {"Letter": "letter", "A4": "A4"}
PDF_FIELDS = ("all", "signatures", "none")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]+$")
# The numbers every form prints for after-care: where patients call for what.
PHONE_SETTINGS = {
    "emergency_number": "the emergency number patients call for chest pain or trouble breathing",
    "hospital_phone_day": "the hospital's phone number for patients in the daytime",
    "hospital_phone_night": "the hospital's phone number for patients at night",
}


@dataclass(frozen=True)
class ProcedureSettings:
    """The identity a procedure's form carries on every page."""

    form_id: str
    version: str
    revision_date: dt.date


@dataclass(frozen=True)
class Settings:
    """A forms project's settings, checked whole."""

    root: Path
    source: Path
    institution_name: str
    hospital_phone_day: str
    hospital_phone_night: str
    emergency_number: str = "911"
    institution_address: str = ""
    logo: Path | None = None
    page_size: str = "Letter"
    pdf_fields: str = "all"
    variants: tuple[str, ...] = ("standard",)
    max_grade: float = 8
    render_timeout: float = 60  # seconds one form may take to render
    verify_max_mb: float = 50  # verify refuses a larger file before reading it
    trust_anchors: tuple[Path, ...] = ()  # CA certificates verify checks signers against
    # Translated forms also name each signer's role in the source language, in brackets, for
    # staff who read only the source language ("Intérprete (Interpreter)").
    source_role_names: bool = False
    # Beside a risk of 1 in 100 or more, a picture of 100 figures with the affected ones filled.
    icon_arrays: bool = False
    default_locale: str = "en"
    locales: tuple[str, ...] = ("en",)
    procedures: dict[str, ProcedureSettings] = field(default_factory=dict)
    fonts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Messages rightly the same in a language as in the source (a brand name, "OK"): locale
    # -> msgids, "*" for every locale.
    same_as_source_table: dict[str, frozenset[str]] = field(default_factory=dict)

    def same_as_source(self, locale: str) -> frozenset[str]:
        """The msgids a locale may leave as they are."""
        table = self.same_as_source_table
        return table.get("*", frozenset()) | table.get(locale, frozenset())

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    def line_of(self, key: str) -> int | None:
        """The line of the settings file a key is set on, for error messages."""
        try:
            return line_of(self.source.read_text(encoding="utf-8"), key)
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def css_page_size(self) -> str:
        return PAGE_SIZES[self.page_size]


_KNOWN = {
    "institution_name",
    "institution_address",
    "logo",
    "page_size",
    "default_locale",
    "locales",
    "procedures",
    "fonts",
    "pdf_fields",
    "variants",
    "max_grade",
    "render_timeout",
    "verify_max_mb",
    "trust_anchors",
    "same_as_source",
    "source_role_names",
    "icon_arrays",
    *PHONE_SETTINGS,
}


def settings_if_any(root: Path, required: bool) -> Settings | None:
    """The project's settings, or None outside a project when the caller can do without
    (`verify` and `intake` given the ledger to judge against)."""
    try:
        return load_settings(root)
    except ConsentgenError:
        if required:
            raise
        return None


def load_settings(root: Path) -> Settings:
    """Read and check the settings; every problem is reported at once."""
    path, table, _text = read_settings_table(root)
    read = SettingsReader(path, table, _text)
    read.unknown(_KNOWN)
    institution_name = read.string("institution_name", table.get("institution_name"), required=True)
    institution_address = read.string("institution_address", table.get("institution_address"))
    phones = {
        key: read.phone(key, purpose, "911" if key == "emergency_number" else None)
        for key, purpose in PHONE_SETTINGS.items()
    }
    logo = _logo(read, root)
    variants = table.get("variants", [STANDARD])
    if not isinstance(variants, list) or not variants or any(v not in VARIANTS for v in variants):
        read.problem(
            "variants", f"variants must be a list of {', '.join(VARIANTS)}, not {variants!r}"
        )
        variants = [STANDARD]
    anchors = read.strings("trust_anchors", table.get("trust_anchors", []), "file paths") or []
    for anchor in anchors:
        if not (root / anchor).is_file():
            read.problem("trust_anchors", f"trust anchor {anchor!r} does not exist")
    default_locale = read.string("default_locale", table.get("default_locale", "en"), required=True)
    locales = read.strings("locales", table.get("locales", [default_locale]), "locale names")
    same = read.lists_by_locale("same_as_source", "msgids")
    procedures = _procedures(read)
    fonts = read.lists_by_locale("fonts", "font family names")
    page_size = read.choice("page_size", tuple(PAGE_SIZES), "Letter", '"Letter" or "A4"')
    pdf_fields = read.choice("pdf_fields", PDF_FIELDS, "all", '"all", "signatures" or "none"')
    max_grade = read.number("max_grade", 8, None, "a positive number")
    render_timeout = read.number("render_timeout", 60, 3600, "seconds")
    verify_max_mb = read.number("verify_max_mb", 50, 4096, "megabytes")
    source_role_names = read.flag("source_role_names", False)
    icon_arrays = read.flag("icon_arrays", False)
    if read.problems:
        raise InputErrors(read.problems)
    return Settings(
        root=root,
        source=path,
        institution_name=institution_name,
        hospital_phone_day=phones["hospital_phone_day"],
        hospital_phone_night=phones["hospital_phone_night"],
        emergency_number=phones["emergency_number"],
        institution_address=institution_address,
        logo=logo,
        variants=tuple(dict.fromkeys(variants)),
        trust_anchors=tuple(root / anchor for anchor in anchors),
        default_locale=default_locale,
        locales=tuple(dict.fromkeys(locales or [default_locale])),
        procedures=procedures,
        fonts=fonts,
        same_as_source_table={locale: frozenset(ids) for locale, ids in same.items()},
        page_size=page_size,
        pdf_fields=pdf_fields,
        max_grade=max_grade,
        render_timeout=render_timeout,
        verify_max_mb=verify_max_mb,
        source_role_names=source_role_names,
        icon_arrays=icon_arrays,
    )


def _logo(read: SettingsReader, root: Path) -> Path | None:
    value = read.string("logo", read.table.get("logo"))
    logo = (root / value).resolve() if value else None
    if logo is not None and not logo.is_relative_to(root.resolve()):
        read.problem("logo", f"logo {value!r} is outside the project folder")
        return None
    if logo is not None and not logo.is_file():
        read.problem("logo", f"logo file {value!r} does not exist")
        return None
    return logo


def _procedures(read: SettingsReader) -> dict[str, ProcedureSettings]:
    """Each [procedures.<name>] table: form id, version, revision date."""
    procedures: dict[str, ProcedureSettings] = {}
    table = read.table.get("procedures", {})
    if not isinstance(table, dict):
        read.problem("procedures", "procedures must be a table of [procedures.<name>] tables")
        return procedures
    for name, entry in table.items():
        key = f"procedures.{name}"
        if not isinstance(entry, dict):
            read.problem(key, f"{key} must be a table")
            continue
        for extra in sorted(set(entry) - {"form_id", "version", "revision_date"}):
            read.problem(f"{key}.{extra}", f"unknown setting {key}.{extra!r}")
        revision = entry.get("revision_date")
        if isinstance(revision, str):
            try:
                revision = dt.date.fromisoformat(revision)
            except ValueError:
                pass
        if not isinstance(revision, dt.date) or isinstance(revision, dt.datetime):
            read.problem(f"{key}.revision_date", f"{key}.revision_date must be a date (YYYY-MM-DD)")
            revision = dt.date(1970, 1, 1)
        version = entry.get("version")
        if isinstance(version, int | float) and not isinstance(version, bool):
            version = str(version)
        form_id = read.string(f"{key}.form_id", entry.get("form_id"), required=True)
        version = read.string(f"{key}.version", version, required=True)
        for field_name, value in (("form_id", form_id), ("version", version)):
            if value and not _IDENTIFIER.match(value):
                read.problem(
                    f"{key}.{field_name}",
                    f"{key}.{field_name} {value!r} may hold only letters, digits, '.', '_', '-'",
                )
        procedures[name] = ProcedureSettings(form_id, version, revision)
    return procedures


def select_locales(settings: Settings, requested: tuple[str, ...]) -> list[str]:
    """The locales to build: the requested ones, checked against Babel and the settings."""
    configured = ", ".join(settings.locales)
    for code in (settings.default_locale, *settings.locales):
        if not is_valid_identifier(code):
            raise ConsentgenError(f"{settings.source.name}: unknown locale {code!r} in settings")
    chosen = list(dict.fromkeys(requested)) or list(settings.locales)
    for code in chosen:
        if not is_valid_identifier(code):
            raise ConsentgenError(
                f"unknown locale {code!r}: not a Babel locale identifier (configured: {configured})"
            )
        if code not in settings.locales:
            raise ConsentgenError(
                f"{settings.source.name}: locale {code!r} is not in locales "
                f"(configured: {configured})"
            )
    return chosen
