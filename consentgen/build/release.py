"""Releasing: which forms a release holds back, and why.

All or nothing (`--release`): any problem refuses the release, naming each. Release what is
ready (`--release-ready`): each form a problem concerns is held back, named, and not written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from consentgen.build.report import BuildReport, BuildRequest
from consentgen.errors import QualityGateFailed, display_path
from consentgen.ledger import HeldBack
from consentgen.manifest import Artifact
from consentgen.procedures import procedure_template
from consentgen.settings import Settings
from consentgen.statuses import REVIEWED, UNAPPROVED

if TYPE_CHECKING:  # only a release runs the checks: a no-op rebuild does not import them
    from consentgen.checks import Problem


def held_back(
    settings: Settings, problems: list[Problem], procedures: list[str], codes: list[str]
) -> list[HeldBack]:
    """The forms each check problem keeps out of a release, with the problem as the reason.

    A problem in a translated locale holds back that locale's forms; one in the source
    language holds back every locale's. A problem found in a procedure's template holds back
    only that procedure's forms (none, if that procedure is not being released); any other (a
    catalog, messages.pot, a shared block) holds back all of them.
    """
    templates = {
        display_path(procedure_template(settings, p), settings.root): p for p in settings.procedures
    }
    held: list[HeldBack] = []
    for problem in problems:
        path = problem.where.rsplit(":", 1)[0] if problem.where[-1:].isdigit() else problem.where
        if path in templates and templates[path] not in procedures:
            continue  # another procedure's: it does not concern this release
        concerned = [templates[path]] if path in templates else procedures
        if problem.locale == settings.default_locale:
            locales = codes
        elif problem.locale in codes:
            locales = [problem.locale]
        else:
            continue
        held += [HeldBack(p, code, problem.line()) for p in concerned for code in locales]
    return list(dict.fromkeys(held))


def hold_back_unready(
    request: BuildRequest,
    report: BuildReport,
    staged: dict[str, tuple[Path | None, Artifact]],
    previous: dict[str, Artifact],
) -> None:
    """A release never includes a form whose status is not reviewed, whatever the checks said.

    All or nothing: such a form refuses the release before anything is written. Release what
    is ready: it is held back, named, and not written.
    """
    candidates = [artifact for _, artifact in staged.values()]
    candidates += [previous[path] for path in report.skipped if path in previous]
    unready = sorted(
        {(a.procedure, a.locale, a.translation_status) for a in candidates}
        - {(a.procedure, a.locale, REVIEWED) for a in candidates}
    )
    if not unready:
        return
    reasons = [
        HeldBack(
            procedure,
            locale,
            f"the form is unapproved: the {procedure} source text has no current clinical approval"
            if status == UNAPPROVED
            else f"the form is {status}, not reviewed",
        )
        for procedure, locale, status in unready
    ]
    if request.release:
        raise QualityGateFailed("\n".join(["release refused:", *(h.line() for h in reasons)]))
    report.held_back += reasons
    pairs = {(h.procedure, h.locale) for h in reasons}
    for path, (temporary, artifact) in list(staged.items()):
        if (artifact.procedure, artifact.locale) in pairs:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            del staged[path]
    report.skipped = [
        p for p in report.skipped if (previous[p].procedure, previous[p].locale) not in pairs
    ]
