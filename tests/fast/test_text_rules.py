"""The text rules, on small inputs and on the shipped catalogs' entries: numbers, blanks,
joiners, Plural-Forms rules. No rendering."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from consentgen.checks.text import message_problems
from consentgen.i18n.plurals import GETTEXT_RULES, rule_problem
from consentgen.i18n.text_rules import blank, invisible_characters, numbers
from consentgen.settings import load_settings

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


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


SHIPPED = load_settings(REPO)


@pytest.mark.parametrize("code", [c for c in SHIPPED.locales if c != SHIPPED.default_locale])
def test_the_shipped_catalogs_pass_the_text_rules(code: str) -> None:
    """Persian's ZWNJ and Devanagari's ZWJ included: what a script needs passes."""
    allowed = SHIPPED.same_as_source(code)
    for ids, text in _shipped(code):
        assert message_problems(ids, text, allowed, "en") == [], ids[0]


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
