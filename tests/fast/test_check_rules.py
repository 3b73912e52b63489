"""The rules of three checks on small inputs: risk numbers held to their frequency data,
characters no font of a locale's stack has, and the reading grade of the source language.
Every problem is named exactly: where, which locale, what."""

from __future__ import annotations

from pathlib import Path

from consentgen.checks import frequencies, glyphs, readability
from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.i18n.catalogs import load_locale_catalog
from consentgen.locales import form_locale
from consentgen.settings import Settings, load_settings
from fast.conftest import SETTINGS, TEMPLATE, SubjectMaker, write_po

# frequencies

SOURCED = (
    '<span class="frequency" data-frequency="1/10" data-population="procedures" '
    'data-source="NICE IPG166, Risks">about 1 in 10 procedures</span>'
)
# The picture partials/frequency.html.j2 draws beside a common risk: its text has numbers too.
PICTURE = (
    '<figure class="icon-array"><svg role="img" aria-label="10 out of 100 procedures">'
    "<title>10 out of 100 procedures</title></svg></figure>"
)


def _risk(ident: str, body: str) -> str:
    return f'<li data-risk="{ident}">{body}</li>'


def _unsourced(source: str) -> str:
    return SOURCED.replace('data-source="NICE IPG166, Risks"', f'data-source="{source}"')


def test_a_frequency_with_no_source_is_a_problem_of_the_source_language_only(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    form = "<ul>" + "".join(
        [
            _risk("cement-leak", f"It happens in {SOURCED}.{PICTURE}"),
            _risk("new-fracture", f"It happens in {_unsourced('')}."),
            _risk("infection", f"It happens in {_unsourced('   ')}."),
        ]
    )
    unnamed = "a frequency names no source (document and section)"
    assert frequencies.check(settings, make_subject("en", forms={"kyphoplasty": form})) == [
        Problem(TEMPLATE, "en", f"kyphoplasty: data-risk=new-fracture: {unnamed}"),
        Problem(TEMPLATE, "en", f"kyphoplasty: data-risk=infection: {unnamed}"),
    ]
    # A translation shows the same data: the source language's form is where it is fixed.
    assert frequencies.check(settings, make_subject("es", forms={"kyphoplasty": form})) == []


def test_a_number_a_risk_states_outside_its_frequency_data_is_a_problem(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    form = "<ul>" + "".join(
        [
            _risk("cement-leak", f"It happens in {SOURCED}.{PICTURE} No one is sure why."),
            _risk("bleeding", "In <strong>3</strong> of 100 cases, blood collects."),
            _risk("rib-fracture", "A rib breaks in Twenty people, or 5%."),
        ]
    )
    outside = "give it as a frequency (partials/frequency.html.j2)"
    assert frequencies.check(settings, make_subject("en", forms={"kyphoplasty": form})) == [
        Problem(
            TEMPLATE,
            "en",
            f"kyphoplasty: data-risk=bleeding states a number outside its frequency data "
            f"(100, 3): {outside}",
        ),
        Problem(
            TEMPLATE,
            "en",
            f"kyphoplasty: data-risk=rib-fracture states a number outside its frequency data "
            f"(%, 5, twenty): {outside}",
        ),
    ]


def test_a_number_written_against_a_frequency_or_its_picture_is_still_a_number(
    make_subject: SubjectMaker, settings: Settings
) -> None:
    """The frequency, its picture and each tag are taken out as a space: what touches them
    stays a word of its own."""
    forms = {
        "kyphoplasty": _risk("after-frequency", f"It happens in {SOURCED}2 times a year."),
        "vertebroplasty": _risk("after-picture", f"It happens in {SOURCED}.{PICTURE}4 days on."),
    }
    assert [p.message for p in frequencies.check(settings, make_subject("en", forms=forms))] == [
        "kyphoplasty: data-risk=after-frequency states a number outside its frequency data "
        "(2): give it as a frequency (partials/frequency.html.j2)",
        "vertebroplasty: data-risk=after-picture states a number outside its frequency data "
        "(4): give it as a frequency (partials/frequency.html.j2)",
    ]


# glyphs

TIBETAN = "\u0f00\u0f01"  # in no font of the stacks below


def test_spaces_separators_and_format_characters_need_no_glyph() -> None:
    """Shaping handles them: a font that lacks them prints no box."""
    thai = form_locale("th", "en", {"th": ("Noto Sans Thai",)})
    # Arabic letter mark (Cf), ideographic space (Zs), line and paragraph separators (Zl, Zp)
    # are all missing from Noto Sans Thai, as is the Tibetan syllable.
    text = "\u0e01\u061c\u3000\u2028\u2029\u0f00 \u0e01"
    assert glyphs.missing(text, thai) == ("\u0f00",)


def test_a_character_any_font_of_the_stack_has_is_covered() -> None:
    stack = form_locale("th", "en", {"th": ("Noto Sans", "Noto Sans Thai")})
    assert glyphs.missing("Kyphoplasty \u0e01" + TIBETAN + "\u0f00", stack) == tuple(TIBETAN)


def test_a_missing_glyph_names_every_font_of_the_stack_and_each_character(
    small_project: Path, make_subject: SubjectMaker
) -> None:
    toml = small_project / "consentgen.toml"
    toml.write_text(
        toml.read_text("utf-8") + '\n[fonts]\nes = ["Noto Sans", "Noto Sans Thai"]\n', "utf-8"
    )
    settings = load_settings(small_project)
    subject = make_subject("es", forms={"kyphoplasty": f"<p>Cifoplastia \u0e01 {TIBETAN}</p>"})
    assert glyphs.check(settings, subject) == [
        Problem(
            TEMPLATE,
            "es",
            "no font of Noto Sans, Noto Sans Thai has U+0F00 '\u0f00', U+0F01 '\u0f01'",
        )
    ]


def test_a_missing_glyph_is_named_whole_wherever_the_project_lives(tmp_path: Path) -> None:
    """A project in a folder whose name has ": " and a space, its templates a link to a shared
    folder elsewhere: the form's template is named by its full path, and the message is whole."""
    shared = tmp_path / "shared" / "procedures"
    shared.mkdir(parents=True)
    (shared / "kyphoplasty.html.j2").write_text("<h1>{{ _('Kyphoplasty') }}</h1>\n", "utf-8")
    project = tmp_path / "Spine forms: 2026"
    project.mkdir()
    (project / "consentgen.toml").write_text(SETTINGS, "utf-8")
    (project / "templates").symlink_to(shared.parent, target_is_directory=True)
    write_po(project, "es", "")
    settings = load_settings(project)
    subject = LocaleUnderCheck(
        form_locale("es", settings.default_locale, settings.fonts),
        load_locale_catalog(settings, "es", strict=False),
        {"kyphoplasty": f"<p>Cifoplastia {TIBETAN}</p>"},
        {},
    )
    assert glyphs.check(settings, subject) == [
        Problem(
            str(project / TEMPLATE),
            "es",
            "no font of Noto Sans has U+0F00 '\u0f00', U+0F01 '\u0f01'",
        )
    ]


# readability

HARD = (
    "<h1>Kyphoplasty</h1><p>Percutaneous vertebral augmentation necessitates "
    "fluoroscopically guided cannulation of the pedicle with subsequent polymethylmethacrylate "
    "cement instillation into the fractured vertebral body.</p>"
)


def test_a_form_in_a_language_other_than_the_source_is_not_held_to_the_grade(
    small_project: Path, make_subject: SubjectMaker, settings: Settings
) -> None:
    write_po(small_project, "en_GB", "")
    assert readability.check(settings, make_subject("en_GB", forms={"kyphoplasty": HARD})) == []


def _settings_with(project: Path, old: str, new: str) -> Settings:
    toml = project / "consentgen.toml"
    toml.write_text(toml.read_text("utf-8").replace(old, new, 1), "utf-8")
    return load_settings(project)


# Grade 7.4 with either English hyphenation textstat has (en_US, its default, or "en").
INFECTION = (
    "<h1>Infection</h1><p>An infection happens after the procedure. The doctor gives you "
    "medicine for the infection.</p>"
)
ABOVE_SEVEN = (
    "kyphoplasty: reading grade 7.4 is above 7.0; hardest sentences: Infection An infection "
    "happens after the procedure. | The doctor gives you medicine for the infection."
)


def test_a_source_language_with_a_territory_is_held_to_the_grade_and_scored_in_english(
    small_project: Path, make_subject: SubjectMaker
) -> None:
    settings = _settings_with(
        small_project,
        'locales = ["en", "es", "fr"]',
        'default_locale = "en_US"\nlocales = ["en_US", "es"]\nmax_grade = 7',
    )
    subject = make_subject("en_US", forms={"kyphoplasty": INFECTION})
    assert readability.check(settings, subject) == [Problem(TEMPLATE, "en_US", ABOVE_SEVEN)]
    assert readability.reading_scores(subject) == [
        {
            "procedure": "kyphoplasty",
            "locale": "en_US",
            "formula": "Flesch-Kincaid grade",
            "score": 7.4,
        }
    ]


def test_a_form_exactly_at_the_grade_passes(
    small_project: Path, make_subject: SubjectMaker
) -> None:
    subject = make_subject("en", forms={"kyphoplasty": INFECTION})
    at = _settings_with(small_project, "locales =", "max_grade = 7.4\nlocales =")
    assert readability.check(at, subject) == []
    above = _settings_with(small_project, "max_grade = 7.4", "max_grade = 7")
    assert readability.check(above, subject) == [Problem(TEMPLATE, "en", ABOVE_SEVEN)]


def test_the_hardest_sentences_have_more_than_three_words() -> None:
    text = "It is quick. We fix the bone. An infection can happen after the procedure."
    assert readability.hardest(text) == [
        "An infection can happen after the procedure.",
        "We fix the bone.",
    ]


def test_the_patient_text_runs_from_the_first_title_to_the_first_statement_of_rights() -> None:
    form = (
        "<header>Riverside Clinic</header><h1>Kyphoplasty</h1><p>We fix the bone.</p>"
        '<section class="section" id="your-rights"><h1>Your rights</h1></section>'
        '<section id="your-rights">Again</section>'
    )
    assert readability.patient_text(form) == "Kyphoplasty We fix the bone."
    # With no statement of rights, to the end.
    assert readability.patient_text("<h1>Kyphoplasty</h1>We fix the bone.") == (
        "Kyphoplasty We fix the bone."
    )


def test_reading_scores_are_rounded_to_one_place_and_unscored_without_a_formula(
    small_project: Path, make_subject: SubjectMaker
) -> None:
    write_po(small_project, "de", "")
    scores = []
    for code in ("es", "de"):
        scores += readability.reading_scores(make_subject(code, forms={"kyphoplasty": INFECTION}))
    assert scores == [
        {
            "procedure": "kyphoplasty",
            "locale": "es",
            "formula": "Fernández Huerta reading ease",
            "score": 73.2,  # 73.19
        },
        {"procedure": "kyphoplasty", "locale": "de", "formula": None, "score": None},
    ]


def test_the_english_grade_is_the_same_whatever_textstat_was_set_to_before(
    small_project: Path, make_subject: SubjectMaker
) -> None:
    import textstat

    settings = _settings_with(small_project, "locales =", "max_grade = 1\nlocales =")
    subject = make_subject("en", forms={"kyphoplasty": HARD})
    text = readability.patient_text(HARD)
    textstat.set_lang("en")
    british = textstat.flesch_kincaid_grade(text)
    textstat.set_lang("en_US")
    american = textstat.flesch_kincaid_grade(text)
    assert british != american  # so the setting shows in the grade
    verdicts = []
    for before in ("en", "es", "en_US"):
        textstat.set_lang(before)  # as whatever scored text last left it
        verdicts.append(readability.check(settings, subject))
    assert [problem.message.split(";")[0] for (problem,) in verdicts] == [
        f"kyphoplasty: reading grade {american:.1f} is above 1.0"
    ] * 3
