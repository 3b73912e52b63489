"""`consentgen new PROCEDURE`: a procedure template with every section of a consent form.

Every sentence is a TODO placeholder inside a translatable block, so `consentgen check` reports
the template until each one is written, and `consentgen extract` finds the final text.
"""

from __future__ import annotations

import re
from pathlib import Path

from consentgen.errors import ConsentgenError, display_path
from consentgen.files import atomic_write
from consentgen.procedures import procedure_template
from consentgen.render.blocks import Block, all_blocks
from consentgen.settings import Settings

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}$")

_ITEM = """    <li data-{kind}="{ident}">
      <h3>{{% trans trimmed %}}TODO: {label} name{{% endtrans %}}</h3>
      <p>{{% trans trimmed %}}TODO: {label} explained in plain words.{{% endtrans %}}</p>
    </li>
"""


# The patient's own procedure in the consent statement: the lines `check` requires on every form,
# which the provider fills in before the patient signs.
_DETAILS = """{% block procedure_details %}
{%- from "partials/fill_in.html.j2" import line -%}
{%- from "partials/checkbox.html.j2" import box -%}
{%- set institution = settings.institution_name|isolate(source_locale) %}
  <p>{% trans procedure=self.procedure_name(), institution=institution, trimmed %}
    TODO: I agree to have {{ procedure }} at {{ institution }}, where written below.
  {% endtrans %}</p>
  <table class="fill-in details" role="presentation">
    {{ line("procedure_site", _("TODO: the site, side or level(s) to be treated:")) }}
    {{ line("procedure_site_count", _("TODO: how many sites or levels:")) }}
  </table>
  <p class="choice">
    {% trans trimmed %}TODO: whether a sample (biopsy) may be taken. I agree to this:{% endtrans %}
    {{ box("biopsy_yes", _("Yes"), filled_by="provider") }}
    {{ box("biopsy_no", _("No"), filled_by="provider") }}
  </p>
{% endblock %}

"""


def _section(ident: str, heading: str, body: str) -> str:
    return (
        f'<section class="section" id="{ident}">\n'
        f"  <h2>{{% trans trimmed %}}{heading}{{% endtrans %}}</h2>\n{body}</section>\n\n"
    )


def _paragraph(text: str) -> str:
    return f"  <p>{{% trans trimmed %}}TODO: {text}{{% endtrans %}}</p>\n"


def _list(kind: str, tag: str, items: list[tuple[str, str]]) -> str:
    lines = [f'  <{tag} class="{"steps" if tag == "ol" else "items"}">\n']
    lines += [_ITEM.format(kind=kind, ident=ident, label=label) for ident, label in items]
    lines.append(f"  </{tag}>\n")
    return "".join(lines)


# Blocks a new procedure uses where the project has them: the shared sections and risks most
# procedures under sedation and X-ray guidance have. Each is a place to start, to be checked.
_GENERAL_BLOCKS = ("sedation", "radiation", "blood-thinners", "after-care")


def _uses(blocks: dict[str, Block], ident: str, call: str, otherwise: str) -> str:
    return call if ident in blocks else otherwise


def scaffold_text(name: str, blocks: dict[str, Block]) -> str:
    """The template of a new procedure: the sections of a consent form, built from the
    project's general blocks where it has them, every other sentence a TODO."""
    title = name.replace("-", " ")
    imports = "".join(
        f'{{% import "blocks/{ident}.html.j2" as {ident.replace("-", "_")} with context %}}\n'
        for ident in _GENERAL_BLOCKS
        if ident in blocks
    )
    risks = _list("risk", "ul", [("todo-risk", "risk")]).replace(
        "  </ul>\n",
        _uses(blocks, "sedation", "    {{ sedation.risk() }}\n", "")
        + _uses(blocks, "radiation", "    {{ radiation.risk() }}\n", "")
        + "  </ul>\n",
    )
    body = "".join(
        [
            _section(
                "about",
                "About this procedure",
                _paragraph("what the condition is and what the procedure does."),
            ),
            _uses(
                blocks,
                "sedation",
                "{{ sedation.section() }}\n\n",
                _section(
                    "anesthesia", "Anesthesia", _paragraph("which anesthesia or sedation is used.")
                ),
            ),
            _section(
                "steps",
                "What happens during the procedure",
                _list(
                    "step", "ol", [("1", "first step"), ("2", "second step"), ("3", "third step")]
                ),
            ),
            _section(
                "benefits",
                "Possible benefits",
                _paragraph("what the procedure may do, without promising it.")
                + _list("benefit", "ul", [("todo-benefit", "benefit")]),
            ),
            _section(
                "risks",
                "Risks",
                _paragraph("the material risks; give each number as frequency data.") + risks,
            ),
            _section(
                "alternatives",
                "Other choices",
                _paragraph("the other choices, including no treatment.")
                + _list("alternative", "ul", [("todo-alternative", "alternative")]),
            ),
            _section(
                "no-treatment",
                "If you do not have the procedure",
                _paragraph("what may happen without it."),
            ),
            _section(
                "before-after",
                "Before and after the procedure",
                _paragraph("how to prepare, and what to expect after.")
                + _uses(blocks, "blood-thinners", "  {{ blood_thinners.before() }}\n", "")
                + _uses(blocks, "after-care", "  {{ after_care.calls() }}\n", ""),
            ),
        ]
    )
    listed = "".join(
        f"      {block.id} (version {block.version}): {block.about}\n" for block in blocks.values()
    )
    return (
        f"{{#- {title}: written by the forms team; every placeholder must be replaced before\n"
        "    release, and text a clinician has not approved marked with a CLINICAL REVIEW\n"
        "    translator comment naming its source. Numbers of risks are frequency data\n"
        "    (partials/frequency.html.j2). The project's content blocks (docs/blocks.md):\n"
        f"{listed}-#}}\n"
        '{% extends "layout.html.j2" %}\n\n'
        f"{{% block procedure_name %}}{{% trans trimmed %}}TODO: {title}{{% endtrans %}}"
        "{% endblock %}\n\n"
        + _DETAILS
        + "{% block procedure_body %}\n"
        + imports
        + body
        + "{% endblock %}\n"
    )


def new_procedure(settings: Settings, name: str) -> Path:
    """Write the scaffold of a new procedure; refuses a bad or existing name."""
    if not _NAME.match(name):
        raise ConsentgenError(
            f"new: {name!r} is not a procedure name (lowercase letters, digits, "
            "'-'; starting with a letter)"
        )
    path = procedure_template(settings, name)
    if path.exists():
        raise ConsentgenError(f"{display_path(path, settings.root)}: already exists")
    atomic_write(path, scaffold_text(name, all_blocks(settings)).encode("utf-8"))
    return path
