"""`consentgen check`: a fixture project with one broken locale per fault (as Babel keeps a
fi_BUGGY locale), each reported with its file:line; the clean project passes but for drafts and
its unapproved procedure."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import REPO, copy_project, fill_untranslated

from consentgen.cli import cli

SCHEMA = json.loads((REPO / "schemas" / "check-report.schema.json").read_text("utf-8"))


def _line_of(po: Path, text: str) -> int:
    """The line number of the msgstr that follows the given msgid line."""
    lines = po.read_text("utf-8").splitlines()
    return lines.index(text) + 2


def _set(catalog, msgid: str, msgstr: str) -> None:  # type: ignore[no-untyped-def]
    catalog[msgid].string = msgstr


def _both_in_english(catalog) -> None:  # type: ignore[no-untyped-def]
    for message in catalog:
        if message.id in ("Infection",) or (message.id or "").startswith("Infection is uncommon"):
            message.string = message.id


def _first_with_digits(catalog):  # type: ignore[no-untyped-def]
    return next(m for m in catalog if m.id and isinstance(m.id, str) and re.search(r"\d", m.id))


def _number_changed(catalog) -> None:  # type: ignore[no-untyped-def]
    """The first number of the first message that states one, doubled ("1 in 10": "1 in 20")."""
    message = _first_with_digits(catalog)
    number = re.findall(r"\d+", message.id)[-1]
    message.string = message.string.replace(number, str(int(number) * 2), 1)


def _all_tripled(catalog) -> None:  # type: ignore[no-untyped-def]
    """Every translation three times the English: no message past its bound, the form past its."""
    for message in catalog:
        if message.id and isinstance(message.string, str) and message.string:
            message.string = " ".join([message.id] * 3)


def _under_a_context(catalog) -> None:  # type: ignore[no-untyped-def]
    """The real "Bleeding" left untranslated, and a translated one under a msgctxt."""
    catalog.add("Bleeding", "Sangrado", context="risk heading")
    catalog["Bleeding"].string = ""


# locale -> (how to break its copy of the Spanish catalog, check, message start, msgid line or None)
FAULTS: dict[str, tuple[Callable[..., None], str, str, str | None]] = {
    "de": (
        lambda c: _set(c, "Form %(form_id)s", "Formular"),
        "placeholders",
        "msgstr drops placeholder %(form_id)s",
        'msgid "Form %(form_id)s"',
    ),
    "it": (
        lambda c: _set(c, "Yes", "<b>Sì</b>"),
        "markup",
        "msgstr brings tag '<b>' that the msgid lacks",
        'msgid "Yes"',
    ),
    "nl": (
        lambda c: _set(c, "No", "Nee (zie https://example.org/nee)"),
        "markup",
        "msgstr brings URL",
        'msgid "No"',
    ),
    "sv": (
        lambda c: _set(c, "Signature", "Firma {0.__class__}"),
        "placeholders",
        "msgstr has replacement field {0.__class__}",
        'msgid "Signature"',
    ),
    "da": (
        _both_in_english,
        "parity",
        "kyphoplasty: data-risk=infection is still in the source language",
        None,
    ),
    "nb": (
        lambda c: c.delete("Witness"),
        "freshness",
        "1 messages of messages.pot are missing",
        None,
    ),
    "ca": (lambda c: c["Yes"].flags.add("fuzzy"), "translation", "1 fuzzy entries", None),
    "eu": (lambda c: _set(c, "Time", ""), "translation", "1 of ", None),
    # Text that hides, lies or stays in the source language.
    "cs": (
        lambda c: _set(c, "Risks", "\u00a0\u2003 "),
        "text",
        "msgstr shows nothing (only spaces or invisible characters)",
        'msgid "Risks"',
    ),
    "hu": (
        lambda c: _set(c, "Bleeding", "Bleeding"),
        "text",
        "msgstr is its msgid unchanged, still in the source language",
        'msgid "Bleeding"',
    ),
    "ro": (
        lambda c: _set(c, "Bleeding", "Sangr\u202eodad\u202c"),
        "text",
        "msgstr has bidirectional control characters (U+202C POP DIRECTIONAL FORMATTING, "
        "U+202E RIGHT-TO-LEFT OVERRIDE)",
        'msgid "Bleeding"',
    ),
    "sk": (
        lambda c: _set(c, "Bleeding", "Sangra\u200bdo"),
        "text",
        "msgstr has invisible characters (U+200B ZERO WIDTH SPACE)",
        'msgid "Bleeding"',
    ),
    "sl": (_number_changed, "text", "msgstr drops the number(s)", None),
    "hr": (
        lambda c: _set(c, "Bleeding", "Sangrado \ue000"),
        "text",
        "msgstr has private-use or unassigned characters (U+E000 unassigned)",
        'msgid "Bleeding"',
    ),
    "lt": (
        lambda c: _set(c, "Bleeding", "Sangrado " * 200),
        "text",
        "msgstr is 225 times as long as its msgid (1800 characters for 8)",
        'msgid "Bleeding"',
    ),
    "et": (
        _all_tripled,
        "text",
        "the kyphoplasty form's text is ",
        None,
    ),
    "lv": (_under_a_context, "freshness", "1 messages are not in messages.pot", None),
}
# Checks a fault may trip besides its own: a private-use character has no glyph either; the
# runaway form has no reading score; a message hidden under a context leaves the form showing
# English, as parity sees.
# A whole item left in English is the msgid unchanged too; "{0.__class__}" states a number.
ALSO = {"hr": {"glyphs"}, "et": {"readability"}, "da": {"text"}, "sv": {"text"}}


def _fix_plural_header(po: Path, code: str) -> None:
    """A copy of another language's catalog gets this language's Plural-Forms header."""
    import re

    from babel.messages.plurals import get_plural

    text = po.read_text("utf-8")
    header = f'"Plural-Forms: {get_plural(code).plural_forms}\\n"\n'
    # A function, not a replacement string: re.sub would turn its "\\n" into a line break.
    text = re.sub(r'"Plural-Forms: [^\n]*(\n"[^\n]*)*?\\n"\n', lambda _: header, text, count=1)
    po.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def buggy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with one broken locale per fault, plus a duplicate and a bad
    Plural-Forms header written by hand."""
    root = copy_project(REPO, tmp_path_factory.mktemp("buggy") / "project")
    fill_untranslated(root, "es")  # each broken locale has its one fault, and no other
    source = root / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    for code, (breaker, _check, _message, _line) in FAULTS.items():
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        breaker(catalog)
        target = root / "locales" / code / "LC_MESSAGES" / "messages.po"
        target.parent.mkdir(parents=True)
        with target.open("wb") as handle:
            write_po(handle, catalog, width=100)
        _fix_plural_header(target, code)
    # fi: a duplicated entry; fr_CA: a Plural-Forms header that is wrong for the language.
    fi = root / "locales" / "fi" / "LC_MESSAGES" / "messages.po"
    fi.parent.mkdir(parents=True)
    fi.write_text(
        source.read_text("utf-8").replace('"Language: es\\n"', '"Language: fi\\n"')
        + '\nmsgid "Yes"\nmsgstr "Kyllä"\n',
        "utf-8",
    )
    fr_ca = root / "locales" / "fr_CA" / "LC_MESSAGES" / "messages.po"
    fr_ca.parent.mkdir(parents=True)
    text = (root / "locales" / "fr" / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    fr_ca.write_text(text.replace("nplurals=3;", "nplurals=4;"), "utf-8")
    settings = root / "pyproject.toml"
    codes = ", ".join(f'"{c}"' for c in [*FAULTS, "fi", "fr_CA"])
    text = settings.read_text("utf-8").replace('"hi", "ja",\n]', f'"hi", "ja", {codes},\n]')
    # Every copy of the Spanish catalog keeps Spanish's "No", rightly the same as the English.
    settings.write_text(text.replace('es = ["No"]', '"*" = ["No"]'), "utf-8")
    return root


def _report(runner: CliRunner, root: Path, *codes: str) -> dict:  # type: ignore[type-arg]
    args = ["--project", str(root), "check", "--json"]
    for code in codes:
        args += ["-l", code]
    result = runner.invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    jsonschema.validate(report, SCHEMA)
    assert report["ok"] == (result.exit_code == 0)
    return report


@pytest.mark.parametrize("code", sorted(FAULTS))
def test_each_fault_is_reported_with_its_file_and_line(
    buggy: Path, runner: CliRunner, code: str
) -> None:
    _breaker, check, message, msgid_line = FAULTS[code]
    report = _report(runner, buggy, code)
    found = [
        p for p in report["problems"] if p["check"] == check and p["message"].startswith(message)
    ]
    assert found, report["problems"]
    po = Path("locales") / code / "LC_MESSAGES" / "messages.po"
    if msgid_line is not None:
        assert found[0]["where"] == f"{po}:{_line_of(buggy / po, msgid_line)}"
    elif check == "text" and code == "sl":
        with (buggy / po).open("rb") as handle:
            entry = _first_with_digits(read_po(handle))
        lines = (buggy / po).read_text("utf-8").splitlines()
        msgstr = next(n for n in range(entry.lineno, len(lines)) if lines[n].startswith("msgstr"))
        assert found[0]["where"] == f"{po}:{msgstr + 1}"
    elif check == "text" and code == "et":
        assert found[0]["where"] == "templates/procedures/kyphoplasty.html.j2"
        # Every message three times over: about three times the English, past the bound.
        assert re.fullmatch(
            r"the kyphoplasty form's text is (2\.[6-9]|3\.[0-4]) times as long as the source "
            r"language's \(at most 2\.5\): a translation has run away",
            found[0]["message"],
        ), found[0]["message"]
    elif check != "parity":
        assert found[0]["where"] == str(po)
    # Nothing else is wrong with the locale but being a draft.
    others = {p["check"] for p in report["problems"]} - {check, "translation", *ALSO.get(code, ())}
    assert not others, report["problems"]
    release = runner.invoke(cli, ["--project", str(buggy), "build", "-l", code, "--release"])
    assert release.exit_code == 1 and message.split(" ")[0] in release.output


def test_duplicate_msgid_and_bad_plural_forms(buggy: Path, runner: CliRunner) -> None:
    report = _report(runner, buggy, "fi", "fr_CA")
    health = [p for p in report["problems"] if p["check"] == "health"]
    fi = next(p for p in health if p["locale"] == "fi")
    lines = (buggy / "locales/fi/LC_MESSAGES/messages.po").read_text("utf-8").splitlines()
    assert fi["where"] == f"locales/fi/LC_MESSAGES/messages.po:{len(lines) - 1}"
    assert fi["message"].startswith("duplicate msgid (first at line")
    fr_ca = next(p for p in health if p["locale"] == "fr_CA")
    assert fr_ca["message"] == (
        "Plural-Forms says nplurals=4; fr_CA has 2 or 3 (`consentgen update` repairs it)"
    )


def test_form_elements_and_readability_on_the_rendered_form(
    project: Path, runner: CliRunner
) -> None:
    signatures = project / "templates" / "blocks" / "signatures.html.j2"
    signatures.write_text(
        signatures.read_text("utf-8").replace('{{ line(_("Time"), "provider_time") }}', ""), "utf-8"
    )
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'page_size = "Letter"', 'page_size = "Letter"\nmax_grade = 2'
        ),
        "utf-8",
    )
    report = _report(runner, project, "en")
    # The signatures block is every procedure's: both forms lack the time.
    elements = [p for p in report["problems"] if p["check"] == "elements"]
    assert [(p["where"], p["message"]) for p in elements] == [
        (
            f"templates/procedures/{procedure}.html.j2",
            f"{procedure}: the provider's signature time is missing",
        )
        for procedure in ("kyphoplasty", "vertebroplasty")
    ]
    readability = [p for p in report["problems"] if p["check"] == "readability"]
    assert [p["where"] for p in readability] == [
        f"templates/procedures/{procedure}.html.j2"
        for procedure in ("kyphoplasty", "vertebroplasty")
    ]
    for problem, procedure in zip(readability, ("kyphoplasty", "vertebroplasty"), strict=True):
        assert problem["message"].startswith(f"{procedure}: reading grade ")
        assert "hardest sentences: " in problem["message"]


def test_shipped_project_passes_but_for_drafts_and_scores_what_it_can(runner: CliRunner) -> None:
    report = _report(runner, REPO)
    # Drafts, and a procedure no clinician approved (test_review has the details).
    assert {p["check"] for p in report["problems"]} == {"approval", "translation"}
    scores = {s["locale"]: s for s in report["readability"]}
    assert scores["en"]["formula"] == "Flesch-Kincaid grade" and scores["en"]["score"] <= 8
    assert scores["es"]["formula"].startswith("Fernández Huerta")
    assert scores["ja"]["formula"] is None and scores["ja"]["score"] is None  # unscored


def test_elements_check_requires_the_patients_own_procedure(
    project: Path, runner: CliRunner
) -> None:
    # A procedure that does not say which bones, how many, or whether a biopsy may be taken,
    # on a form without the lines for the risks specific to the patient.
    template = project / "templates" / "procedures" / "kyphoplasty.html.j2"
    text = template.read_text("utf-8")
    start = text.index("{% block procedure_details %}")
    end = text.index("{% endblock %}", start) + len("{% endblock %}")
    template.write_text(text[:start] + text[end:], "utf-8")
    statement = project / "templates" / "blocks" / "consent-statement.html.j2"
    text = statement.read_text("utf-8")
    assert text.count('{{ lines("specific_risks",') == 1
    statement.write_text(text.replace('{{ lines("specific_risks",', "{{ (", 1), "utf-8")

    report = _report(runner, project, "en")
    elements = sorted(p["message"] for p in report["problems"] if p["check"] == "elements")
    assert elements == [
        *(
            f"kyphoplasty: {element} is missing"
            for element in sorted(
                [
                    "the number of sites or levels",
                    "the risks specific to the patient",
                    "the site or level(s) to be treated",
                    "whether a biopsy may be taken (no)",
                    "whether a biopsy may be taken (yes)",
                ]
            )
        ),
        # The consent statement's block is every procedure's.
        "vertebroplasty: the risks specific to the patient is missing",
    ]
    where = {p["where"] for p in report["problems"] if p["check"] == "elements"}
    assert where == {
        "templates/procedures/kyphoplasty.html.j2",
        "templates/procedures/vertebroplasty.html.j2",
    }
