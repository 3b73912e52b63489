"""Catalog text that hides, lies or stays English, and working with gettext tools: the rules
on small inputs (no rendering), then the CLI on copies of the shipped catalogs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import REPO

from consentgen.checks.text import message_problems
from consentgen.cli import cli
from consentgen.plurals import GETTEXT_RULES, rule_problem
from consentgen.text_rules import blank, invisible_characters, numbers

ES_PO = Path("locales/es/LC_MESSAGES/messages.po")


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), *args])
    return result.exit_code, result.output


def _shipped(code: str) -> list[tuple[tuple[str, ...], str]]:
    with (REPO / "locales" / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return [
        ((m.id,) if isinstance(m.id, str) else tuple(m.id), m.string)
        for m in catalog
        if m.id and isinstance(m.string, str) and m.string and not m.fuzzy
    ]


# The rules, on small inputs.


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 in 10", ["1", "10"]),
        ("1 de cada 2.000", ["1", "2000"]),  # a thousands point
        ("1 sur 2\u202f000", ["1", "2000"]),  # a narrow no-break space
        ("٦ ساعات", ["6"]),  # Arabic-Indic digits
        ("۶ ساعت", ["6"]),  # Persian digits
        ("६ घंटे", ["6"]),  # Devanagari digits
        ("約６時間", ["6"]),  # full-width digits
        ("7,5 %", ["7.5"]),  # a decimal comma
        ("7-11%", ["7", "11"]),
    ],
)
def test_numbers_are_read_whatever_the_digits(text: str, value: list[str]) -> None:
    assert sorted(numbers(text)) == sorted(value)


def test_english_number_words_count_only_where_the_source_says_so() -> None:
    assert set(numbers("about two years", "en")) == {"2"}
    assert set(numbers("about two years")) == set()
    problems = message_problems(("for about two years",), "約2年間", frozenset(), "en")
    assert problems == []
    problems = message_problems(
        ("about 1 in 10 people",), "1 de cada 20 personas", frozenset(), "en"
    )
    assert problems == [
        "msgstr drops the number(s) 10 of its msgid",
        "msgstr states number(s) 20 that its msgid does not",
    ]


def test_blank_means_nothing_a_reader_could_see() -> None:
    assert blank("\u00a0\u2003 \u3000")
    assert blank("\u200b\u2060")
    assert not blank("-") and not blank("No")


def test_joiners_are_kept_where_a_script_needs_them() -> None:
    assert invisible_characters("می\u200cشود") == []  # Persian: ZWNJ between two letters
    assert invisible_characters("क\u200dष") == []  # Devanagari: ZWJ inside a conjunct
    assert invisible_characters("Infec\u200ction") == ["\u200c"]  # not in Latin
    assert invisible_characters("\u200cمی") == ["\u200c"]  # not at the start
    assert invisible_characters("hyphen\u00adation") == []  # a soft hyphen inside a word
    assert invisible_characters("word \u00ad") == ["\u00ad"]


@pytest.mark.parametrize("code", ["fa", "hi", "ar", "zh_Hant", "ja", "ru", "fr"])
def test_the_shipped_catalogs_pass_the_text_rules(code: str) -> None:
    settings_allow = {
        "fr": frozenset(["Date", "Infection", "Signature", "Signatures", "Version %(version)s"])
    }
    for ids, text in _shipped(code):
        assert message_problems(ids, text, settings_allow.get(code, frozenset()), "en") == [], ids[
            0
        ]


@pytest.mark.parametrize("code", sorted({"fr", "pt_BR", "es", "ru", "pl", "ar", "ja", "fa", "tl"}))
def test_gettext_and_cldr_plural_rules_are_both_accepted(code: str) -> None:
    from babel.messages.plurals import get_plural

    for rule in (get_plural(code).plural_forms, GETTEXT_RULES.get(code) or ""):
        if rule:
            nplurals = int(re.search(r"nplurals=(\d+)", rule)[1])  # type: ignore[index]
            expression = rule.split("plural=", 1)[1].rstrip(";")
            assert rule_problem(code, nplurals, expression) is None, rule


def test_a_plural_rule_that_is_neither_is_refused() -> None:
    assert rule_problem("fr", 2, "(n != 1)") == (
        "Plural-Forms picks the wrong form for fr (expected CLDR: "
        "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;; "
        "gettext: nplurals=2; plural=(n > 1);)"
    )
    assert rule_problem("fr", 2, "n >") == "Plural-Forms expression is not valid: 'n >'"


# The command line, on copies of the shipped catalogs.


def _set_header(po: Path, rule: str) -> None:
    text = po.read_text("utf-8")
    po.write_text(
        re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: {rule}\\\\n"', text), "utf-8"
    )


def test_check_accepts_what_msginit_writes_and_update_repairs_what_is_wrong(
    project: Path, runner: CliRunner
) -> None:
    fr = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    _set_header(fr, "nplurals=2; plural=(n > 1);")  # as msginit and Poedit write it
    code, output = _run(runner, project, "check", "-l", "fr")
    assert "Plural-Forms" not in output, output

    _set_header(fr, "nplurals=2; plural=(n != 1);")  # neither rule
    code, output = _run(runner, project, "check", "-l", "fr")
    assert code == 1 and "Plural-Forms picks the wrong form for fr" in output

    code, output = _run(runner, project, "update", "-l", "fr")
    assert code == 0, output
    assert (
        "updated (Plural-Forms set to CLDR's rule for fr) locales/fr/LC_MESSAGES/messages.po"
        in output
    )
    code, output = _run(runner, project, "check", "-l", "fr")
    assert "Plural-Forms" not in output, output

    _set_header(fr, "nplurals=2; plural=(n >")  # not even an expression
    code, output = _run(runner, project, "update", "-l", "fr")
    assert code == 0, output
    assert "Plural-Forms" not in _run(runner, project, "check", "-l", "fr")[1]


def test_bidirectional_controls_are_refused_by_the_build(project: Path, runner: CliRunner) -> None:
    po = project / ES_PO
    po.write_text(
        po.read_text("utf-8").replace('msgstr "Sangrado"', 'msgstr "Sangr\u202eodad\u202c"'),
        "utf-8",
    )
    line = po.read_text("utf-8").splitlines().index('msgstr "Sangr\u202eodad\u202c"') + 1
    code, output = _run(runner, project, "build", "-l", "es", "-f", "html")
    assert code == 2
    assert output.splitlines() == [
        f"{ES_PO}:{line}: msgstr has bidirectional control characters (U+202C POP "
        "DIRECTIONAL FORMATTING, U+202E RIGHT-TO-LEFT OVERRIDE), which reorder the words a "
        "reader sees"
    ]


def test_a_translation_under_a_msgctxt_does_not_hide_an_untranslated_message(
    project: Path, runner: CliRunner
) -> None:
    po = project / ES_PO
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog.add("Bleeding", "Sangrado", context="risk heading")
    catalog["Bleeding"].string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    result = runner.invoke(cli, ["--project", str(project), "build", "-l", "es", "-f", "html"])
    assert result.exit_code == 0, result.output
    assert f"warning: {ES_PO}: es: 1 message(s) the forms use are not translated" in result.output
    html = (project / "build" / "es" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="incomplete">' in html
    assert "<h3>Bleeding</h3>" in html


def test_update_adds_a_new_locale_to_the_settings_keeping_their_formatting(
    project: Path, runner: CliRunner
) -> None:
    settings = project / "pyproject.toml"
    before = settings.read_text("utf-8")
    code, output = _run(runner, project, "update", "-l", "de")
    assert code == 0, output
    assert output.splitlines()[-1] == "added de to locales in pyproject.toml"
    after = settings.read_text("utf-8")
    assert after == before.replace('"hi", "ja",\n]', '"hi", "ja", "de",\n]')
    code, output = _run(runner, project, "list")
    assert re.search(r"^kyphoplasty +de +0%  incomplete", output, re.M), output
    code, output = _run(runner, project, "build", "-l", "de", "-f", "html")
    assert code == 0, output


def test_update_keeps_comments_in_the_list_and_names_the_line_it_cannot_add(
    project: Path, runner: CliRunner
) -> None:
    settings = project / "pyproject.toml"
    text = re.sub(
        r"locales = \[[^\]]*\]",
        'locales = [\n  "en",  # the source\n  "es",  # "Spanish, [Latin America]"\n]',
        settings.read_text("utf-8"),
    )
    settings.write_text(text, "utf-8")
    code, output = _run(runner, project, "update", "-l", "de")
    assert code == 0, output
    assert settings.read_text("utf-8") == text.replace('"es",  #', '"es", "de",  #')

    (project / "consentgen.toml").write_text(
        'institution_name = "Clinic"\n\n[procedures.kyphoplasty]\nform_id = "X"\n'
        'version = "1"\nrevision_date = 2026-01-01\n',
        "utf-8",
    )
    code, output = _run(runner, project, "update", "-l", "it")
    assert code == 0, output
    assert output.splitlines()[-1] == (
        'consentgen.toml: it is not in locales; add it there, for example: locales = ["en", "it"]'
    )


def test_the_scaffolds_own_note_is_not_a_todo(project: Path, runner: CliRunner) -> None:
    code, output = _run(runner, project, "new", "vertebroplasty")
    assert code == 0, output
    template = project / "templates" / "procedures" / "vertebroplasty.html.j2"
    code, output = _run(runner, project, "check", "-l", "en")
    assert "placeholder text (TODO) not yet written" in output
    template.write_text(template.read_text("utf-8").replace("TODO: ", "Written: "), "utf-8")
    code, output = _run(runner, project, "check", "-l", "en")
    assert "TODO" not in output, output
