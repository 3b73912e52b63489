"""The bilingual composition, on two small forms: each section paired with the source's, ids
kept unique, the signatures once."""

from __future__ import annotations

from consentgen.bilingual import compose
from consentgen.locales import form_locale

FORM = (
    '<html class="variant-standard"><body><h1>{title}</h1>\n'
    '<meta name="consentgen:variant" content="standard">\n'
    '<section class="section" id="risks"><h2>{risks}</h2>'
    '<ul><li data-risk="infection">{infection}</li></ul></section>\n'
    '<section class="section signatures" id="signatures">'
    '<span data-field="patient_signature" data-label="x"></span></section>\n'
    "</body></html>"
)


def _forms(target: str) -> tuple[str, str]:
    spanish = FORM.format(title="Cifoplastia", risks="Riesgos", infection="Infección")
    english = FORM.format(title="Kyphoplasty", risks="Risks", infection="Infection")
    return spanish, english


def test_each_section_is_paired_with_the_source_and_signatures_stay_single() -> None:
    spanish, english = _forms("es")
    html = compose(spanish, english, form_locale("es", "en", {}), form_locale("en", "en", {}))
    assert html.count('<div class="bilingual-pair side-by-side" data-section="risks">') == 1
    assert 'data-risk="infection"' in html and 'data-source-risk="infection"' in html
    assert 'id="source-risks"' in html
    # One signature field, the patient's language's: fields are never duplicated.
    assert html.count('data-field="patient_signature"') == 1
    assert 'data-section="signatures"' not in html
    assert '<span class="title-source" lang="en" dir="ltr">Kyphoplasty</span>' in html
    assert 'content="bilingual"' in html and 'class="variant-bilingual"' in html


def test_right_to_left_and_cjk_forms_are_stacked() -> None:
    spanish, english = _forms("ar")
    for code in ("ar", "zh_Hans", "ja"):
        html = compose(spanish, english, form_locale(code, "en", {}), form_locale("en", "en", {}))
        assert 'class="bilingual-pair stacked"' in html
