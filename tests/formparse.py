"""Reading a built HTML form back: its data-* items and their text."""

from __future__ import annotations

from html.parser import HTMLParser

KINDS = ("data-risk", "data-benefit", "data-step", "data-alternative", "data-signature")
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "source", "wbr"}


class FormItems(HTMLParser):
    """Collects every element with a data-* id of the markup contract (README), with its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        self.html_attrs: dict[str, str | None] = {}
        self.meta: dict[str, str] = {}
        self._open: list[tuple[str, str, str, int]] = []
        self._depth = 0
        self._text: dict[tuple[str, str], list[str]] = {}
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_attrs = values
        if tag == "meta" and values.get("name"):
            self.meta[str(values["name"])] = str(values.get("content"))
        if tag == "style":
            self.in_style = True
        if tag in VOID:
            return
        self._depth += 1
        for kind in KINDS:
            if kind in values:
                key = (kind, str(values[kind]))
                assert key[1] not in self.items[kind], f"duplicate {kind}={key[1]}"
                self._open.append((kind, key[1], tag, self._depth))
                self._text[key] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False
        if tag in VOID:
            return
        while self._open and self._open[-1][3] == self._depth:
            kind, ident, _, _ = self._open.pop()
            self.items[kind][ident] = " ".join("".join(self._text[(kind, ident)]).split())
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self.in_style:
            return
        for kind, ident, _, _ in self._open:
            self._text[(kind, ident)].append(data + " ")


def read_form(html: str) -> FormItems:
    """Parse a built form."""
    parser = FormItems()
    parser.feed(html)
    parser.close()
    return parser
