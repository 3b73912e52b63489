"""The forms project's settings: `[tool.consentgen]` in pyproject.toml, or consentgen.toml."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consentgen.errors import ConsentgenError, InputError, InputErrors

PAGE_SIZES = {"Letter": "letter", "A4": "A4"}
PDF_FIELDS = ("all", "signatures", "none")
VARIANTS = ("standard", "large-print", "bilingual")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]+$")
# A phone number as a patient dials it: digits, with spaces, dashes, dots, brackets or a leading
# plus between them; an extension after "ext." or "x". No letters: a form is no place for a typo.
_PHONE = re.compile(r"^\+?[0-9()][0-9 ().\-]*[0-9](\s*(ext\.?|x)\s*[0-9]+)?$")
# The numbers every form prints for after-care: where patients call for what.
PHONE_SETTINGS = {
    "emergency_number": "the emergency number patients call for chest pain or trouble breathing",
    "hospital_phone_day": "the hospital's phone number for patients in the daytime",
    "hospital_phone_night": "the hospital's phone number for patients at night",
}
_TOML_LINE = re.compile(r"at line (\d+)")


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
            return _line_of(self.source.read_text(encoding="utf-8"), key)
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def css_page_size(self) -> str:
        return PAGE_SIZES[self.page_size]


def _settings_table(root: Path) -> tuple[Path, dict[str, Any], str]:
    """Find the settings file and return it, its consentgen table and its text."""
    for name, table_path in (("consentgen.toml", ()), ("pyproject.toml", ("tool", "consentgen"))):
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(name, f"not UTF-8 text ({exc.reason})") from None
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = _TOML_LINE.search(str(exc))
            line = int(match.group(1)) if match else None
            raise InputError(name, f"not valid TOML: {exc}", line) from None
        for key in table_path:
            data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise InputError(name, "[tool.consentgen] must be a table")
        return path, data, text
    raise ConsentgenError(
        f"{root}: not a forms project (no [tool.consentgen] in pyproject.toml, no consentgen.toml)"
    )


def _line_of(text: str, key: str) -> int | None:
    """The line a setting is on, for error messages (tomllib keeps no positions).

    key is dotted from the consentgen table ("locales", "fonts.es",
    "procedures.kyphoplasty.revision_date"): the line is looked for in the table that holds it
    (`[tool.consentgen.fonts]`, or `[fonts]` in consentgen.toml), so a key of the same name in
    another table is never taken for it. Where the key itself is not written, its table's
    header line is named.
    """
    *tables, last = key.split(".")
    in_pyproject = re.search(r"^\[tool\.consentgen\]", text, re.M) is not None
    prefix = ["tool", "consentgen"] if in_pyproject else []
    for depth in range(len(tables), -1, -1):
        header = ".".join([*prefix, *tables[:depth]])
        if header:
            found = re.search(rf"^\[{re.escape(header)}\]\s*(#.*)?$", text, re.M)
            if found is None:
                continue
            start = found.end()
        else:
            start = 0
        following = re.compile(r"^\[", re.M).search(text, start)
        end = following.start() if following else len(text)
        wanted = tables[depth:] + [last]
        pattern = rf"^\s*{re.escape('.'.join(wanted))}\s*="
        match = re.compile(pattern, re.M).search(text, start, end)
        if match is None and depth < len(tables):  # an inline table: fonts = { es = [...] }
            match = re.compile(rf"^\s*{re.escape(wanted[0])}\s*=", re.M).search(text, start, end)
        if match is not None:
            return text.count("\n", 0, match.start()) + 1
        if header and depth == len(tables) and tables:
            return text.count("\n", 0, found.start()) + 1  # type: ignore[union-attr]
    return None


def _table_line(text: str) -> int:
    """The line of the consentgen table's header, where a missing key belongs."""
    match = re.search(r"^\[tool\.consentgen\]", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def load_settings(root: Path) -> Settings:
    """Read and check the settings; every problem is reported at once."""
    path, table, text = _settings_table(root)
    problems: list[InputError] = []

    def problem(key: str, message: str) -> None:
        """A problem with the setting at dotted key, on the line that sets it."""
        problems.append(InputError(path.name, message, _line_of(text, key)))

    def string(key: str, value: Any, *, required: bool = False) -> str:
        if value is None:
            if required:
                problem(key, f"{key} is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            problem(key, f"{key} must be a non-empty string, not {value!r}")
            return ""
        return value

    def phone(key: str, value: Any) -> str:
        if value is None:
            # No default for a hospital's own number: a wrong one printed on a form is worse
            # than none. Point at the settings table, where the line belongs.
            problems.append(
                InputError(
                    path.name,
                    f"{key} is required: {PHONE_SETTINGS[key]}, printed on every form",
                    _table_line(text),
                )
            )
            return ""
        if not isinstance(value, str):
            problem(
                key,
                f'{key} must be a phone number in quotes ("0800 ..." keeps its 0), not {value!r}',
            )
            return ""
        if not _PHONE.match(value.strip()):
            problem(
                key,
                f"{key} must be a phone number as a patient dials it (digits, spaces, "
                f"'-', '.', '(', ')', a leading '+', an extension after 'ext.'), not {value!r}",
            )
            return ""
        return value.strip()

    known = {
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
        *PHONE_SETTINGS,
    }
    for key in sorted(set(table) - known):
        problem(key, f"unknown setting {key!r} (known: {', '.join(sorted(known))})")

    institution_name = string("institution_name", table.get("institution_name"), required=True)
    institution_address = string("institution_address", table.get("institution_address"))
    phones = {
        key: phone(key, table.get(key, "911" if key == "emergency_number" else None))
        for key in PHONE_SETTINGS
    }
    logo_value = string("logo", table.get("logo"))
    logo = (root / logo_value).resolve() if logo_value else None
    if logo is not None and not logo.is_relative_to(root.resolve()):
        problem("logo", f"logo {logo_value!r} is outside the project folder")
        logo = None
    elif logo is not None and not logo.is_file():
        problem("logo", f"logo file {logo_value!r} does not exist")
        logo = None

    page_size = table.get("page_size", "Letter")
    if not isinstance(page_size, str) or page_size not in PAGE_SIZES:
        problem("page_size", f'page_size must be "Letter" or "A4", not {page_size!r}')
        page_size = "Letter"

    pdf_fields = table.get("pdf_fields", "all")
    if not isinstance(pdf_fields, str) or pdf_fields not in PDF_FIELDS:
        problem(
            "pdf_fields", f'pdf_fields must be "all", "signatures" or "none", not {pdf_fields!r}'
        )
        pdf_fields = "all"

    variants = table.get("variants", ["standard"])
    if not isinstance(variants, list) or not variants or any(v not in VARIANTS for v in variants):
        problem("variants", f"variants must be a list of {', '.join(VARIANTS)}, not {variants!r}")
        variants = ["standard"]

    max_grade = table.get("max_grade", 8)
    if isinstance(max_grade, bool) or not isinstance(max_grade, int | float) or max_grade <= 0:
        problem("max_grade", f"max_grade must be a positive number, not {max_grade!r}")
        max_grade = 8

    render_timeout = table.get("render_timeout", 60)
    if (
        isinstance(render_timeout, bool)
        or not isinstance(render_timeout, int | float)
        or not 0 < render_timeout <= 3600
    ):
        problem(
            "render_timeout",
            f"render_timeout must be seconds, more than 0 and at most 3600, not {render_timeout!r}",
        )
        render_timeout = 60

    source_role_names = table.get("source_role_names", False)
    if not isinstance(source_role_names, bool):
        problem(
            "source_role_names",
            f"source_role_names must be true or false, not {source_role_names!r}",
        )
        source_role_names = False

    verify_max_mb = table.get("verify_max_mb", 50)
    if (
        isinstance(verify_max_mb, bool)
        or not isinstance(verify_max_mb, int | float)
        or not 0 < verify_max_mb <= 4096
    ):
        problem(
            "verify_max_mb",
            f"verify_max_mb must be megabytes, more than 0 and at most 4096, not {verify_max_mb!r}",
        )
        verify_max_mb = 50

    anchors = table.get("trust_anchors", [])
    trust_anchors: list[Path] = []
    if not isinstance(anchors, list) or not all(isinstance(x, str) for x in anchors):
        problem("trust_anchors", f"trust_anchors must be a list of file paths, not {anchors!r}")
        anchors = []
    for anchor in anchors:
        if not (root / anchor).is_file():
            problem("trust_anchors", f"trust anchor {anchor!r} does not exist")
        trust_anchors.append(root / anchor)

    default_locale = string("default_locale", table.get("default_locale", "en"), required=True)
    locales = table.get("locales", [default_locale])
    if not isinstance(locales, list) or not all(isinstance(x, str) for x in locales):
        problem("locales", f"locales must be a list of locale names, not {locales!r}")
        locales = [default_locale]

    same_as_source: dict[str, frozenset[str]] = {}
    same_table = table.get("same_as_source", {})
    if isinstance(same_table, list):  # one list for every locale
        same_table = {"*": same_table}
    if not isinstance(same_table, dict):
        problem(
            "same_as_source",
            "same_as_source must be a list of msgids, or a table of locale = [msgids]",
        )
        same_table = {}
    for locale, msgids in same_table.items():
        if not isinstance(msgids, list) or not all(isinstance(x, str) for x in msgids):
            problem(f"same_as_source.{locale}", f"same_as_source.{locale} must be a list of msgids")
            continue
        same_as_source[locale] = frozenset(msgids)

    fonts: dict[str, tuple[str, ...]] = {}
    font_table = table.get("fonts", {})
    if not isinstance(font_table, dict):
        problem("fonts", "fonts must be a table of locale = [font families]")
        font_table = {}
    for locale, families in font_table.items():
        if not isinstance(families, list) or not all(isinstance(x, str) for x in families):
            problem(f"fonts.{locale}", f"fonts.{locale} must be a list of font family names")
            continue
        fonts[locale] = tuple(families)

    procedures: dict[str, ProcedureSettings] = {}
    procedure_table = table.get("procedures", {})
    if not isinstance(procedure_table, dict):
        problem("procedures", "procedures must be a table of [procedures.<name>] tables")
        procedure_table = {}
    for proc, entry in procedure_table.items():
        key = f"procedures.{proc}"
        if not isinstance(entry, dict):
            problem(key, f"{key} must be a table")
            continue
        for extra in sorted(set(entry) - {"form_id", "version", "revision_date"}):
            problem(f"{key}.{extra}", f"unknown setting {key}.{extra!r}")
        revision = entry.get("revision_date")
        if isinstance(revision, str):
            try:
                revision = dt.date.fromisoformat(revision)
            except ValueError:
                pass
        if not isinstance(revision, dt.date) or isinstance(revision, dt.datetime):
            problem(f"{key}.revision_date", f"{key}.revision_date must be a date (YYYY-MM-DD)")
            revision = dt.date(1970, 1, 1)
        version = entry.get("version")
        if isinstance(version, int | float) and not isinstance(version, bool):
            version = str(version)
        form_id = string(f"{key}.form_id", entry.get("form_id"), required=True)
        version = string(f"{key}.version", version, required=True)
        for field_name, value in (("form_id", form_id), ("version", version)):
            if value and not _IDENTIFIER.match(value):
                problem(
                    f"{key}.{field_name}",
                    f"{key}.{field_name} {value!r} may hold only letters, digits, '.', '_', '-'",
                )
        procedures[proc] = ProcedureSettings(
            form_id=form_id,
            version=version,
            revision_date=revision,
        )

    if problems:
        raise InputErrors(problems)
    return Settings(
        root=root,
        source=path,
        institution_name=institution_name,
        hospital_phone_day=phones["hospital_phone_day"],
        hospital_phone_night=phones["hospital_phone_night"],
        emergency_number=phones["emergency_number"],
        institution_address=institution_address,
        logo=logo,
        page_size=page_size,
        pdf_fields=pdf_fields,
        variants=tuple(dict.fromkeys(variants)),
        max_grade=float(max_grade),
        render_timeout=float(render_timeout),
        verify_max_mb=float(verify_max_mb),
        trust_anchors=tuple(trust_anchors),
        source_role_names=source_role_names,
        default_locale=default_locale,
        locales=tuple(dict.fromkeys(locales)),
        procedures=procedures,
        fonts=fonts,
        same_as_source_table=same_as_source,
    )
