"""Vertebroplasty, the second bundled procedure, built from the blocks it shares with kyphoplasty:
its English form has every section and item of the markup contract, its risk numbers are sourced
data, it says nothing that is true of kyphoplasty only, and `check` finds nothing but the missing
clinical approval."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import REPO, SECTIONS
from formparse import read_form

from consentgen.cli import cli
from consentgen.pipeline import FormMaker
from consentgen.render.blocks import blocks_of
from consentgen.settings import load_settings

SETTINGS = load_settings(REPO)
RISKS = {
    "cement-leak",
    "new-fracture",
    "infection",
    "allergic-reaction",
    "nerve-damage",
    "blood-clots",
    "cement-embolism",
    "cement-reaction",
    "spinal-cord-injury",
    "bleeding",
    "rib-fracture",
    "radiation",
    "pain-not-relieved",
    "anesthesia",
    "heart-attack-stroke-death",
}
ALTERNATIVES = {
    "pain-medicine",
    "rest-and-brace",
    "physical-therapy",
    "osteoporosis-treatment",
    "kyphoplasty",
    "open-surgery",
    "watchful-waiting",
}
# A frequency as partials/frequency.html.j2 renders it, inside a risk.
FREQUENCY = re.compile(
    r'<span class="frequency" data-frequency="(?P<data>[^"]+)" '
    r'data-population="(?P<population>[^"]+)" data-source="(?P<source>[^"]*)">(?P<text>[^<]*)'
    r"</span>"
)


def _html(procedure: str, locale: str = "en") -> str:
    return FormMaker(SETTINGS).render(locale, procedure, "standard").html


def _risk_html(html: str, ident: str) -> str:
    match = re.search(rf'<li data-risk="{ident}">(.*?)</li>', html, re.S)
    assert match, f"no data-risk={ident}"
    return match.group(1)


@pytest.fixture(scope="module")
def english() -> str:
    return _html("vertebroplasty")


def test_the_english_form_has_every_section_step_risk_and_alternative(english: str) -> None:
    for section in SECTIONS:
        assert f'id="{section}"' in english, section
    form = read_form(english)
    assert form.meta["consentgen:form-id"] == "CF-SPINE-015"
    assert form.meta["consentgen:form-version"] == "1.0"
    assert list(form.items["data-step"]) == ["1", "2", "3", "4"]
    assert set(form.items["data-benefit"]) == {"pain-relief", "less-collapse"}
    assert set(form.items["data-risk"]) == RISKS
    assert set(form.items["data-alternative"]) == ALTERNATIVES
    assert set(form.items["data-signature"]) == {"patient", "provider", "interpreter", "witness"}
    # The patient's own procedure, with kyphoplasty's fields: where, how much, a bone sample.
    for field in ("procedure_site", "procedure_site_count", "biopsy_yes", "biopsy_no"):
        assert f'data-field="{field}"' in english, field
    assert "<h1>Vertebroplasty for a vertebral compression fracture</h1>" in english


def test_the_evidence_is_said_plainly(english: str) -> None:
    form = read_form(english)
    pain = form.items["data-benefit"]["pain-relief"]
    assert "fake (sham) procedure got better just as much" in pain
    assert "little or no real benefit for pain" in pain
    assert "does not lower your chance of breaking other bones" in english
    # No promise of fewer fractures, of lasting or immediate relief.
    assert not re.search(r"prevent\w* (new |further )?fracture|immediate", english, re.I)


def test_risk_numbers_are_sourced_data(english: str) -> None:
    leak = [m.groupdict() for m in FREQUENCY.finditer(_risk_html(english, "cement-leak"))]
    assert leak == [
        {
            "data": "1/3",
            "population": "people",
            "source": "Buchbinder 2009 (NEJM), in Ontario HTA 2010, Table 6: minimal leakage "
            "in 14 of 38 (37%)",
            "text": "about 1 in 3 people",
        }
    ]
    fractures = [m.groupdict() for m in FREQUENCY.finditer(_risk_html(english, "new-fracture"))]
    assert [(f["data"], f["text"]) for f in fractures] == [
        ("1/6", "about 1 in 6 people"),
        ("1/5", "about 1 in 5 people"),
    ]
    assert all("VERTOS IV" in f["source"] for f in fractures)
    # Where no source gives vertebroplasty a rate a patient can use, the form says so in words.
    cord = _risk_html(english, "spinal-cord-injury")
    assert "This is rare." in cord
    assert 'class="frequency"' not in cord
    # Every source named is listed in docs/clinical-sources.md.
    listed = (REPO / "docs" / "clinical-sources.md").read_text("utf-8")
    for name in ("Buchbinder 2009", "Ontario HTA 2010", "VERTOS IV 12-month fracture report"):
        assert f"## {name}" in listed, name


def test_nothing_kyphoplasty_only_is_said(english: str) -> None:
    assert 'data-risk="balloon-burst"' not in english
    assert "trocar" not in english.lower()
    # The balloon, and kyphoplasty by name, only where kyphoplasty is offered as another choice.
    kyphoplasty = re.search(r'<li data-alternative="kyphoplasty">.*?</li>', english, re.S)
    assert kyphoplasty and "balloon" in kyphoplasty.group(0)
    rest = english.replace(kyphoplasty.group(0), "")
    body = rest[rest.index("<main>") :]
    assert "balloon" not in body.lower()
    assert "kyphoplasty" not in body.lower()


def test_each_procedure_offers_the_other() -> None:
    kyphoplasty = read_form(_html("kyphoplasty"))
    assert "vertebroplasty" in kyphoplasty.items["data-alternative"]
    assert "without using a balloon" in kyphoplasty.items["data-alternative"]["vertebroplasty"]


def test_shared_items_say_the_same_in_both_procedures(english: str) -> None:
    vertebroplasty = read_form(english)
    kyphoplasty = read_form(_html("kyphoplasty"))
    shared = ("infection", "nerve-damage", "blood-clots", "bleeding", "rib-fracture")
    for ident in (*shared, "pain-not-relieved", "heart-attack-stroke-death", "radiation"):
        assert vertebroplasty.items["data-risk"][ident] == kyphoplasty.items["data-risk"][ident]
    for ident in ("pain-medicine", "rest-and-brace", "physical-therapy", "open-surgery"):
        wording = kyphoplasty.items["data-alternative"][ident]
        assert vertebroplasty.items["data-alternative"][ident] == wording
    # Spinal cord injury: the same item, the number kyphoplasty's source gives, none here.
    cord = kyphoplasty.items["data-risk"]["spinal-cord-injury"]
    assert "about 1 in 2,000 to 1 in 3,500 procedures" in cord
    assert "2,000" not in vertebroplasty.items["data-risk"]["spinal-cord-injury"]


def test_the_form_uses_the_shared_blocks() -> None:
    used = blocks_of(SETTINGS, "vertebroplasty")
    for block in ("spine-augmentation", "bone-cement", "sedation", "radiation", "signatures"):
        assert block in used, block
    assert blocks_of(SETTINGS, "kyphoplasty")["spine-augmentation"] == used["spine-augmentation"]
    result = CliRunner().invoke(cli, ["--project", str(REPO), "where-used", "spine-augmentation"])
    assert result.exit_code == 0, result.output
    assert "kyphoplasty:" in result.output and "vertebroplasty:" in result.output


def test_check_in_english_finds_only_the_missing_approval() -> None:
    result = CliRunner().invoke(cli, ["--project", str(REPO), "check", "-l", "en", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    mine = [p for p in report["problems"] if "vertebroplasty" in p["where"] + p["message"]]
    assert [p["check"] for p in mine] == ["approval"]
    assert [p["check"] for p in report["problems"]] == ["approval", "approval"]
    scores = {r["procedure"]: r["score"] for r in report["readability"]}
    assert scores["vertebroplasty"] <= SETTINGS.max_grade


def test_every_clinical_review_comment_names_a_listed_source() -> None:
    sources = (REPO / "docs" / "clinical-sources.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", sources, re.M)
    names = {h.split(":")[0].split(" (")[0].strip() for h in headings}
    names |= {"NICE", "FDA", "Medtronic", "FREE", "Cochrane", "VERTOS", "Nussbaum", "BSIR"}
    names |= {"North Bristol", "Hull", "Ashford", "clinical review", "patient guide"}
    templates = REPO / "templates"
    for name in ("procedures/vertebroplasty.html.j2", "blocks/spine-augmentation.html.j2"):
        text = (templates / name).read_text("utf-8")
        comments = re.findall(r"\{#-?\s*Translators: CLINICAL REVIEW:(.*?)-?#\}", text, re.S)
        assert comments, name
        flat = [" ".join(c.split()) for c in comments]
        assert [c[:80] for c in flat if not any(n in c for n in names)] == [], name
    # Every sentence of the vertebroplasty template carries one: each trans block but a heading's
    # has a comment of its own, after the sentence before it.
    source = (templates / "procedures" / "vertebroplasty.html.j2").read_text("utf-8")
    body = source[source.index("{% block procedure_body %}") :]
    for trans in re.finditer(r"\{% trans", body):
        before = body[: trans.start()]
        if before.rstrip().endswith(("<h2>", "<h3>")):
            continue
        comment = before.rfind("Translators:")
        assert comment > before.rfind("{% endtrans %}"), body[trans.start() : trans.start() + 80]
