"""Readability: a reading grade per procedure and locale, where a well-kept library has a
formula for the language (textstat); the source language is held to `max_grade`."""

from __future__ import annotations

import functools
import re
from types import ModuleType

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import procedure_template
from consentgen.render.text import html_text
from consentgen.settings import Settings

# textstat's formulas by language: a grade for English, reading ease where that is the
# accepted measure (Fernández Huerta for Spanish; Flesch with the language's constants).
FORMULAS = {
    "en": ("Flesch-Kincaid grade", "flesch_kincaid_grade"),
    "es": ("Fernández Huerta reading ease", "fernandez_huerta"),
    "fr": ("Flesch reading ease (fr)", "flesch_reading_ease"),
    "ru": ("Flesch reading ease (ru)", "flesch_reading_ease"),
}


@functools.cache
def _textstat() -> ModuleType:
    """textstat, imported on first use: it is slow to import, and only `check` scores text."""
    import textstat

    module: ModuleType = textstat
    return module


# English is graded with American English hyphenation, textstat's own default: it counts
# syllables more nearly right than "en" ("percutaneous": 4 against 3; 5 in truth). One setting
# for every English grade also keeps the gate's verdict the same whatever was scored before.
ENGLISH = "en_US"


def _english() -> ModuleType:
    """textstat, set to grade English."""
    module = _textstat()
    module.set_lang(ENGLISH)
    return module


_SENTENCE = re.compile(r"(?<=[.!?:])\s+")
# The tag that starts the consent statement: the text ends before it, not inside it.
_RIGHTS = re.compile(r'<[^<>]*\bid="your-rights"')


def patient_text(form: str) -> str:
    """The text a patient reads about the procedure: from the title to the consent statement."""
    start = form.find("<h1>")
    rights = _RIGHTS.search(form)
    return " ".join(html_text(form[start : rights.start() if rights else None]).split())


def score(text: str, language: str) -> tuple[str, float] | None:
    """(formula, value) for a language textstat has a formula for, else None (unscored)."""
    if language not in FORMULAS:
        return None
    name, function = FORMULAS[language]
    _textstat().set_lang(ENGLISH if language == "en" else language)
    try:
        return name, float(getattr(_textstat(), function)(text))
    finally:
        _textstat().set_lang(ENGLISH)


def hardest(text: str, count: int = 3) -> list[str]:
    """The sentences with the highest grade."""
    sentences = [s for s in _SENTENCE.split(text) if len(s.split()) > 3]
    return sorted(sentences, key=_english().flesch_kincaid_grade, reverse=True)[:count]


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """The source language's forms above max_grade, with their three hardest sentences."""
    if not subject.locale.is_source or subject.locale.code.split("_")[0] != "en":
        return []
    problems = []
    for procedure, form in subject.forms.items():
        text = patient_text(form)
        grade = _english().flesch_kincaid_grade(text)
        if grade > settings.max_grade:
            worst = " | ".join(hardest(text))
            where = display_path(procedure_template(settings, procedure), settings.root)
            problems.append(
                Problem(
                    where,
                    subject.locale.code,
                    f"{procedure}: reading grade {grade:.1f} is above "
                    f"{settings.max_grade}; hardest sentences: {worst}",
                )
            )
    return problems


def reading_scores(subject: LocaleUnderCheck) -> list[dict[str, object]]:
    """A reading score per procedure in this locale; "unscored" where no formula exists."""
    language = subject.locale.code.split("_")[0]
    results: list[dict[str, object]] = []
    for procedure, form in subject.forms.items():
        found = score(patient_text(form), language)
        results.append(
            {
                "procedure": procedure,
                "locale": subject.locale.code,
                "formula": found[0] if found else None,
                "score": round(found[1], 1) if found else None,
            }
        )
    return results
