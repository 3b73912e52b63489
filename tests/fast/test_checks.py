"""Each check of the release gate on small inputs: a few catalog entries, a few lines of HTML.
Every problem is named exactly: where, which locale, what."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, approve, copy_project

from consentgen.approval import ApprovalState
from consentgen.checks import (
    CHECKS,
    elements,
    freshness,
    glyphs,
    health,
    markup,
    placeholders,
    readability,
    report,
    run_checks,
    text,
    todo,
    translation,
)
from consentgen.checks import approval as approval_check
from consentgen.checks.base import Problem
from consentgen.i18n.review import record_review
from consentgen.settings import Settings, load_settings
from fast.conftest import TEMPLATE, SubjectMaker, line_of, write_po

ES_PO = "locales/es/LC_MESSAGES/messages.po"


def _at(po: Path, line: str) -> str:
    """Where a problem of the Spanish catalog's line is reported."""
    return f"{ES_PO}:{line_of(po, line)}"


def _es(small_project: Path, entries: str) -> Path:
    return write_po(small_project, "es", entries)


# translation


def test_translation_names_what_keeps_a_locale_from_release(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    _es(
        small_project,
        'msgid "Kyphoplasty"\nmsgstr "Cifoplastia"\n\nmsgid "Bleeding"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Fever"\nmsgstr "Fiebre"\n',
    )
    subject = make_subject("es", untranslated={"kyphoplasty": {"Bleeding"}, "other": set()})
    assert translation.check(settings, subject) == [
        Problem(ES_PO, "es", "2 of 3 messages untranslated (33% done)"),
        Problem(ES_PO, "es", "1 fuzzy entries"),
        Problem(
            TEMPLATE,
            "es",
            "incomplete: the kyphoplasty form shows 1 message(s) its catalog does not "
            "translate (run `consentgen extract` and `consentgen update`, then translate them)",
        ),
        Problem(ES_PO, "es", "draft translation: no reviewer has signed off its translations"),
    ]


def test_translation_passes_a_complete_reviewed_catalog_and_the_source(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(small_project, 'msgid "Kyphoplasty"\nmsgstr "Cifoplastia"\n')
    catalog = make_subject("es").catalog.catalog
    assert catalog is not None
    record_review(small_project, po, catalog, "Test Reviewer (test only)")
    assert translation.check(settings, make_subject("es")) == []
    assert translation.check(settings, make_subject("en", untranslated={"k": {"x"}})) == []


# placeholders


def test_placeholders_names_each_fault_at_its_msgstr(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(
        small_project,
        'msgid "%(num)s levels"\nmsgstr "%(num)s niveles {0}"\n\n'
        'msgid "Call %(phone)s"\nmsgstr "Llame"\n\n'
        'msgid "Use {name}"\nmsgstr "Use {name}"\n\n'
        'msgid "one bone"\nmsgid_plural "%(num)s bones"\nmsgstr[0] "%(num)s hueso"\n'
        'msgstr[1] "%(num)s huesos {x}"\n\n'
        'msgid "Empty"\nmsgstr ""\n',
    )
    found = placeholders.check(settings, make_subject("es"))
    assert found == [
        Problem(_at(po, 'msgstr "Llame"'), "es", "msgstr drops placeholder %(phone)s"),
        Problem(
            _at(po, 'msgstr "%(num)s niveles {0}"'),
            "es",
            "msgstr has replacement field {0} the msgid lacks",
        ),
        Problem(
            _at(po, 'msgstr[0] "%(num)s hueso"'),
            "es",
            "msgstr has replacement field {x} the msgid lacks",
        ),
    ]
    assert placeholders.check(settings, make_subject("en")) == []


# markup


def test_markup_names_tags_entities_and_urls_the_msgid_lacks(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(
        small_project,
        'msgid "Risks"\nmsgstr "<b>Riesgos</b>"\n\n'
        'msgid "Fever"\nmsgstr "Fiebre &amp; frío"\n\n'
        'msgid "Call us"\nmsgstr "Llame a https://example.org/x o www.example.org"\n\n'
        'msgid "Read <b>this</b>"\nmsgstr "Lea <b>esto</b>"\n\n'
        'msgid "Empty"\nmsgstr ""\n',
    )
    found = markup.check(settings, make_subject("es"))
    assert found == [
        Problem(
            _at(po, 'msgstr "<b>Riesgos</b>"'),
            "es",
            "msgstr brings tag '<b>' that the msgid lacks",
        ),
        Problem(
            _at(po, 'msgstr "Fiebre &amp; frío"'),
            "es",
            "msgstr brings entity '&amp;' that the msgid lacks",
        ),
        Problem(
            _at(po, 'msgstr "Llame a https://example.org/x o www.example.org"'),
            "es",
            "msgstr brings URL 'https://example.org/x' that the msgid lacks",
        ),
    ]
    assert markup.check(settings, make_subject("en")) == []


def test_markup_reads_the_urls_of_both_msgids_of_a_plural(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    _es(
        small_project,
        'msgid "visit www.example.org"\nmsgid_plural "%(num)s visits"\n'
        'msgstr[0] "visite www.example.org"\nmsgstr[1] "%(num)s visitas"\n',
    )
    assert markup.check(settings, make_subject("es")) == []


def test_markup_shortens_what_it_quotes(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    url = "https://example.org/" + "a" * 80
    _es(small_project, f'msgid "Call us"\nmsgstr "{url}"\n')
    (problem,) = markup.check(settings, make_subject("es"))
    assert problem.message == f"msgstr brings URL {url[:60]!r} that the msgid lacks"


# health


def test_health_names_duplicates_and_passes_contexts(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(
        small_project,
        'msgid "Yes"\nmsgstr "Sí"\n\nmsgctxt "box"\nmsgid "Yes"\nmsgstr "Sí"\n\n'
        'msgid "No"\nmsgstr "No"\n',
    )
    subject = make_subject("es")
    assert health.check(settings, subject) == []
    text_now = po.read_text("utf-8")
    po.write_text(
        text_now + '\nmsgid "Yes"\nmsgstr "Sí"\n\nmsgid ""\n"Y"\n"es"\nmsgstr "x"\n', "utf-8"
    )
    lines = po.read_text("utf-8").split("\n")
    first = lines.index('msgid "Yes"') + 1
    second = len(lines) - 1 - lines[::-1].index('msgid "Yes"')
    assert health.check(settings, subject) == [
        Problem(f"{ES_PO}:{second + 1}", "es", f"duplicate msgid (first at line {first})")
    ]


def test_health_reads_msgids_whole_and_by_context(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    """Messages written over several lines differ by any of their lines; one msgid under two
    contexts is two messages; only a true repeat is a duplicate."""
    po = _es(
        small_project,
        'msgctxt "a"\nmsgid "Yes"\nmsgstr "Sí"\n\nmsgctxt "b"\nmsgid "Yes"\nmsgstr "Sí"\n\n'
        'msgid ""\n"Same start "\n"end one"\nmsgstr "x"\n\n'
        'msgid ""\n"Same start "\n"end two"\nmsgstr "x"\n\n'
        'msgid ""\n"Other start "\n"end one"\nmsgstr "x"\n\n'
        'msgid ""\n"Same start "\n"end one"\nmsgstr "x"\n',
    )
    lines = po.read_text("utf-8").split("\n")
    first = lines.index('"end one"')  # the line before: its msgid's first continuation
    last = len(lines) - lines[::-1].index('"Same start "') - 1
    assert health.check(settings, make_subject("es")) == [
        Problem(f"{ES_PO}:{last}", "es", f"duplicate msgid (first at line {first - 1})")
    ]


def test_health_reads_a_catalog_without_a_header(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(small_project, 'msgid "Yes"\nmsgstr "Sí"\n')
    subject = make_subject("es")
    po.write_text('msgid "Yes"\nmsgstr "Sí"\n\nmsgid "Yes"\nmsgstr "Sí"\n', "utf-8")
    assert health.check(settings, subject) == [
        Problem(f"{ES_PO}:4", "es", "duplicate msgid (first at line 1)"),
        Problem(ES_PO, "es", "no Plural-Forms header"),
    ]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "no Plural-Forms header"),
        ("nplurals=2 plural=(n != 1);", "Plural-Forms is not valid: 'nplurals=2 plural=(n != 1);'"),
        (
            "nplurals=4; plural=(n==1 ? 0 : n==2 ? 1 : n==3 ? 2 : 3);",
            "Plural-Forms says nplurals=4; es has 2 or 3 (`consentgen update` repairs it)",
        ),
        ("nplurals=2; plural=(n == 1);", "Plural-Forms picks the wrong form for es (expected "),
        ("nplurals=2; plural=(n != 1);", None),
        ("nplurals = 2 ; plural = n!=1", None),
    ],
)
def test_health_holds_the_plural_rule_to_the_language(
    small_project: Path,
    make_subject: SubjectMaker,
    settings: Settings,
    header: str | None,
    problem: str | None,
) -> None:
    po = _es(small_project, 'msgid "Yes"\nmsgstr "Sí"\n')
    subject = make_subject("es")
    lines = po.read_text("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith('"Plural-Forms'))
    if header is None:
        del lines[number - 1]
    else:
        lines[number - 1] = f'"Plural-Forms: {header}\\n"'
    po.write_text("\n".join(lines), "utf-8")
    found = health.check(settings, subject)
    if problem is None:
        assert found == []
    elif header is None:
        assert found == [Problem(ES_PO, "es", problem)]
    else:
        assert len(found) == 1 and found[0].where == f"{ES_PO}:{number}", found
        assert found[0].message.startswith(problem), found
        repairable = not problem.startswith("Plural-Forms is not valid")
        assert found[0].message.endswith(" (`consentgen update` repairs it)") == repairable


def test_health_and_every_catalog_check_pass_the_source_language(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    subject = make_subject("en")
    for check in (health.check, markup.check, placeholders.check, text.check, translation.check):
        assert check(settings, subject) == []


# freshness


def _pot(project: Path, *msgids: str, obsolete: bool = False) -> Path:
    pot = project / "locales" / "messages.pot"
    entries = "".join(f'msgid "{m}"\nmsgstr ""\n\n' for m in msgids)
    pot.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries, "utf-8"
    )
    return pot


def test_freshness_passes_a_catalog_that_matches_its_template(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    _pot(small_project, "Kyphoplasty")
    _es(small_project, 'msgid "Kyphoplasty"\nmsgstr "Cifoplastia"\n')
    assert freshness.check(settings, make_subject("en")) == []
    assert freshness.check(settings, make_subject("es")) == []


def test_freshness_without_messages_pot(make_subject: SubjectMaker, settings: Settings) -> None:
    assert freshness.check(settings, make_subject("en")) == [
        Problem("locales/messages.pot", "en", "no messages.pot (run `consentgen extract`)")
    ]
    assert freshness.check(settings, make_subject("es")) == []


def test_freshness_names_a_stale_template_catalog(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    _pot(small_project, "Gone", "Also gone")
    assert freshness.check(settings, make_subject("en")) == [
        Problem(
            "locales/messages.pot",
            "en",
            "1 messages of the templates are not in messages.pot (run `consentgen extract`)",
        ),
        Problem(
            "locales/messages.pot",
            "en",
            "2 messages of messages.pot are no longer in the templates (run `consentgen extract`)",
        ),
    ]


def test_freshness_names_a_stale_locale_catalog(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    _pot(small_project, "Kyphoplasty", "Bleeding", "Fever")
    _es(
        small_project,
        'msgid "Kyphoplasty"\nmsgstr "Cifoplastia"\n\nmsgctxt "old"\nmsgid "Bleeding"\n'
        'msgstr "Sangrado"\n\n#~ msgid "Gone"\n#~ msgstr "Ido"\n',
    )
    assert freshness.check(settings, make_subject("es")) == [
        Problem(ES_PO, "es", "2 messages of messages.pot are missing (run `consentgen update`)"),
        Problem(ES_PO, "es", "1 messages are not in messages.pot (run `consentgen update`)"),
        Problem(ES_PO, "es", "1 obsolete entries (run `consentgen update`, which removes them)"),
    ]


def test_freshness_compares_whole_msgids_and_plurals_by_their_first(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    pot = _pot(small_project, "Kyphoplasty", "Fever", "Fatigue")
    pot.write_text(
        pot.read_text("utf-8") + 'msgid "one bone"\nmsgid_plural "%(num)s bones"\n'
        'msgstr[0] ""\nmsgstr[1] ""\n',
        "utf-8",
    )
    _es(
        small_project,
        'msgid "Kyphoplasty"\nmsgstr "Cifoplastia"\n\nmsgid "Fever"\nmsgstr "Fiebre"\n\n'
        'msgid "one bone"\nmsgstr "un hueso"\n',
    )
    assert freshness.check(settings, make_subject("es")) == [
        Problem(ES_PO, "es", "1 messages of messages.pot are missing (run `consentgen update`)")
    ]


# approval and todo: once, with the source language


def test_approval_names_each_unapproved_procedure(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    approvals = {
        "vertebroplasty": ApprovalState(False, reason="its text changed since A approved it"),
        "kyphoplasty": ApprovalState(False, reason="no clinician has approved it"),
        "biopsy": ApprovalState(True, "A", "2026-01-01T00:00:00Z"),
    }
    found = approval_check.check(settings, make_subject("en", approvals=approvals))
    assert found == [
        Problem(
            TEMPLATE,
            "en",
            "kyphoplasty: source text not approved: no clinician has approved it (a clinician "
            'approves it with `consentgen approve kyphoplasty --by "NAME, ROLE"`)',
        ),
        Problem(
            "templates/procedures/vertebroplasty.html.j2",
            "en",
            "vertebroplasty: source text not approved: its text changed since A approved it (a "
            'clinician approves it with `consentgen approve vertebroplasty --by "NAME, ROLE"`)',
        ),
    ]
    assert approval_check.check(settings, make_subject("es", approvals=approvals)) == []


def test_todo_names_each_visible_placeholder_line(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    (small_project / TEMPLATE).write_text(
        "<h1>x</h1>\n{# TODO: a note to the forms team #}\n<p>TODO</p>\n<p>ok</p>\n<p>TODO</p>\n",
        "utf-8",
    )
    other = small_project / "templates" / "procedures" / "biopsy.html.j2"
    other.write_text("<p>TODO write</p>\n", "utf-8")
    assert todo.check(settings, make_subject("en")) == [
        Problem(
            "templates/procedures/biopsy.html.j2:1", "en", "placeholder text (TODO) not yet written"
        ),
        Problem(f"{TEMPLATE}:3", "en", "placeholder text (TODO) not yet written"),
        Problem(f"{TEMPLATE}:5", "en", "placeholder text (TODO) not yet written"),
    ]
    assert todo.check(settings, make_subject("es")) == []


# elements


def _complete_form(settings: Settings) -> str:
    markers = " ".join(
        f"<span {m}></span>" if "=" in m and not m.startswith("<") else m
        for m in elements.REQUIRED.values()
    )
    return f"<p>{settings.institution_name}</p><h1>Kyphoplasty</h1>{markers}"


def test_elements_passes_a_complete_form(make_subject: SubjectMaker, settings: Settings) -> None:
    subject = make_subject("es", forms={"kyphoplasty": _complete_form(settings)})
    assert elements.check(settings, subject) == []


@pytest.mark.parametrize("element", elements.REQUIRED)
def test_elements_names_each_missing_element(
    make_subject: SubjectMaker, settings: Settings, element: str
) -> None:
    marker = elements.REQUIRED[element]
    form = _complete_form(settings).replace(marker, "")
    if element == "the procedure's name":
        form = form.replace("</h1>", "</h2>")
    found = elements.check(settings, make_subject("fr", forms={"kyphoplasty": form}))
    assert found == [Problem(TEMPLATE, "fr", f"kyphoplasty: {element} is missing")]


def test_elements_names_a_missing_hospital_and_an_empty_title(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    form = _complete_form(settings).replace(settings.institution_name, "Another Hospital")
    form = form.replace("<h1>Kyphoplasty</h1>", "<h1></h1>")
    found = elements.check(settings, make_subject("fr", forms={"kyphoplasty": form}))
    assert found == [
        Problem(TEMPLATE, "fr", "kyphoplasty: the hospital's name is missing"),
        Problem(TEMPLATE, "fr", "kyphoplasty: the procedure's name is empty"),
    ]


# text


@pytest.mark.parametrize(
    ("msgid", "msgstr", "problems"),
    [
        ("Bleeding", "Sangrado", []),
        ("No", "No", []),  # listed in same_as_source
        (
            "Infection",
            "Infection",
            [
                "msgstr is its msgid unchanged, still in the source language "
                "(if that is right here, list it in same_as_source in the settings)"
            ],
        ),
        (
            "Infection",
            " Infection ",
            [
                "msgstr is its msgid unchanged, still in the source language "
                "(if that is right here, list it in same_as_source in the settings)"
            ],
        ),
        ("10", "10", []),  # no letters: nothing to translate
        (
            "Pain",
            "Dolor\u200b",
            [
                "msgstr has invisible characters (U+200B ZERO WIDTH SPACE), "
                "which break search and copy"
            ],
        ),
        (
            "Pain",
            "Dolor\ue000",
            [
                "msgstr has private-use or unassigned characters (U+E000 "
                "unassigned), which have no meaning of their own"
            ],
        ),
        (
            "1 in 10 people",
            "1 de cada 20 personas",
            [
                "msgstr drops the number(s) 10 of its msgid",
                "msgstr states number(s) 20 that its msgid does not",
            ],
        ),
        ("Take two pills", "Tome 2 pastillas", []),  # an English number word, written in digits
        (
            "Rest",
            "Descanse " + "mucho " * 20,
            [
                "msgstr is 32 times as long as its msgid (129 characters for 4): a translation has "
                "run away"
            ],
        ),
    ],
)
def test_text_names_what_a_translation_hides_or_changes(
    msgid: str, msgstr: str, problems: list[str]
) -> None:
    assert text.message_problems((msgid,), msgstr, frozenset({"No"}), "en") == problems


def test_text_reports_each_message_at_its_line_and_a_runaway_form(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(
        small_project,
        'msgid "No"\nmsgstr "No"\n\nmsgid "Infection"\nmsgstr "Infection"\n\n'
        '#, fuzzy\nmsgid "Fever"\nmsgstr "Fever"\n\nmsgid "Pain"\nmsgstr " "\n\n'
        'msgid "one bone"\nmsgid_plural "%(num)s bones"\nmsgstr[0] "%(num)s bones"\nmsgstr[1] ""\n',
    )
    source = "<p>" + "word " * 10 + "</p>"
    forms = {
        "kyphoplasty": "<p>" + "palabra " * 26 + "</p>",
        "at-the-bound": "<p>" + "palabra " * 25 + "</p>",
        "short": "<p>corto</p>",
    }
    subject = make_subject("es", forms=forms, source_forms={"kyphoplasty": source, "short": source})
    unchanged = (
        "msgstr is its msgid unchanged, still in the source language (if that is right here, "
        "list it in same_as_source in the settings)"
    )
    assert text.check(settings, subject) == [
        Problem(
            _at(po, 'msgstr " "'),
            "es",
            "msgstr shows nothing (only spaces or invisible characters): the form shows the "
            "source text instead",
        ),
        Problem(_at(po, 'msgstr "Infection"'), "es", unchanged),
        Problem(_at(po, 'msgstr[0] "%(num)s bones"'), "es", unchanged),
        Problem(
            TEMPLATE,
            "es",
            "the kyphoplasty form's text is 2.6 times as long as the source language's (at most "
            "2.5): a translation has run away",
        ),
    ]


# glyphs


def test_glyphs_names_each_character_no_font_has_once(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    po = _es(
        small_project,
        'msgid "Kyphoplasty"\nmsgstr "Cifoplastia \u0f00"\n\nmsgid "Fever"\nmsgstr ""\n',
    )
    forms = {"kyphoplasty": "<p>Cifoplastia \u0f00 \u0e01 \u200d</p>"}
    found = glyphs.check(settings, make_subject("es", forms=forms))
    assert found == [
        Problem(
            _at(po, 'msgstr "Cifoplastia \u0f00"'),
            "es",
            "no font of Noto Sans has U+0F00 '\u0f00'",
        ),
        Problem(TEMPLATE, "es", "no font of Noto Sans has U+0E01 '\u0e01'"),
    ]
    assert glyphs.check(settings, make_subject("es", forms={"k": "<p>Cifoplastia ñ</p>"})) == [
        found[0]
    ]


# readability


def test_readability_holds_the_source_language_to_its_grade(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    easy = "<h1>Kyphoplasty</h1><p>" + "We fix the bone. It is quick. " * 5 + "</p>"
    hard = (
        "<h1>Kyphoplasty</h1><p>Percutaneous vertebral augmentation necessitates "
        "fluoroscopically guided cannulation of the pedicle with subsequent polymethylmethacrylate "
        "cement instillation into the fractured vertebral body. We fix the bone. It is quick. "
        "The cement sets in minutes. You go home the same day."
        '</p><section id="your-rights">Unconsidered interminable incomprehensibility.</section>'
    )
    subject = make_subject("en", forms={"kyphoplasty": hard, "easy": easy})
    (problem,) = readability.check(settings, subject)
    assert problem.where == TEMPLATE and problem.locale == "en"
    assert re.fullmatch(
        r"kyphoplasty: reading grade \d+\.\d is above 8\.0; hardest sentences: Kyphoplasty "
        r"Percutaneous vertebral augmentation necessitates fluoroscopically guided cannulation "
        r"of the pedicle with subsequent polymethylmethacrylate cement instillation into the "
        r"fractured vertebral body\. \| [^|]+\. \| [^|]+\.",
        problem.message,
    ), problem.message
    assert "It is quick" not in problem.message  # three words: not a sentence to rewrite
    assert readability.check(settings, make_subject("es", forms={"kyphoplasty": hard})) == []
    patient_reads = readability.patient_text(hard)
    assert (
        patient_reads.startswith("Kyphoplasty Percutaneous") and "Unconsidered" not in patient_reads
    )


def test_reading_scores_name_the_formula_of_each_language(make_subject: SubjectMaker) -> None:
    form = "<h1>Kyphoplasty</h1><p>We fix the broken bone with cement. It is quick.</p>"
    scores = []
    for code in ("en", "es", "fr"):
        scores += readability.reading_scores(make_subject(code, forms={"kyphoplasty": form}))
    assert [(s["locale"], s["formula"]) for s in scores] == [
        ("en", "Flesch-Kincaid grade"),
        ("es", "Fernández Huerta reading ease"),
        ("fr", "Flesch reading ease (fr)"),
    ]
    assert all(isinstance(s["score"], float) and s["procedure"] == "kyphoplasty" for s in scores)
    assert readability.score("text", "ar") is None
    import textstat

    sentence = "We fix the broken bone with cement."
    grade = float(textstat.flesch_kincaid_grade(sentence))
    assert readability.score(sentence, "en") == ("Flesch-Kincaid grade", grade)
    ease = readability.score(sentence, "es")
    assert ease is not None and ease[0] == "Fernández Huerta reading ease" and ease[1] > grade
    assert float(textstat.flesch_kincaid_grade(sentence)) == grade  # English again


# the runner


def test_the_runner_names_each_problem_after_its_check(tmp_path: Path) -> None:
    """On a copy whose procedure a test clinician approved (in the copy only): a replacement
    field, and a placeholder dropped (a translation the lenient load leaves out)."""
    project = copy_project(REPO, tmp_path / "project")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        re.sub(
            r"\nlocales = \[.*?\]",
            '\nlocales = ["en", "es", "fr"]',
            pyproject.read_text("utf-8"),
            flags=re.S,
        ),
        "utf-8",
    )
    approve(project)
    approve(project, "vertebroplasty")
    po = project / ES_PO
    text = po.read_text("utf-8")
    text = text.replace('msgstr "Firmas"', 'msgstr "Firmas {name}"', 1)
    form_id = next(
        line for line in text.split("\n") if line.startswith('msgstr "') and "%(form_id)s" in line
    )
    text = text.replace(form_id, 'msgstr "Formulario"', 1)
    po.write_text(text, "utf-8")
    settings = load_settings(project)
    scores: list[dict[str, object]] = []
    problems = run_checks(settings, ["es", "en"], scores)
    assert [(p.check, p.locale) for p in problems] == [
        ("translation", "es"),  # the translation left out: 1 of N untranslated,
        ("translation", "es"),  # each form incomplete (both show the form id),
        ("translation", "es"),
        ("translation", "es"),  # and no sign-off
        ("placeholders", "es"),
        ("placeholders", "es"),
    ]
    assert re.fullmatch(r"1 of \d+ messages untranslated \(99% done\)", problems[0].message)
    assert [p.message.split(":")[0] for p in problems[1:3]] == ["incomplete", "incomplete"]
    assert {p.where for p in problems[1:3]} == {
        "templates/procedures/kyphoplasty.html.j2",
        "templates/procedures/vertebroplasty.html.j2",
    }
    assert problems[5].where == _at(po, 'msgstr "Firmas {name}"')
    assert problems[5].message == "msgstr has replacement field {name} the msgid lacks"
    assert (problems[4].where, problems[4].message) == (
        _at(po, 'msgstr "Formulario"'),
        "msgstr drops placeholder %(form_id)s",
    )
    assert [(s["procedure"], s["locale"], s["formula"]) for s in scores] == [
        ("kyphoplasty", "es", "Fernández Huerta reading ease"),
        ("vertebroplasty", "es", "Fernández Huerta reading ease"),
        ("kyphoplasty", "en", "Flesch-Kincaid grade"),
        ("vertebroplasty", "en", "Flesch-Kincaid grade"),
    ]
    assert run_checks(settings, ["fr"]) == [
        Problem(
            "locales/fr/LC_MESSAGES/messages.po",
            "fr",
            "draft translation: no reviewer has signed off its translations",
            "translation",
        )
    ]
    assert run_checks(settings, ["en"]) == []
    every_score: list[dict[str, object]] = []
    everything = run_checks(settings, scores=every_score)
    assert {p.locale for p in everything} == set(settings.locales) - {"en"}
    assert [s["locale"] for s in every_score] == [
        locale for locale in settings.locales for _ in ("kyphoplasty", "vertebroplasty")
    ]
    assert report(problems, scores) == {
        "ok": False,
        "problems": [p.as_dict() for p in problems],
        "readability": scores,
    }
    assert report([], []) == {"ok": True, "problems": [], "readability": []}
    assert problems[5].as_dict() == {
        "where": problems[5].where,
        "locale": "es",
        "check": "placeholders",
        "message": problems[5].message,
    }
    assert problems[5].line() == f"{problems[5].where}: es: {problems[5].message}"
    schema = json.loads((REPO / "schemas" / "check-report.schema.json").read_text("utf-8"))
    names = schema["properties"]["problems"]["items"]["properties"]["check"]["enum"]
    assert sorted(name for name, _ in CHECKS) == sorted(names)
