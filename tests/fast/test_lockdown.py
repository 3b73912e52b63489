"""The scan of what a form may load, on small pages: every element a form may not hold, every
URL of a list of URLs, links, styles. No rendering."""

from __future__ import annotations

import pytest

from consentgen.render.lockdown import parse_html, problems

# Written out here, not read from the module: a name dropped from the module's list must fail.
NEVER_IN_A_FORM = [
    ("<script>alert(1)</script>", ["script"]),
    ("<noscript><p>x</p></noscript>", ["noscript"]),
    ('<iframe src="#x"></iframe>', ["iframe"]),
    ('<object data="#x"></object>', ["object"]),
    ('<embed src="#x">', ["embed"]),
    ('<embed type="application/pdf">', ["embed"]),
    ("<applet></applet>", ["applet"]),
    ("<portal></portal>", ["portal"]),
    ('<base href="#">', ["base"]),
    ('<link rel="stylesheet" href="#x">', ["link"]),
    ('<svg><set attributeName="x" to="1"/></svg>', ["set"]),
    ('<svg><animate attributeName="x"/></svg>', ["animate"]),
    ('<svg><animateMotion path="M0 0"/></svg>', ["animatemotion"]),
    ('<svg><animateTransform attributeName="transform"/></svg>', ["animatetransform"]),
    ('<svg><discard begin="0s"/></svg>', ["discard"]),
    # A page of frames has no body: the HTML5 parser keeps the frameset and its frames.
    ('</head><frameset><frame src="#x"></frameset>', ["frameset", "frame"]),
]


def _found(body: str) -> list[str]:
    if body.startswith("</head>"):
        page = f"<!DOCTYPE html><html><head><title>t</title>{body}</html>"
    else:
        page = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"
    return [problem for _needle, problem in problems(parse_html(page))]


def test_a_plain_form_passes() -> None:
    assert (
        _found('<p>Text <a href="#risks">risks</a> <img src="data:image/png;base64,AA"></p>') == []
    )


@pytest.mark.parametrize(("markup", "elements"), NEVER_IN_A_FORM)
def test_every_element_a_form_may_not_hold_is_refused(markup: str, elements: list[str]) -> None:
    assert _found(markup) == [f"<{name}>: not allowed in a form" for name in elements]


@pytest.mark.parametrize("attribute", ["srcset", "imagesrcset"])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_every_url_of_a_list_of_urls_is_read(attribute: str, position: int) -> None:
    urls = ["data:image/png;base64,AA", "data:image/png;base64,BB", "data:image/png;base64,CC"]
    urls[position] = "https://tracker.example/pixel.png"
    value = ", ".join(f"{url} {n + 1}x" for n, url in enumerate(urls))
    tag = "img" if attribute == "srcset" else "link"
    found = _found(f'<{tag} {attribute}="{value}" src="data:,">')
    assert any("refused URL 'https://tracker.example/pixel.png'" in p for p in found), found


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="https://example.org/a.png">',
        '<img src="file:///etc/passwd">',
        '<video poster="//example.org/p.png"></video>',
        '<p style="background: url(https://example.org/b.png)">x</p>',
        "<style>@import 'https://example.org/c.css';</style>",
        '<svg><image href="https://example.org/d.png"/></svg>',
        '<form action="https://example.org/"></form>',
    ],
)
def test_a_url_the_form_would_fetch_is_refused(markup: str) -> None:
    assert any("refused URL" in p for p in _found(markup))


@pytest.mark.parametrize(
    ("href", "allowed"),
    [
        ("#risks", True),
        ("https://example.org/info", True),
        ("mailto:forms@example.org", True),
        ("tel:+15555550142", True),
        ("javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("file:///home", False),
        ("other.html", False),
    ],
)
def test_links_go_only_where_a_form_may_send_a_reader(href: str, allowed: bool) -> None:
    found = _found(f'<a href="{href}">x</a>')
    assert (found == []) == allowed, found


def test_event_handlers_and_attachments_are_refused() -> None:
    assert _found('<p onclick="x()">x</p>') == ["<p onclick>: forms run no scripts"]
    found = _found('<a rel="attachment" href="#x">x</a>')
    assert found == ["<a rel=attachment>: forms carry no attachments"]
