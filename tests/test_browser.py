"""The HTML forms in a real browser: Debian's Chromium, headless, driven by Playwright.

Every locale's form and the index are checked with axe-core (pinned in tests/browser/, installed
by `make test`): no serious or critical accessibility violation, and no request for anything but
the page itself and data: URLs. A few pages are also compared, in screen and print media, with
the golden screenshots in tests/golden/.

After a deliberate change to how the forms look, regenerate the goldens with `make golden`
(`CONSENTGEN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_browser.py -k golden`), look at the new
PNGs, and commit them. A missing golden is written by the run that misses it, and that test fails
once, so that no golden is ever taken on trust.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from conftest import LOCALES, REPO
from PIL import Image, ImageChops
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
GOLDEN = REPO / "tests" / "golden"
UPDATE_GOLDEN = os.environ.get("CONSENTGEN_UPDATE_GOLDEN") == "1"

# Chromium runs as root here and on CI, which it refuses to do with its sandbox. Without the
# background-networking flags it keeps opening connections of its own, which these machines
# refuse many at a time. The last two keep screenshots the same from machine to machine: no
# scrollbars, and no colour profile of a display.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
]
VIEWPORT: ViewportSize = {"width": 900, "height": 1200}

PAGES = [f"{locale}/kyphoplasty.html" for locale in LOCALES] + ["index.html"]
# Left to right, right to left and CJK forms, and the index: each script's layout is pinned.
GOLDEN_PAGES = {
    "kyphoplasty-en": "en/kyphoplasty.html",
    "kyphoplasty-ar": "ar/kyphoplasty.html",
    "kyphoplasty-zh_Hans": "zh_Hans/kyphoplasty.html",
    "index": "index.html",
}

# A pixel differs when one of its channels moves by more than PIXEL_THRESHOLD (of 255): below
# that is the grey of an anti-aliased glyph edge drawn a little differently (text a quarter of a
# pixel further along moves edge pixels by up to about 60, and differs in 0.002% to 0.16% of the
# pixels at this threshold). A screenshot differs from its golden when more than MAX_DIFFERING of
# its pixels differ: the page one pixel lower differs in 4% to 7%, the logo 0.05 in wider in
# 0.5%, a heading's margin changed by a tenth of an em in 5% to 10%.
PIXEL_THRESHOLD = 64
MAX_DIFFERING = 0.002


@dataclass
class Tab:
    """A browser page that records what it asked the network for and what it logged."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, path: Path) -> str:
        """Loads a built file by its file:// URL, in screen media; returns the URL."""
        self.requests.clear()
        self.errors.clear()
        self.page.emulate_media(media="screen")
        url = path.resolve().as_uri()
        self.page.goto(url)
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return url

    def screenshot(self) -> Image.Image:
        """The top of the page, viewport-sized, as RGB pixels."""
        png = self.page.screenshot(animations="disabled", caret="hide", scale="css")
        return Image.open(io.BytesIO(png)).convert("RGB")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once for this module (Playwright's own download fails here).

    Not once for the session: while Playwright's sync API runs, its event loop is the main
    thread's, and pyHanko's signing in later modules needs to run its own.
    """
    if not CHROMIUM.is_file() or not AXE.is_file():
        pytest.fail(f"the browser tests need {CHROMIUM} and {AXE}: run `make test`")
    playwright: Playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[Tab]:
    """One page for the whole module, reused by every test (Tab.open resets it)."""
    # bypass_csp lets axe be injected: each form's Content-Security-Policy forbids every script.
    context = browser.new_context(
        bypass_csp=True,
        viewport=VIEWPORT,
        device_scale_factor=1,
        locale="en-US",
        timezone_id="UTC",
        color_scheme="light",
        reduced_motion="reduce",
    )
    yield Tab(context.new_page())
    context.close()


def serious_violations(tab: Tab) -> list[dict[str, object]]:
    """axe-core's violations of impact serious or critical on the open page."""
    tab.page.add_script_tag(path=AXE)
    violations: list[dict[str, object]] = tab.page.evaluate(
        """() => axe.run(document, {resultTypes: ["violations"]}).then(result =>
            result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            })))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def describe_violations(violations: list[dict[str, object]]) -> str:
    """One paragraph per violation: rule, impact, help, and each failing node."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        nodes = violation["nodes"]
        assert isinstance(nodes, list)
        for node in nodes:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"  - {node['target']}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("page", PAGES, ids=[page.split("/")[0] for page in PAGES])
def test_page_is_accessible_and_standalone(tab: Tab, built: Path, page: str) -> None:
    url = tab.open(built / page)

    violations = serious_violations(tab)
    assert not violations, f"axe-core on {page}:\n{describe_violations(violations)}"

    elsewhere = [r for r in tab.requests if r != url and not r.startswith("data:")]
    assert not elsewhere, f"{page} asked for more than itself: {elsewhere}"
    assert not tab.errors, f"{page} logged errors: {tab.errors}"


@pytest.mark.parametrize("page", ["en/kyphoplasty.html", "ar/kyphoplasty.html", "index.html"])
def test_strict_policy_blocks_nothing_the_page_needs(
    browser: Browser, built: Path, page: str
) -> None:
    # Here the page's own Content-Security-Policy is in force: the inline styles and the logo
    # (a data: URL) must still load, and nothing may be refused.
    context = browser.new_context(viewport=VIEWPORT)
    try:
        view = context.new_page()
        logged: list[str] = []  # Chromium logs every load the policy refuses
        view.on("console", lambda message: logged.append(message.text))
        view.goto((built / page).resolve().as_uri())
        images = view.evaluate(
            "[...document.images].map(i => [i.currentSrc.slice(0, 30), i.naturalWidth])"
        )
        styled = view.evaluate("getComputedStyle(document.body).fontFamily")
    finally:
        context.close()
    assert not logged, logged
    assert all(width > 0 for _, width in images), images
    assert "Noto" in styled


# Golden screenshots.


@dataclass
class Difference:
    """How far a screenshot is from its golden."""

    fraction: float  # of pixels with a channel that moved by more than PIXEL_THRESHOLD
    mask: Image.Image | None  # those pixels, white on black; None when the sizes differ

    @property
    def exceeds(self) -> bool:
        """Whether the screenshot is to be taken as a different page."""
        return self.fraction > MAX_DIFFERING


def compare(actual: Image.Image, golden: Image.Image) -> Difference:
    """The pixels of actual that differ from golden beyond anti-aliasing noise."""
    if actual.size != golden.size:
        return Difference(1.0, None)
    red, green, blue = ImageChops.difference(actual, golden).split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    mask = largest.point(lambda value: 255 if value > PIXEL_THRESHOLD else 0)
    differing = mask.histogram()[255]
    return Difference(differing / (actual.width * actual.height), mask)


def diff_image(actual: Image.Image, difference: Difference) -> Image.Image:
    """The actual screenshot, faded, with the differing pixels in red."""
    picture = Image.blend(actual, Image.new("RGB", actual.size, "white"), 0.7)
    if difference.mask is not None:
        picture.paste(Image.new("RGB", actual.size, (255, 0, 0)), mask=difference.mask)
    return picture


def check_golden(actual: Image.Image, name: str, tmp_path: Path) -> None:
    """Compares a screenshot with tests/golden/<name>.png, or writes that golden."""
    golden_path = GOLDEN / f"{name}.png"
    if UPDATE_GOLDEN or not golden_path.is_file():
        GOLDEN.mkdir(exist_ok=True)
        actual.save(golden_path, optimize=True)
        how = "rewritten (CONSENTGEN_UPDATE_GOLDEN=1)" if UPDATE_GOLDEN else "missing, written"
        message = f"golden {golden_path.relative_to(REPO)} {how}: look at it and commit it"
        if UPDATE_GOLDEN:
            pytest.skip(message)
        pytest.fail(message + "; the next run compares against it")
    with Image.open(golden_path) as stored:
        golden = stored.convert("RGB")
    difference = compare(actual, golden)
    if difference.exceeds:
        actual_path = tmp_path / f"{name}.actual.png"
        diff_path = tmp_path / f"{name}.diff.png"
        actual.save(actual_path)
        diff_image(actual, difference).save(diff_path)
        pytest.fail(
            f"{name}: {difference.fraction:.3%} of pixels differ from {golden_path} "
            f"(at most {MAX_DIFFERING:.1%} may, by more than {PIXEL_THRESHOLD}/255); "
            f"actual: {actual_path}; differences in red: {diff_path}; "
            "if the change is meant, run `make golden` and commit the new PNGs"
        )


@pytest.mark.parametrize("media", ["screen", "print"])
@pytest.mark.parametrize("name", GOLDEN_PAGES)
def test_golden_screenshot(
    tab: Tab, built: Path, name: str, media: Literal["screen", "print"], tmp_path: Path
) -> None:
    tab.open(built / GOLDEN_PAGES[name])
    tab.page.emulate_media(media=media)
    check_golden(tab.screenshot(), f"{name}-{media}", tmp_path)


def test_comparison_absorbs_noise_and_catches_a_changed_rule(tab: Tab, built: Path) -> None:
    tab.open(built / "en" / "kyphoplasty.html")
    before = tab.screenshot()
    assert compare(tab.screenshot(), before).fraction == 0  # the same page, the same pixels

    # Glyph edges drawn a quarter of a pixel further along: anti-aliasing noise, no real change.
    tab.page.add_style_tag(content="main { transform: translateX(0.25px); }")
    nudged = compare(tab.screenshot(), before)
    assert not nudged.exceeds, f"sub-pixel rendering noise: {nudged.fraction:.3%}"

    # One rule of form.css changed: the logo 0.05 in wider, and the header's text moves along.
    tab.open(built / "en" / "kyphoplasty.html")
    tab.page.add_style_tag(content="header.institution .logo { width: 0.8in; }")
    changed = compare(tab.screenshot(), before)
    assert changed.exceeds, f"a changed CSS rule went unnoticed: {changed.fraction:.3%}"


def test_comparison_catches_a_shifted_image(tab: Tab, built: Path) -> None:
    tab.open(built / "en" / "kyphoplasty.html")
    golden = tab.screenshot()
    shifted = Image.new("RGB", golden.size, "white")
    shifted.paste(golden, (0, 1))  # the whole page one pixel lower
    assert compare(shifted, golden).exceeds
    assert compare(golden.resize((golden.width, golden.height - 1)), golden).exceeds
    assert not compare(golden.copy(), golden).exceeds
