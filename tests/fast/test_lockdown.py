"""The scan of what a form may load, on small pages: every element a form may not hold, every
URL of a list of URLs, links, styles. No rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentgen.errors import InputError
from consentgen.render.lockdown import check_standalone, css_urls, parse_html, problems, url_scheme
from consentgen.settings import Settings, load_settings
from fast.conftest import SETTINGS as SMALL_SETTINGS

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


@pytest.fixture(autouse=True)
def _no_cached_stylesheets() -> None:
    """Each test reads its stylesheets afresh, not from the cache an earlier test filled."""
    css_urls.cache_clear()


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


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("https://example.org/", "https"),
        ("  JavaScript:alert(1)", "javascript"),
        ("java\tscr\nipt:x", "javascript"),
        ("\x00\x01 data:,x", "data"),
        ("\x08\x1fjavascript:x\x7f", "javascript"),
        ("-data:,x", None),
        ("mailto:a@b", "mailto"),
        ("a+b.c-d:x", "a+b.c-d"),
        ("1http://x", None),
        ("//example.org/x", None),
        ("page.html#x", None),
        ("#top", None),
        ("", None),
    ],
)
def test_a_urls_scheme_is_read_as_a_browser_reads_it(url: str, scheme: str | None) -> None:
    assert url_scheme(url) == scheme


@pytest.mark.parametrize(
    ("css", "declarations", "urls"),
    [
        ("a { background: url(x.png) }", False, ("x.png",)),
        ('a { background: url("q.png") }', False, ("q.png",)),
        ("@import 'i.css';", False, ("i.css",)),
        ('@import url("j.css");', False, ("j.css",)),
        ("@font-face { src: src('f.woff'), url(g.woff) }", False, ("f.woff", "g.woff")),
        ("a { content: image-set('h.png' 1x, 'h2.png' 2x) }", False, ("h.png", "h2.png")),
        ("a { content: -webkit-image-set('w.png' 1x) }", False, ("w.png",)),
        ("a { b: IMAGE-SET('u.png' 1x) }", False, ("u.png",)),
        ("@media print { a { b: url(m.png) } }", False, ("m.png",)),
        ("a { b: attr('not-a-url') }", False, ()),
        ("/* url(c.png) */ a { color: red }", False, ()),
        ("background: url(d.png); color: red", True, ("d.png",)),
        ("background: image-set('e.png' 1x)", True, ("e.png",)),
    ],
)
def test_every_url_a_stylesheet_would_fetch_is_found(
    css: str, declarations: bool, urls: tuple[str, ...]
) -> None:
    assert css_urls(css, declarations) == urls


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        ('<p style="background: url(https://h/x.png)">x</p>', ["https://h/x.png"]),
        ("<style>p { background: url(https://h/y.png) }</style>", ["https://h/y.png"]),
        ('<img src=" data:image/png;base64,AA " alt="">', []),
        ('<img src="  " alt="">', []),
        ('<img src="DATA:image/png;base64,AA" alt="">', []),
        ('<video src="#t"></video>', []),
        ('<img lowsrc="https://h/l.png" alt="">', ["https://h/l.png"]),
        ('<svg><image href="https://h/i.png"/></svg>', ["https://h/i.png"]),
        ('<svg><use href="#shape"/></svg>', []),
        ('<svg xml:base="https://h/"><rect/></svg>', ["https://h/"]),
        ('<img src="-data:,x" alt="">', ["-data:,x"]),
        (
            '<a ping="https://h/p1 https://h/p2, https://h/p3" href="#x">x</a>',
            ["https://h/p1", "https://h/p3"],
        ),
        ('<img srcset=" , https://h/a 1x,, " src="data:," alt="">', ["https://h/a"]),
    ],
)
def test_every_fetched_url_is_refused_but_data_and_fragments(markup: str, found: list[str]) -> None:
    refused = [
        f"refused URL {url!r}: a form loads nothing from outside itself (inline a file of "
        "templates/static with static_data_url)"
        for url in found
    ]
    assert _found(markup) == refused


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        (
            '<meta http-equiv=" Refresh " content="5">',
            ['<meta http-equiv="refresh">: not allowed in a form'],
        ),
        ('<meta http-equiv="content-type" content="text/html">', []),
        (
            '<link rel="Stylesheet Attachment" href="#x">',
            ["<link>: not allowed in a form", "<link rel=attachment>: forms carry no attachments"],
        ),
        ('<a rel="noopener attachments" href="#x">x</a>', []),
        ('<p ONCLICK="x()">x</p>', ["<p onclick>: forms run no scripts"]),
        ('<svg><rect onload="x()"/></svg>', ["<rect onload>: forms run no scripts"]),
        ("<!-- <script>x</script> -->", []),
    ],
)
def test_refreshes_attachments_and_handlers_are_refused(markup: str, found: list[str]) -> None:
    assert _found(markup) == found


def test_the_needle_of_each_problem_finds_its_source() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>t</title></head><body>"
        '<SCRIPT>x</SCRIPT><img src="https://h/a.png" alt=""><p onclick="x()">x</p>'
        '<a href="file:///etc">x</a><meta http-equiv="refresh" content="0;url=x">'
        '<a rel="attachment">x</a></body></html>'
    )
    assert [needle for needle, _ in problems(parse_html(page))] == [
        "<script",
        "https://h/a.png",
        "onclick=",
        "file:///etc",
        "0;url=x",
        "attachment",
    ]


@pytest.mark.parametrize(
    ("href", "relative", "allowed"),
    [
        ("other.html", True, True),
        # A browser strips C0 controls from both ends: this is javascript:, not a file beside.
        ("\x01javascript:alert(1)", True, False),
        ("es/kyphoplasty.pdf", True, True),
        ("/etc/passwd", True, False),
        ("\\\\server\\share", True, False),
        ("file:///etc", True, False),
        ("HTTPS://example.org", False, True),
        ("  #top ", False, True),
        ("", False, False),
    ],
)
def test_relative_links_are_allowed_only_beside_the_page(
    href: str, relative: bool, allowed: bool
) -> None:
    page = f'<!DOCTYPE html><html><body><a href="{href}">x</a></body></html>'
    found = [p for _, p in problems(parse_html(page), relative_links=relative)]
    assert found == (
        []
        if allowed
        else [
            f"refused link {href.strip()!r}: a form links only to #sections, https:, http:, "
            "mailto: or tel:"
        ]
    )


def test_parse_html_keeps_html_elements_unnamespaced() -> None:
    root = parse_html("<!DOCTYPE html><html><body><p>x</p><svg><rect/></svg></body></html>")
    tags = [element.tag for element in root.iter() if isinstance(element.tag, str)]
    assert tags[:4] == ["html", "head", "body", "p"]
    assert tags[4].endswith("}svg") and tags[4].startswith("{http://www.w3.org/2000/svg")


# check_standalone: a refusal names the template or catalog line that holds the offending text.


@pytest.fixture
def lockdown_project(tmp_path: Path) -> tuple[Settings, Path, Path]:
    (tmp_path / "consentgen.toml").write_text(SMALL_SETTINGS, "utf-8")
    procedures = tmp_path / "templates" / "procedures"
    procedures.mkdir(parents=True)
    template = procedures / "kyphoplasty.html.j2"
    template.write_text("<h1>Title</h1>\n<p>text</p>\n<IMG SRC='HTTPS://H/T.PNG'>\n", "utf-8")
    (tmp_path / "templates" / "layout.html.j2").write_text(
        '<html>\n<body>\n<p>{{ x }}</p>\n<a href="java&#9;script:go()">x</a>\n</body>\n'
        "<img src='https://h/q?a=1&amp;b=\"2\"'>\n"
        '<img src="https://h/&quot;quoted&quot;">\n'
        '<a href="x&#9;javascript:go()">x</a>\n'
        '<a href="j&#9;abc:">x</a>\n',
        "utf-8",
    )
    (tmp_path / "templates" / "static").mkdir()
    (tmp_path / "templates" / "static" / "form.css").write_text(
        "p {}\n\n.logo { background: url(https://h/logo.png) }\n", "utf-8"
    )
    (tmp_path / "templates" / "static" / "bad.css").write_bytes(b"\xff\xfe url(x)")
    catalog = tmp_path / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "Map"\nmsgstr "https://h/map?a=1&b=2"\n', "utf-8"
    )
    return load_settings(tmp_path), template, catalog


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('<img src="https://h/t.png">', "templates/procedures/kyphoplasty.html.j2:3"),
        ('<a href="java\tscript:go()">x</a>', "templates/layout.html.j2:4"),
        ('<p style="background: url(https://h/logo.png)">', "templates/static/form.css:3"),
        ('<img src="https://h/map?a=1&amp;b=2">', "locales/es/LC_MESSAGES/messages.po:5"),
        ('<img src="https://h/nowhere.png">', "templates/procedures/kyphoplasty.html.j2"),
        # Written in the source with &amp; but a plain quote, or with &quot;.
        ("<img src='https://h/q?a=1&amp;b=\"2\"'>", "templates/layout.html.j2:6"),
        ('<img src="https://h/&quot;quoted&quot;">', "templates/layout.html.j2:7"),
        # Written with a character reference: found by its longest part, of 4 letters or more.
        ('<a href="x&#9;javascript:go()">x</a>', "templates/layout.html.j2:8"),
        ('<a href="j&#9;abc:">x</a>', "templates/layout.html.j2:9"),
    ],
)
def test_a_refusal_names_the_line_that_holds_the_offending_text(
    lockdown_project: tuple[Settings, Path, Path], body: str, where: str
) -> None:
    settings, template, catalog = lockdown_project
    page = parse_html(f"<!DOCTYPE html><html><body>{body}</body></html>")
    with pytest.raises(InputError) as raised:
        check_standalone(page, settings, template, catalog)
    path, _, line = where.partition(":")
    assert (raised.value.path, raised.value.line) == (path, int(line) if line else None)
    assert raised.value.problem.startswith(("refused URL", "refused link"))


def test_a_page_without_a_catalog_or_a_fault_passes(
    lockdown_project: tuple[Settings, Path, Path],
) -> None:
    settings, template, _ = lockdown_project
    check_standalone(parse_html("<p>fine</p>"), settings, template, None)
    with pytest.raises(InputError) as raised:
        check_standalone(parse_html("<script></script>"), settings, template, None)
    assert (
        raised.value.message
        == "templates/procedures/kyphoplasty.html.j2: <script>: not allowed in a form"
    )
    index = parse_html('<a href="es/kyphoplasty.html">x</a>')
    check_standalone(index, settings, template, None, relative_links=True)
    with pytest.raises(InputError):
        check_standalone(index, settings, template, None)
