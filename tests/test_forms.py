"""The bundled kyphoplasty forms, rendered for real and read back from HTML and PDF."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import textstat
from click.testing import CliRunner
from conftest import LOCALES, REPO, approve, body_font_size, pdftotext, review
from formparse import read_form
from pypdf import PdfReader

from consentgen.cli import cli
from consentgen.i18n.text_rules import numbers
from consentgen.i18n.translations import load_catalog

FORM_ID = "CF-SPINE-014"
UNAPPROVED_NOTICE = "Not approved for clinical use"
RTL = {"ar", "fa"}
# The script each locale's text is mostly in, as Unicode ranges of its letters.
SCRIPTS = {
    "zh_Hans": [(0x4E00, 0x9FFF)],
    "zh_Hant": [(0x4E00, 0x9FFF)],
    "ja": [(0x3040, 0x30FF), (0x4E00, 0x9FFF)],
    "ko": [(0xAC00, 0xD7AF)],
    "ar": [(0x0600, 0x06FF)],
    "fa": [(0x0600, 0x06FF), (0xFB50, 0xFDFF)],
    "hi": [(0x0900, 0x097F)],
    "ru": [(0x0400, 0x04FF)],
}


def _bcp47(code: str) -> str:
    return code.replace("_", "-")


# Every step, benefit and risk of the seed article, and the words the English form uses for it.
SEED_ITEMS = {
    "step: preparation, imaging guidance": ["Getting ready", "X-ray", "fluoroscopy"],
    "step: trocar and balloon": ["Placing the tube and balloon", "trocar", "balloon"],
    "step: fracture reduction": ["Lifting the broken bone", "normal height"],
    "step: bone cement": ["Filling the space with bone cement", "hardens"],
    "step: completion": ["Finishing", "stitches or skin tape"],
    "benefit: pain relief": ["Less pain"],
    "benefit: vertebral height": ["Some bone height restored"],
    "benefit: mobility": ["Easier movement"],
    "benefit: short recovery": ["Short recovery", "The cuts are small"],
    "risk: infection": ["Infection", "antibiotics"],
    "risk: adjacent fractures": ["New fractures in nearby or other bones of the spine"],
    "risk: allergy": ["Allergic reaction", "Tell us about any allergies"],
    "risk: nerve damage": ["Nerve damage", "numbness, tingling"],
    "risk: blood clots": [
        "Blood clots",
        "deep vein thrombosis",
        "blood thinner",
        "tight stockings",
    ],
    "anesthesia": ["local anesthetic", "general anesthesia"],
}
# Risks a real kyphoplasty consent names beyond the patient guide (docs/clinical-sources.md).
CLINICAL_RISKS = {
    "cement-leak",
    "cement-embolism",
    "spinal-cord-injury",
    "bleeding",
    "new-fracture",
    "allergic-reaction",
    "heart-attack-stroke-death",
    "balloon-burst",
    "pain-not-relieved",
    "cement-reaction",
    "rib-fracture",
    "radiation",
}
# Claims the evidence does not allow (docs/clinical-sources.md, "The patient guide").
FORBIDDEN = [
    "10 years",
    "lower infection",
    "reduced risk of further fractures",
    "immediate pain relief",
    "high success rates",
    "open surgery",  # benefit is not framed against open surgery
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _script_share(text: str, ranges: list[tuple[int, int]]) -> float:
    letters = [c for c in text if unicodedata.category(c).startswith("L")]
    inside = sum(any(low <= ord(c) <= high for low, high in ranges) for c in letters)
    return inside / max(1, len(letters))


@pytest.fixture(scope="module")
def forms(built: Path) -> dict[str, object]:
    return {
        code: read_form((built / code / "kyphoplasty.html").read_text("utf-8")) for code in LOCALES
    }


def test_build_writes_every_form_index_and_manifest(built: Path) -> None:
    procedures = {"kyphoplasty": FORM_ID, "vertebroplasty": "CF-SPINE-015"}
    for code in LOCALES:
        for procedure in procedures:
            for fmt in ("html", "pdf"):
                assert (built / code / f"{procedure}.{fmt}").stat().st_size > 1000
    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    paths = [a["path"] for a in manifest["artifacts"]]
    assert paths == sorted(paths) and len(paths) == 2 * len(procedures) * len(LOCALES)
    for artifact in manifest["artifacts"]:
        content = (built / artifact["path"]).read_bytes()
        assert artifact["sha256"] == hashlib.sha256(content).hexdigest()
        assert artifact["bytes"] == len(content)
        assert artifact["form_id"] == procedures[artifact["procedure"]]
        assert artifact["form_version"] == "1.0"
        # The bundled procedure is never approved: every language's form says so.
        assert artifact["translation_status"] == "unapproved"
        assert re.fullmatch(r"[0-9a-f]{64}", artifact["inputs_sha256"])
    assert manifest["generator"].startswith("consentgen ")
    index = (built / "index.html").read_text("utf-8")
    assert "Kyphoplasty for a vertebral compression fracture" in index
    for code, name in (("es", "Español"), ("zh_Hans", "中文"), ("ar", "العربية")):
        assert name in index and f'href="{code}/kyphoplasty.pdf"' in index
        assert f'href="{code}/vertebroplasty.pdf"' in index


def test_english_pdf_names_every_step_benefit_and_risk_of_the_seed(approved: Path) -> None:
    # Read from an approved copy: pdftotext scatters the letters of the diagonal watermark of
    # an unapproved form among the lines it crosses.
    text = _flat(pdftotext(approved / "en" / "kyphoplasty.pdf"))
    missing = {
        item: words for item, words in SEED_ITEMS.items() if not all(word in text for word in words)
    }
    assert not missing


def test_english_form_lists_clinical_risks_and_makes_no_forbidden_claim(forms: dict) -> None:
    english = forms["en"]
    assert CLINICAL_RISKS <= set(english.items["data-risk"])
    text = " ".join(english.items["data-risk"].values()) + " ".join(
        english.items["data-benefit"].values()
    )
    for claim in FORBIDDEN:
        assert claim not in text
    assert len(english.items["data-step"]) == 5 and len(english.items["data-benefit"]) == 4
    assert len(english.items["data-risk"]) == 16
    assert len(english.items["data-alternative"]) >= 6


def test_english_reads_at_grade_eight_or_lower(forms: dict, built: Path) -> None:
    # Content a patient reads: the procedure's sections, taken from the rendered form.
    text = _flat(pdftotext(built / "en" / "kyphoplasty.pdf"))
    body = text.split("About this procedure", 1)[1].split("Signatures", 1)[0]
    assert textstat.flesch_kincaid_grade(body) <= 8


@pytest.mark.parametrize("code", [c for c in LOCALES if c != "en"])
def test_every_locale_has_the_english_ids_in_its_own_words(forms: dict, code: str) -> None:
    english, form = forms["en"], forms[code]
    for kind in ("data-risk", "data-benefit", "data-step", "data-alternative"):
        assert set(form.items[kind]) == set(english.items[kind]), kind
        for ident, text in form.items[kind].items():
            assert text, f"{kind}={ident} is empty"
            assert text != english.items[kind][ident], f"{kind}={ident} left in English"
            if code in SCRIPTS:
                assert _script_share(text, SCRIPTS[code]) > 0.6, (kind, ident, text)


@pytest.mark.parametrize("code", [c for c in LOCALES if c != "en"])
def test_every_number_of_the_english_items_survives_translation(forms: dict, code: str) -> None:
    # A frequency, a duration or a count dropped or added in translation changes what a patient
    # consents to: each item holds every number the English item writes in digits, and no
    # number the English does not state (in digits or words: "one or two cuts" may be "1-2").
    # Numbers are compared as numbers: 2,000 is 2000 and 2 000; native digits count.
    english, form = forms["en"], forms[code]
    for kind in ("data-risk", "data-benefit", "data-step", "data-alternative"):
        for ident, text in english.items[kind].items():
            translated = set(numbers(form.items[kind][ident]))
            assert set(numbers(text)) <= translated <= set(numbers(text, "en")), (kind, ident)


@pytest.mark.parametrize("code", LOCALES)
def test_html_lang_dir_and_meta(forms: dict, code: str) -> None:
    form = forms[code]
    assert form.html_attrs["lang"] == _bcp47(code)
    assert form.html_attrs["dir"] == ("rtl" if code in RTL else "ltr")
    assert form.meta["consentgen:form-id"] == FORM_ID
    assert form.meta["consentgen:locale"] == code
    assert form.meta["consentgen:translation-status"] == "unapproved"
    assert set(form.items["data-signature"]) == {"patient", "provider", "interpreter", "witness"}


@pytest.mark.parametrize("code", LOCALES)
def test_pdf_is_tagged_with_language_and_identity(built: Path, code: str) -> None:
    reader = PdfReader(built / code / "kyphoplasty.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == _bcp47(code)
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert reader.metadata["/ConsentgenFormId"] == FORM_ID
    assert reader.metadata["/ConsentgenLocale"] == code


@pytest.mark.parametrize("code", LOCALES)
def test_every_page_carries_form_id_and_page_x_of_y(built: Path, code: str) -> None:
    pdf = built / code / "kyphoplasty.pdf"
    pages = len(PdfReader(pdf).pages)
    assert pages >= 2
    page_label, sticker = "Page %(page)s of %(pages)s", "Place patient label here"
    if code != "en":
        translations = load_catalog(REPO, code).translations
        page_label, sticker = translations.gettext(page_label), translations.gettext(sticker)
        assert page_label != "Page %(page)s of %(pages)s"
    for number in range(1, pages + 1):
        text = re.sub("[\u202a-\u202e\u2066-\u2069]", " ", pdftotext(pdf, number))
        assert FORM_ID in text, f"page {number}"
        assert _flat(sticker) in _flat(text), f"page {number}: no patient-label box"
        # Joiners (Persian's U+200C) shape the text but are not extracted.
        expected = re.sub("[\u200c\u200d]", "", page_label % {"page": number, "pages": pages})
        if code == "hi":
            # Shaped Devanagari does not round-trip through text extraction (a conjunct's glyph
            # maps back to other letters); its numbers must be there, in the footer's order.
            numbers = " ".join(re.findall(r"\d+", expected))
            assert numbers in " ".join(re.findall(r"\d+", text.rsplit(FORM_ID, 1)[-1])), number
        elif code in RTL:
            # Extraction order of a right-to-left line varies; its words and numbers must be there.
            words = set(text.split())
            assert set(expected.split()) <= words, f"page {number}: {expected!r}"
        else:
            assert expected in _flat(text), f"page {number}: {expected!r}"


def test_revision_date_is_formatted_in_the_forms_language(forms: dict, built: Path) -> None:
    assert "November 28, 2026" in pdftotext(built / "en" / "kyphoplasty.pdf", 1)
    assert "28 de noviembre de 2026" in pdftotext(built / "es" / "kyphoplasty.pdf", 1)
    assert "2026年11月28日" in pdftotext(built / "zh_Hans" / "kyphoplasty.pdf", 1).replace(" ", "")


def test_unapproved_forms_say_so_in_every_language(built: Path) -> None:
    """No clinician approved the bundled text: every form, the English one too, carries the
    notice and, on every printed page, the watermark; so does the index."""
    for code in LOCALES:
        html = (built / code / "kyphoplasty.html").read_text("utf-8")
        assert 'class="draft-notice"' in html and UNAPPROVED_NOTICE in html
        if code != "en":  # in the form's language too, once its catalog translates it
            translated = load_catalog(REPO, code).translations.gettext(UNAPPROVED_NOTICE)
            assert translated in html
        reader = PdfReader(built / code / "kyphoplasty.pdf")
        assert reader.metadata["/ConsentgenTranslationStatus"] == "unapproved"
        # The watermark is rotated; pypdf reads rotated text where pdftotext -layout skips it.
        for number, page in enumerate(reader.pages, 1):
            assert UNAPPROVED_NOTICE in _flat(page.extract_text()), f"{code} page {number}"
        assert UNAPPROVED_NOTICE in pdftotext(built / code / "kyphoplasty.pdf", 1)
        assert "Draft translation - not for clinical use" not in html
    index = (built / "index.html").read_text("utf-8")
    # One a procedure a locale.
    assert index.count(f'<span class="draft">{UNAPPROVED_NOTICE}</span>') == 2 * len(LOCALES)


def test_draft_translations_say_so_in_both_languages(approved: Path) -> None:
    for code in LOCALES[1:]:
        translated = load_catalog(REPO, code).translations.gettext(
            "Draft translation - not for clinical use"
        )
        assert translated != "Draft translation - not for clinical use", code
    for code in ("es", "ar", "zh_Hans"):
        html = (approved / code / "kyphoplasty.html").read_text("utf-8")
        assert '<meta name="consentgen:translation-status" content="draft">' in html
        assert "Draft translation - not for clinical use" in html
        translated = load_catalog(REPO, code).translations.gettext(
            "Draft translation - not for clinical use"
        )
        assert translated in html and UNAPPROVED_NOTICE not in html
        for number, page in enumerate(PdfReader(approved / code / "kyphoplasty.pdf").pages, 1):
            text = _flat(page.extract_text())
            assert "Draft translation - not for clinical use" in text, f"{code} page {number}"
    # The approved source language is reviewed: no notice, no watermark.
    english = (approved / "en" / "kyphoplasty.html").read_text("utf-8")
    assert '<meta name="consentgen:translation-status" content="reviewed">' in english
    assert 'class="draft-notice"' not in english
    pdf = approved / "en" / "kyphoplasty.pdf"
    assert PdfReader(pdf).metadata["/ConsentgenTranslationStatus"] == "reviewed"
    text = "".join(_flat(page.extract_text()) for page in PdfReader(pdf).pages)
    assert "Draft translation" not in text and UNAPPROVED_NOTICE not in text


def test_identical_inputs_give_identical_files(built: Path, tmp_path: Path) -> None:
    # A second build in another process, with another hash seed, into another folder.
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, "-m", "consentgen", "--project", str(REPO), "build", "-o", str(tmp_path)],
        check=True,
        env=env,
        capture_output=True,
    )
    ours = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    theirs = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert ours == theirs and "manifest.json" in ours and "index.html" in ours
    # The last build's render times (to hand out the longest forms first) are no output.
    ours.remove(".consentgen-times.json")
    for name in sorted(ours):
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


@pytest.mark.parametrize("code", LOCALES)
def test_body_text_is_at_least_12_points(built: Path, code: str) -> None:
    assert body_font_size(built / code / "kyphoplasty.pdf", 1) >= 12


def test_html_is_standalone(built: Path) -> None:
    for code in LOCALES:
        html = (built / code / "kyphoplasty.html").read_text("utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
        assert "<link" not in html and "@import" not in html
        assert 'src="data:image/svg+xml;base64,' in html


def test_page_size_comes_from_settings(project: Path) -> None:
    from click.testing import CliRunner

    from consentgen.cli import cli

    settings = project / "pyproject.toml"
    settings.write_text(settings.read_text("utf-8").replace('"Letter"', '"A4"'), "utf-8")
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "-l", "en", "-f", "pdf"])
    assert result.exit_code == 0, result.output
    box = PdfReader(project / "build" / "en" / "kyphoplasty.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_letter_is_the_default(built: Path) -> None:
    box = PdfReader(built / "en" / "kyphoplasty.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


@pytest.mark.parametrize("code", sorted(RTL))
def test_right_to_left_pdf_text_extracts_in_logical_order(built: Path, code: str) -> None:
    import html as html_module

    form = (built / code / "kyphoplasty.html").read_text("utf-8")
    headings = [
        html_module.unescape(h)
        for h in re.findall(r'<li data-risk="[^"]+">\s*<h3>(.*?)</h3>', form)
    ]
    assert len(headings) == 16
    text = " ".join(
        page.extract_text() for page in PdfReader(built / code / "kyphoplasty.pdf").pages
    )
    text = _flat(re.sub("[\u200c\u202a-\u202e\u2066-\u2069]", "", text))
    for heading in headings:
        assert _flat(heading.replace("\u200c", "")) in text, heading


def test_the_clinical_review_corrections_are_on_the_english_form(forms: dict, built: Path) -> None:
    english = forms["en"]
    risks, benefits = english.items["data-risk"], english.items["data-benefit"]
    text = _flat(pdftotext(built / "en" / "kyphoplasty.pdf"))
    # Removed: a benefit framed against open surgery, a balloon of air, "very rare" cord injury,
    # unlimited leave to do "what is needed", the two-year follow-up in place of its result.
    assert "fewer-complications" not in benefits
    for gone in (
        "Fewer problems than open surgery",
        "lets the air out",
        "unexpected happens",
        "followed patients for about two years",
    ):
        assert gone not in text, gone
    cord = risks["spinal-cord-injury"]
    assert "very rare" not in cord and cord.count("This is rare.") == 1
    assert "about 1 in 2,000 to 1 in 3,500" in cord and "urgent operation" in cord
    # Added or corrected, each where it belongs.
    assert "fake (sham) procedure" in benefits["pain-relief"]
    assert "has not been tested in this way" in benefits["pain-relief"]
    assert "usually small" in benefits["vertebral-height"]
    assert "liquid dye" in english.items["data-step"]["2"]
    assert "one or two small cuts in your back for each bone" in english.items["data-step"]["2"]
    assert "piece of it may be left in the bone" in risks["balloon-burst"]
    assert "dye causes an allergic reaction" in risks["balloon-burst"]
    assert "about 1 in 3" in risks["new-fracture"] and "about 1 in 4" in risks["new-fracture"]
    assert "CT scans" in risks["cement-leak"] and "about 1 in 10" in risks["cement-leak"]
    assert "urgent operation" in risks["infection"] and "urgent operation" in risks["bleeding"]
    assert "chest or belly" in risks["nerve-damage"]
    assert "blood pressure may drop" in risks["cement-reaction"]
    assert "pregnant" in risks["radiation"] and "face down" in risks["rib-fracture"]
    for sentence in (
        "you may feel pressure",
        "This list does not include every possible risk.",
        "Stop it only if your team tells you to.",
        "Do not drive for the rest of the day, and have an adult take you home.",
        "If you have chest pain or trouble breathing, call 911 right away.",
        "If an emergency happens during the procedure and it cannot wait until I can be asked",
        "on the bone or bones of my spine written below.",
    ):
        assert sentence in text, sentence


def _set(settings: Path, key: str, value: str) -> None:
    text = settings.read_text("utf-8")
    assert re.search(rf"(?m)^{key} = ", text), key
    settings.write_text(re.sub(rf'(?m)^{key} = ".*"$', f'{key} = "{value}"', text), "utf-8")


def test_after_care_numbers_come_from_the_settings(project: Path, runner: CliRunner) -> None:
    # Approved and reviewed (in this copy only): pdftotext scatters the letters of a draft's
    # diagonal watermark among the lines it crosses, a phone number's among them.
    approve(project)
    review(project, "es")

    def build() -> str:
        args = ["--project", str(project), "build", "-l", "en", "-l", "es", "-f", "pdf"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        return _flat(pdftotext(project / "build" / "en" / "kyphoplasty.pdf"))

    before = build()
    assert "call 911 right away" in before
    assert "(555) 555-0142" in before and "(555) 555-0199" in before
    # Changed after a build: the forms are made again, not kept as up to date.
    settings = project / "pyproject.toml"
    _set(settings, "emergency_number", "112")
    _set(settings, "hospital_phone_day", "+44 20 7946 0018")
    _set(settings, "hospital_phone_night", "020 7946 0999 ext. 42")
    approve(project)  # the wording changed: approved anew
    after = build()
    assert "If you have chest pain or trouble breathing, call 112 right away." in after
    assert "In the daytime, call +44 20 7946 0018. At night, call 020 7946 0999 ext. 42." in after
    assert "911" not in after and "555-0142" not in after and "555-0199" not in after
    # A translated form prints the same numbers, whatever its words around them.
    spanish = _flat(pdftotext(project / "build" / "es" / "kyphoplasty.pdf"))
    for number in ("112", "+44 20 7946 0018", "020 7946 0999 ext. 42"):
        assert number in spanish


def test_source_role_names_only_where_the_hospital_asks(project: Path, runner: CliRunner) -> None:
    def headings() -> dict[str, list[str]]:
        args = [
            "--project",
            str(project),
            "build",
            "-l",
            "en",
            "-l",
            "es",
            "-l",
            "fa",
            "-f",
            "html",
        ]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        return {
            code: re.findall(
                r'<section class="signer" data-signature="\w+">\s*<h3>(.*?)</h3>',
                (project / "build" / code / "kyphoplasty.html").read_text("utf-8"),
            )
            for code in ("en", "es", "fa")
        }

    off = headings()
    assert all("(" not in heading for found in off.values() for heading in found)
    settings = project / "pyproject.toml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            'page_size = "Letter"', 'page_size = "Letter"\nsource_role_names = true'
        ),
        "utf-8",
    )
    on = headings()
    assert on["en"] == off["en"]  # the source language names its roles once
    roles = [
        "Patient or legal representative",
        "Provider who explained the procedure",
        "Interpreter",
        "Witness",
    ]
    for code in ("es", "fa"):
        assert on[code] == [
            f'{own} (<span lang="en" dir="ltr">{role}</span>)'
            for own, role in zip(off[code], roles, strict=True)
        ]
