"""Catalog reading, hardened, and placeholders, on small catalogs written in the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Message
from markupsafe import Markup

from consentgen.errors import InputError
from consentgen.i18n.pofile import read_catalog
from consentgen.i18n.translations import fill, placeholder_problems, refused

HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);\\n"\n\n'
)


def _read(tmp_path: Path, body: str, header: str = HEADER) -> object:
    po = tmp_path / "messages.po"
    po.write_text(header + body, "utf-8")
    return read_catalog(po, tmp_path, "es")


def _refusal(tmp_path: Path, body: str, header: str = HEADER) -> tuple[int | None, str]:
    with pytest.raises(InputError) as raised:
        _read(tmp_path, body, header)
    return raised.value.line, raised.value.problem


def test_a_string_cut_short_is_refused_at_its_line(tmp_path: Path) -> None:
    line, problem = _refusal(tmp_path, 'msgid "Yes"\nmsgstr "Sí\n')
    assert (line, problem) == (7, 'string not closed on its line (a missing ")')


def test_a_plural_rule_that_would_take_the_machine_is_refused(tmp_path: Path) -> None:
    header = HEADER.replace("nplurals=3", "nplurals=100000000")
    line, problem = _refusal(tmp_path, 'msgid "Yes"\nmsgstr "Sí"\n', header)
    assert (line, problem) == (4, "Plural-Forms: nplurals must be 1 to 6")


def test_a_well_formed_catalog_reads(tmp_path: Path) -> None:
    catalog = _read(tmp_path, 'msgid "Yes"\nmsgstr "Sí"\n')
    assert catalog["Yes"].string == "Sí"  # type: ignore[index]


@pytest.mark.parametrize(
    ("msgid", "msgstr", "expected"),
    [
        ("Form %(form_id)s", "Formulario", ["msgstr drops placeholder %(form_id)s"]),
        (
            "Form",
            "Formulario %(secret)s",
            ["msgstr adds placeholder %(secret)s that the msgid lacks"],
        ),
        ("Form", "100%", ["msgstr has a % that is not %(name)s (write %% for a percent sign)"]),
        ("Form", "%5s", ["msgstr has a % that is not %(name)s (write %% for a percent sign)"]),
        ("%(n)s%%", "%(n)s%%", []),
        # Every placeholder after a stray % is still read.
        (
            "%(x)s of %(y)s",
            "100 % de %(x)s y %(y)s",
            ["msgstr has a % that is not %(name)s (write %% for a percent sign)"],
        ),
        (
            "Form",
            "50% %(a)s %(b)s %(a)s",
            [
                "msgstr has a % that is not %(name)s (write %% for a percent sign)",
                "msgstr adds placeholder %(a)s that the msgid lacks",
                "msgstr adds placeholder %(b)s that the msgid lacks",
            ],
        ),
        (
            "%(a)s and %(b)s",
            "%(b)s",
            ["msgstr drops placeholder %(a)s"],
        ),
    ],
)
def test_placeholders(msgid: str, msgstr: str, expected: list[str]) -> None:
    assert placeholder_problems(Message(msgid, msgstr)) == expected


def test_a_plural_translation_keeps_the_placeholders_of_both_msgids() -> None:
    ids = ("one bone for %(who)s", "%(num)s bones for %(who)s and %(whom)s")
    good = Message(ids, ("%(num)s hueso para %(who)s", "%(num)s huesos para %(who)s y %(whom)s"))
    assert placeholder_problems(good) == [
        "msgstr drops placeholder %(whom)s",
    ]
    only_singular = Message(("one bone for %(who)s", "%(num)s bones"), ("", "%(num)s huesos"))
    assert placeholder_problems(only_singular) == ["msgstr drops placeholder %(who)s"]
    assert refused(only_singular) == [("placeholders", "msgstr drops placeholder %(who)s")]


def test_a_translation_refused_for_two_reasons_names_each_once() -> None:
    message = Message("Fever", ("Fiebre %(x)s \u202e", "Fiebre %(x)s \u202e"))
    assert refused(message) == [
        ("placeholders", "msgstr adds placeholder %(x)s that the msgid lacks"),
        (
            "text",
            "msgstr has bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE), which "
            "reorder the words a reader sees",
        ),
    ]


def test_bidi_controls_refuse_a_translation() -> None:
    assert refused(Message("Bleeding", "Sangr\u202eodad")) == [
        (
            "text",
            "msgstr has bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE), which "
            "reorder the words a reader sees",
        )
    ]


def test_fill_escapes_the_message_and_every_value() -> None:
    assert fill("<b>%(name)s</b> 100%%", {"name": "<i>x</i>"}) == (
        "&lt;b&gt;&lt;i&gt;x&lt;/i&gt;&lt;/b&gt; 100%"
    )


@pytest.mark.parametrize(
    ("message", "variables", "filled"),
    [
        ("No placeholders", {}, "No placeholders"),
        ("%(a)s", {"a": 1}, "1"),
        ("%(a)s%(b)s and %(a)s", {"a": "x", "b": "&"}, "x&amp; and x"),
        ("100 %% of %(n)s %%", {"n": 3}, "100 % of 3 %"),
        # A stray % is printed as it is: no width, precision or conversion reaches a value.
        ("%5.1s %(a)s %d", {"a": "<b>"}, "%5.1s &lt;b&gt; %d"),
        ("50%", {}, "50%"),
    ],
)
def test_fill_substitutes_every_placeholder_and_nothing_else(
    message: str, variables: dict[str, object], filled: str
) -> None:
    result = fill(message, variables)
    assert str(result) == filled and isinstance(result, Markup)


def test_fill_refuses_a_placeholder_without_a_value() -> None:
    with pytest.raises(KeyError):
        fill("%(missing)s", {})
