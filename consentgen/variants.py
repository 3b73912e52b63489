"""The variants of a form: the one place a variant is named.

The settings, the command line's choices, the planner, the pipeline and the index all read this
registry. Adding a variant is one entry here (and, if its page differs, a rule in the templates,
which see `variant` as the variant's `template_variant`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from consentgen.bilingual import compose as compose_bilingual
from consentgen.locales import FormLocale

# (the form in its locale, the form in the source language, locale, source locale) -> HTML
Compose = Callable[[str, str, FormLocale, FormLocale], str]


@dataclass(frozen=True)
class Variant:
    """One way to make a procedure's form."""

    name: str
    # What the templates see as `variant`: a composed variant renders as another first.
    template_variant: str
    # A variant composed from two renders (the form's locale and the source language's).
    compose: Compose | None = None
    # Made in the source language too (a bilingual form of the source language would pair it
    # with itself).
    in_source_language: bool = True
    label: str = ""  # what the index calls it, after the format: "PDF (large print)"

    def stem(self, procedure: str) -> str:
        """The file name without its suffix: kyphoplasty, kyphoplasty.large-print."""
        return procedure if self.name == STANDARD else f"{procedure}.{self.name}"

    def applies_to(self, locale: FormLocale) -> bool:
        """Whether the variant is made in this locale."""
        return self.in_source_language or not locale.is_source


STANDARD = "standard"
VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(STANDARD, STANDARD),
        Variant("large-print", "large-print", label="large print"),
        Variant(
            "bilingual",
            STANDARD,
            compose=compose_bilingual,
            in_source_language=False,
            label="bilingual",
        ),
    )
}
# The variants whose wording is the source language's own (what a clinician approves).
SOURCE_VARIANTS = tuple(name for name, v in VARIANTS.items() if v.in_source_language)


def variant_of(procedure: str, filename: str) -> Variant | None:
    """The variant a built file's name says it is (kyphoplasty.large-print.pdf), or None."""
    stem = filename.rsplit(".", 1)[0]
    return next((v for v in VARIANTS.values() if v.stem(procedure) == stem), None)
