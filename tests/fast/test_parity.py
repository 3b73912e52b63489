"""Content parity: for every kind of item (risk, benefit, step, alternative), one missing, one
extra and one empty item in a translated form are each named, and nothing else is."""

from __future__ import annotations

import pytest

from consentgen.checks.parity import KINDS, check, items
from consentgen.settings import Settings
from fast.conftest import TEMPLATE, SubjectMaker

SOURCE_ITEMS = {
    ("risk", "bleeding"): "Bleeding",
    ("benefit", "less-pain"): "Less pain",
    ("step", "numbing"): "Numbing medicine",
    ("alternative", "brace"): "A back brace",
}
TRANSLATED = {
    ("risk", "bleeding"): "Sangrado",
    ("benefit", "less-pain"): "Menos dolor",
    ("step", "numbing"): "Medicina para adormecer",
    ("alternative", "brace"): "Un corsé",
}


def _form(entries: dict[tuple[str, str], str]) -> str:
    listed = "".join(
        f'<li data-{kind}="{ident}">{text}</li>' for (kind, ident), text in entries.items()
    )
    return f"<html><body><h1>Kyphoplasty</h1><ul>{listed}</ul></body></html>"


def _messages(
    make_subject: SubjectMaker, settings: Settings, form: str, source: str = _form(SOURCE_ITEMS)
) -> list[str]:
    subject = make_subject("es", forms={"kyphoplasty": form}, source_forms={"kyphoplasty": source})
    problems = check(settings, subject)
    assert all((p.where, p.locale) == (TEMPLATE, "es") for p in problems)
    return [p.message for p in problems]


def test_a_form_with_every_item_translated_passes(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    assert _messages(make_subject, settings, _form(TRANSLATED)) == []


def test_the_source_language_is_not_compared_with_itself(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    subject = make_subject(
        "en", forms={"kyphoplasty": _form({})}, source_forms={"kyphoplasty": _form(SOURCE_ITEMS)}
    )
    assert check(settings, subject) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_item_is_named(make_subject: SubjectMaker, settings: Settings, kind: str) -> None:
    key = next(k for k in TRANSLATED if k[0] == kind)
    form = _form({k: v for k, v in TRANSLATED.items() if k != key})
    assert _messages(make_subject, settings, form) == [
        f"kyphoplasty: data-{kind}={key[1]} is missing"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_an_extra_item_is_named(make_subject: SubjectMaker, settings: Settings, kind: str) -> None:
    form = _form({**TRANSLATED, (kind, "invented"): "Algo inventado"})
    assert _messages(make_subject, settings, form) == [
        f"kyphoplasty: data-{kind}=invented is not in the source form"
    ]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("empty", ["", "  \n ", "<strong> </strong>"])
def test_an_empty_item_is_named(
    make_subject: SubjectMaker, settings: Settings, kind: str, empty: str
) -> None:
    key = next(k for k in TRANSLATED if k[0] == kind)
    form = _form({**TRANSLATED, key: empty})
    assert _messages(make_subject, settings, form) == [
        f"kyphoplasty: data-{kind}={key[1]} is empty"
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_an_item_left_in_the_source_language_is_named(
    make_subject: SubjectMaker, settings: Settings, kind: str
) -> None:
    key = next(k for k in TRANSLATED if k[0] == kind)
    form = _form({**TRANSLATED, key: f"<em>{SOURCE_ITEMS[key]}</em>"})
    assert _messages(make_subject, settings, form) == [
        f"kyphoplasty: data-{kind}={key[1]} is still in the source language"
    ]


def test_every_fault_of_a_form_is_named_in_order(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    """Missing first, then extra, then empty or untranslated, each group sorted."""
    form = _form(
        {
            ("risk", "bleeding"): "",
            ("benefit", "less-pain"): "Less pain",
            ("step", "zz-extra"): "Extra",
            ("alternative", "aa-extra"): "Extra",
        }
    )
    source = _form({**SOURCE_ITEMS, ("risk", "infection"): "Infection"})
    assert items(form)[("step", "zz-extra")] == "Extra"
    assert _messages(make_subject, settings, form, source) == [
        "kyphoplasty: data-alternative=brace is missing",
        "kyphoplasty: data-risk=infection is missing",
        "kyphoplasty: data-step=numbing is missing",
        "kyphoplasty: data-alternative=aa-extra is not in the source form",
        "kyphoplasty: data-step=zz-extra is not in the source form",
        "kyphoplasty: data-benefit=less-pain is still in the source language",
        "kyphoplasty: data-risk=bleeding is empty",
    ]


def test_an_items_text_is_what_a_reader_sees() -> None:
    form = (
        '<li data-risk="a">Fever &amp; <b>chills</b>\n  after</li>'
        '<li data-step="b"><span>One</span><span>two</span></li>'
        '<li data-procedure="c">Not an item</li>'
    )
    assert items(form) == {("risk", "a"): "Fever & chills after", ("step", "b"): "One two"}
