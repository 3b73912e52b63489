"""Risk numbers are data: every frequency names its source, and no risk states a number outside
its frequency data (in the source language, where the wording is written).

A frequency (partials/frequency.html.j2) renders its numbers from data, in one translated
pattern per locale; a number typed into a risk's sentence would escape that, and could differ
between languages, or from its source, unseen.
"""

from __future__ import annotations

import html as html_module
import re

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import procedure_template
from consentgen.settings import Settings

_RISK = re.compile(r'<li data-risk="(?P<id>[^"]+)">(?P<body>.*?)</li>', re.S)
_FREQUENCY = re.compile(
    r'<span class="frequency"[^>]*data-source="(?P<source>[^"]*)"[^>]*>.*?</span>', re.S
)
_FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)
_TAG = re.compile(r"<[^>]+>")
# A number a sentence could state in words. "one" is not among them: "no one", "one of the
# bones" are not frequencies.
_NUMBER = re.compile(
    r"\b(\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|hundreds|thousand|thousands|half|percent|per cent)\b|%",
    re.I,
)


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Frequencies with no source, and numbers a risk states outside its data."""
    if not subject.locale.is_source:
        return []
    problems = []
    for procedure, form in subject.forms.items():
        where = display_path(procedure_template(settings, procedure), settings.root)
        for risk in _RISK.finditer(form):
            ident, body = risk["id"], risk["body"]
            for frequency in _FREQUENCY.finditer(body):
                if not frequency["source"].strip():
                    problems.append(
                        Problem(
                            where,
                            subject.locale.code,
                            f"{procedure}: data-risk={ident}: a frequency names no source "
                            "(document and section)",
                        )
                    )
            text = html_module.unescape(_TAG.sub(" ", _FIGURE.sub(" ", _FREQUENCY.sub(" ", body))))
            stated = sorted({m.group(0).lower() for m in _NUMBER.finditer(text)})
            if stated:
                problems.append(
                    Problem(
                        where,
                        subject.locale.code,
                        f"{procedure}: data-risk={ident} states a number outside its frequency "
                        f"data ({', '.join(stated)}): give it as a frequency "
                        "(partials/frequency.html.j2)",
                    )
                )
    return problems
