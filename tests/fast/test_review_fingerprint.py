"""A translation sign-off holds exactly the catalog it signed: every part of every entry that
decides what a form shows (msgid, msgstr, plural strings, the fuzzy flag, msgctxt) and the
Plural-Forms rule is in the fingerprint, and nothing a form never shows is."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from consentgen.errors import ConsentgenError
from consentgen.i18n.review import (
    REVIEW_FILE,
    fingerprint,
    record_review,
    review_locale,
    review_path,
    review_state,
)
from consentgen.settings import load_settings
from consentgen.statuses import DRAFT, REVIEWED

REVIEWER = "Ana Ruiz, CMI (test only)"
CHANGED = f"translations changed since {REVIEWER} signed them off"


def _catalog() -> Catalog:
    catalog = Catalog(locale="es")
    catalog.add("Bleeding", "Sangrado", locations=[("kyphoplasty.html.j2", 3)])
    catalog.add("Yes", "Sí", context="checkbox")
    catalog.add("Yes", "Sí, de acuerdo")
    catalog.add(("%(num)s level", "%(num)s levels"), ("%(num)s nivel", "%(num)s niveles"))
    return catalog


def _mark_fuzzy(catalog: Catalog) -> None:
    catalog["Bleeding"].flags.add("fuzzy")


def _rename_context(catalog: Catalog) -> None:
    message = catalog.get("Yes", context="checkbox")
    catalog.delete("Yes", context="checkbox")
    catalog.add("Yes", message.string, context="button")


def _drop_context(catalog: Catalog) -> None:
    catalog.delete("Yes")
    catalog.delete("Yes", context="checkbox")
    catalog.add("Yes", "Sí")


def _retranslate(catalog: Catalog) -> None:
    catalog["Bleeding"].string = "Hemorragia"


def _retranslate_a_plural(catalog: Catalog) -> None:
    catalog["%(num)s level"].string = ("%(num)s nivel", "%(num)s vértebras")


def _blank_a_plural_form(catalog: Catalog) -> None:
    catalog["%(num)s level"].string = ("%(num)s nivel", " ")


def _change_a_msgid(catalog: Catalog) -> None:
    catalog.delete("Bleeding")
    catalog.add("Bleeding a lot", "Sangrado")


def _change_the_plural_rule(catalog: Catalog) -> None:
    rule = ("Plural-Forms", "nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);")
    catalog.mime_headers = [*catalog.mime_headers, rule]


def _add_an_entry(catalog: Catalog) -> None:
    catalog.add("Fever", "Fiebre")


def _empty_a_translation(catalog: Catalog) -> None:
    catalog["Bleeding"].string = ""


CHANGES: dict[str, Callable[[Catalog], None]] = {
    "fuzzy flag": _mark_fuzzy,
    "msgctxt renamed": _rename_context,
    "msgctxt dropped": _drop_context,
    "msgstr": _retranslate,
    "plural msgstr": _retranslate_a_plural,
    "msgid": _change_a_msgid,
    "Plural-Forms rule": _change_the_plural_rule,
    "entry added": _add_an_entry,
    "msgstr emptied": _empty_a_translation,
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_that_decides_what_a_form_shows_changes_the_fingerprint(change: str) -> None:
    before, after = _catalog(), _catalog()
    assert fingerprint(before) == fingerprint(after)
    CHANGES[change](after)
    assert fingerprint(after) != fingerprint(before)


def test_what_no_form_shows_leaves_the_fingerprint_as_it_was() -> None:
    """Comments, source locations, entry order and the header's dates: a catalog rewrapped or
    reordered by a translation platform stays signed off."""
    catalog = _catalog()
    shuffled = Catalog(locale="es", revision_date=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    for message in reversed(list(_catalog())):
        if message.id:
            shuffled.add(
                message.id,
                message.string,
                context=message.context,
                auto_comments=["Translators: checked"],
                locations=[("x.j2", 9)],
            )
    assert fingerprint(shuffled) == fingerprint(catalog)
    assert len(fingerprint(catalog)) == 64 and int(fingerprint(catalog), 16) >= 0


def test_the_fingerprint_is_the_one_written_down() -> None:
    """A sign-off recorded by one version of consentgen holds in the next: the digest of a
    known catalog (plural rule set, accents, a msgctxt and an untranslated entry included)
    never changes unnoticed."""
    catalog = _catalog()
    catalog.add("Niño", "Niño pequeño", context="niño")
    catalog.add("Not yet", None)
    catalog.mime_headers = [*catalog.mime_headers, ("Plural-Forms", "nplurals=2; plural=(n != 1);")]
    assert fingerprint(catalog) == (
        "f018222df3b71f412e0a87fb2b215014008b0aaba0be725e84bfbaebf63bd4b0"
    )


def _po(tmp_path: Path) -> Path:
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    return po


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_after_the_sign_off_makes_the_locale_a_draft(tmp_path: Path, change: str) -> None:
    po, catalog = _po(tmp_path), _catalog()
    written = record_review(tmp_path, po, catalog, f"  {REVIEWER} ")
    assert written == review_path(po) == po.with_name(REVIEW_FILE)
    signed = review_state(po, catalog)
    assert (signed.reviewed, signed.reviewer, signed.reason, signed.status) == (
        True,
        REVIEWER,
        "",
        REVIEWED,
    )
    CHANGES[change](catalog)
    state = review_state(po, catalog)
    assert (state.reviewed, state.reviewer, state.reason, state.status) == (
        False,
        REVIEWER,
        CHANGED,
        DRAFT,
    )


def test_the_sign_off_records_who_when_and_what(tmp_path: Path) -> None:
    po, catalog = _po(tmp_path), _catalog()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    record_review(tmp_path, po, catalog, "Ana Ruíz, CMI")
    after = dt.datetime.now(dt.UTC)
    text = review_path(po).read_text("utf-8")
    record = json.loads(text)
    assert text == (
        "{\n"
        '  "reviewer": "Ana Ruíz, CMI",\n'
        f'  "reviewed_at": "{record["reviewed_at"]}",\n'
        '  "entries": 4,\n'
        f'  "fingerprint": "{fingerprint(catalog)}"\n'
        "}\n"
    )
    at = dt.datetime.strptime(record["reviewed_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert before <= at <= after
    assert review_state(po, catalog).reviewer == "Ana Ruíz, CMI"
    record_review(tmp_path, po, catalog, REVIEWER)
    record = json.loads(review_path(po).read_text("utf-8"))
    assert set(record) == {"reviewer", "reviewed_at", "entries", "fingerprint"}
    assert record["reviewer"] == REVIEWER and record["entries"] == 4
    assert record["fingerprint"] == fingerprint(catalog)
    assert len(record["reviewed_at"]) == 20 and record["reviewed_at"].endswith("Z")
    assert review_path(po).read_text("utf-8").endswith("}\n")


def test_the_sign_off_time_is_utc_in_any_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        po = _po(tmp_path)
        record_review(tmp_path, po, _catalog(), REVIEWER)
        recorded = json.loads(review_path(po).read_text("utf-8"))["reviewed_at"]
        at = dt.datetime.strptime(recorded, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        assert abs((dt.datetime.now(dt.UTC) - at).total_seconds()) < 60
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no reviewer has signed off its translations"),
        ("{", f"{REVIEW_FILE} cannot be read"),
        ('{"reviewer": "A"}', f"{REVIEW_FILE} cannot be read"),
        ('{"fingerprint": "0"}', f"{REVIEW_FILE} cannot be read"),
        ("[1, 2]", f"{REVIEW_FILE} cannot be read"),
        (b"\xff\xfe".decode("latin-1"), f"{REVIEW_FILE} cannot be read"),
    ],
)
def test_a_missing_or_unreadable_sign_off_is_no_sign_off(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    po = _po(tmp_path)
    if content is not None:
        review_path(po).write_text(content, "latin-1")
    state = review_state(po, _catalog())
    assert (state.reviewed, state.reviewer, state.reason) == (False, "", reason)


def test_a_sign_off_of_another_catalog_is_no_sign_off(tmp_path: Path) -> None:
    po = _po(tmp_path)
    record = {"reviewer": "Someone", "fingerprint": "0" * 64}
    review_path(po).write_text(json.dumps(record), "utf-8")
    state = review_state(po, _catalog())
    assert (state.reviewed, state.reviewer, state.reason) == (
        False,
        "Someone",
        "translations changed since Someone signed them off",
    )


@pytest.mark.parametrize(
    ("change", "counts"),
    [
        (_empty_a_translation, "1 untranslated and 0 fuzzy"),
        (_mark_fuzzy, "0 untranslated and 1 fuzzy"),
        (_blank_a_plural_form, "1 untranslated and 0 fuzzy"),
    ],
)
def test_an_incomplete_or_fuzzy_catalog_cannot_be_signed_off(
    tmp_path: Path, change: Callable[[Catalog], None], counts: str
) -> None:
    po, catalog = _po(tmp_path), _catalog()
    change(catalog)
    with pytest.raises(ConsentgenError) as raised:
        record_review(tmp_path, po, catalog, REVIEWER)
    assert raised.value.format_message() == (
        f"locales/es/LC_MESSAGES/messages.po: cannot sign off: {counts} entries "
        "(translate them first)"
    )
    assert not review_path(po).exists()


@pytest.mark.parametrize("reviewer", ["", "   "])
def test_a_sign_off_names_its_reviewer(tmp_path: Path, reviewer: str) -> None:
    po = _po(tmp_path)
    with pytest.raises(ConsentgenError) as raised:
        record_review(tmp_path, po, _catalog(), reviewer)
    assert raised.value.format_message() == "review: --by needs the reviewer's name"
    assert not review_path(po).exists()


@pytest.mark.parametrize("locale", ["en", "../es", "xx-YY"])
def test_only_a_translated_locale_can_be_signed_off(small_project: Path, locale: str) -> None:
    with pytest.raises(ConsentgenError) as raised:
        review_locale(load_settings(small_project), locale, REVIEWER)
    assert raised.value.format_message() == (
        f"review: {locale!r} is not a translated locale of this project"
    )


def test_a_sign_off_holds_the_rule_of_a_catalog_without_a_plural_forms_header(
    small_project: Path,
) -> None:
    """French counts 0 as singular; a catalog that leaves the rule to the language is signed off
    with the rule the forms use, so the build finds it reviewed."""
    from consentgen.i18n.catalogs import load_locale_catalog

    po = small_project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Kyphoplasty"\nmsgstr "Cyphoplastie"\n',
        "utf-8",
    )
    settings = load_settings(small_project)
    review_locale(settings, "fr", REVIEWER)
    assert load_locale_catalog(settings, "fr").review.reviewed


def test_review_locale_signs_off_the_catalog_on_disk(small_project: Path) -> None:
    from fast.conftest import write_po

    po = write_po(small_project, "es", 'msgid "Kyphoplasty"\nmsgstr "Cifoplastia"\n')
    path = review_locale(load_settings(small_project), "es", REVIEWER)
    assert path == review_path(po)
    assert json.loads(path.read_text("utf-8"))["entries"] == 1
