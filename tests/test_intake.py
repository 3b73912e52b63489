"""`consentgen intake`: real scans of released forms, made here from the PDFs the way a scanner
makes them (pdftoppm at 150 and 300 dpi, greyscale or colour, turned, skewed, speckled), in
stacks with pages dropped, repeated and shuffled, two forms and two languages mixed; the report
must say exactly what was done to each stack. The pictures live in temporary folders only."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, hand_made_release
from fhir.resources.R4B.bundle import Bundle
from PIL import Image

from consentgen.cli import cli


def _run(runner: CliRunner, project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--project", str(project), "intake", *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def pages(released: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """The released English and Spanish forms as scanned pages: en and es at 150 dpi
    greyscale, es at 300 dpi greyscale, en at 150 dpi in colour."""
    folder = tmp_path_factory.mktemp("scanned")
    made = {}
    for name, locale, dpi, colour in (
        ("en150", "en", 150, False),
        ("es150", "es", 150, False),
        ("es300", "es", 300, False),
        ("en150colour", "en", 150, True),
    ):
        pdf = released / "build" / locale / "kyphoplasty.pdf"
        options = ["-r", str(dpi), "-png", *([] if colour else ["-gray"])]
        subprocess.run(["pdftoppm", *options, str(pdf), str(folder / name)], check=True)
        made[name] = sorted(folder.glob(f"{name}-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
    # The English form has 9 pages, the Spanish one 10 (its text runs longer).
    assert [len(v) for v in made.values()] == [9, 10, 10, 9]
    return made


def _open(path: Path) -> Image.Image:
    return Image.open(path).convert("L")


def _turned(picture: Image.Image, degrees: float) -> Image.Image:
    """Turned counter-clockwise by degrees, as a sheet fed crooked or the wrong way round."""
    return picture.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def _speckled(picture: Image.Image, share: float = 0.01, seed: int = 16) -> Image.Image:
    """Scanner dust: a share of the pixels turned black or white at random (seeded)."""
    picture = picture.copy()
    pixels = picture.load()
    assert pixels is not None
    chance = random.Random(seed)
    width, height = picture.size
    for _ in range(int(width * height * share)):
        pixels[chance.randrange(width), chance.randrange(height)] = chance.choice((0, 255))
    return picture


def _scanner_pdf(pictures: list[Image.Image], path: Path, dpi: int) -> Path:
    """A PDF of page images, JPEG-compressed, as a scanner writes it."""
    pictures[0].save(path, save_all=True, append_images=pictures[1:], resolution=dpi)
    return path


def _blank_page(path: Path) -> Path:
    Image.new("L", (1275, 1650), 255).save(path)
    return path


def _release_name(released: Path) -> str:
    return next((released / "releases").glob("*.json")).stem


def test_a_stack_of_two_forms_in_two_languages_is_whole_and_current(
    released: Path, pages: dict[str, list[Path]], tmp_path: Path, runner: CliRunner
) -> None:
    english = _scanner_pdf([_open(p) for p in pages["en150"]], tmp_path / "en.pdf", 150)
    spanish = tmp_path / "es.tiff"
    es = [_speckled(_open(p)) for p in pages["es300"]]
    es[0].save(spanish, save_all=True, append_images=es[1:], dpi=(300, 300), compression="tiff_lzw")
    code, output = _run(runner, released, str(english), str(spanish))
    release = _release_name(released)
    assert output.splitlines() == [
        "stack: 2 files, 19 pages, 2 forms",
        f"form CF-SPINE-014 version 1.0, en, positions 1-9: pages 1-9 of 9 found; current "
        f"(release {release})",
        f"form CF-SPINE-014 version 1.0, es, positions 10-19: pages 1-10 of 10 found; current "
        f"(release {release})",
        "result: every form whole and current",
    ]
    assert code == 0


@pytest.fixture(scope="module")
def troubled_stack(
    pages: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    """An English form with page 4 dropped, page 2 fed twice, pages 5 and 6 swapped and 6
    upside down, page 7 a quarter turn off and skewed, page 8 skewed the other way and dusty;
    then a whole Spanish form at 300 dpi; then a page with no code."""
    folder = tmp_path_factory.mktemp("troubled")
    en = [_open(p) for p in pages["en150"]]
    english = [
        en[0],
        en[1],
        en[1],
        en[2],
        _turned(en[5], 180),
        en[4],
        _turned(en[6], 92),
        _speckled(_turned(en[7], -3), 0.02),
        en[8],
    ]
    spanish = [_turned(_open(p), 2.5) for p in pages["es300"]]
    return [
        _scanner_pdf(english, folder / "ward-3.pdf", 150),
        _scanner_pdf(spanish, folder / "ward-3-es.pdf", 300),
        _blank_page(folder / "blank.png"),
    ]


def test_the_report_names_every_page_dropped_doubled_shuffled_or_turned(
    released: Path, troubled_stack: list[Path], runner: CliRunner
) -> None:
    code, output = _run(runner, released, *map(str, troubled_stack))
    release = _release_name(released)
    en = "CF-SPINE-014 1.0 en at positions 1-9"
    assert output.splitlines() == [
        "stack: 3 files, 20 pages, 2 forms",
        f"form CF-SPINE-014 version 1.0, en, positions 1-9: pages 1-3, 5-9 of 9 found; current "
        f"(release {release})",
        f"form CF-SPINE-014 version 1.0, es, positions 10-19: pages 1-10 of 10 found; current "
        f"(release {release})",
        f"{en}: MISSING: page 4 of 9",
        f"{en}: DUPLICATED: page 2 at positions 2, 3",
        f"{en}: OUT OF ORDER: pages as scanned 1, 2, 2, 3, 6, 5, 7, 8, 9",
        f"{en}: UPSIDE DOWN: page 6 at position 5",
        f"position 20 ({troubled_stack[2]}): UNREADABLE: no QR code can be read",
        "result: 1 of 2 forms whole and current, 5 problem(s)",
    ]
    assert code == 1


def test_the_json_report_follows_its_schema(
    released: Path, troubled_stack: list[Path], runner: CliRunner
) -> None:
    import jsonschema

    code, output = _run(runner, released, "--json", *map(str, troubled_stack))
    assert code == 1
    report = json.loads(output)
    schema = json.loads((REPO / "schemas" / "intake.schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)
    english, spanish = report["forms"]
    assert english["found"] == [1, 2, 2, 3, 6, 5, 7, 8, 9]
    assert english["positions"] == list(range(1, 10))
    assert english["missing"] == [4]
    assert english["duplicated"] == {"2": [2, 3]}
    assert english["out_of_order"] is True and english["upside_down"] == [5]
    assert english["release"]["status"] == "current"
    assert english["release"]["procedure"] == "kyphoplasty"
    assert (english["whole"], english["current"]) == (False, True)
    assert (spanish["whole"], spanish["locale"], spanish["positions"]) == (
        True,
        "es",
        list(range(10, 20)),
    )
    assert report["unreadable"] == [
        {
            "position": 20,
            "file": str(troubled_stack[2]),
            "page": 1,
            "problem": "no QR code can be read",
        }
    ]
    kinds = [p["kind"] for p in report["problems"]]
    assert kinds == ["missing", "duplicated", "out-of-order", "upside-down", "unreadable"]
    assert report["ok"] is False
    report["forms"][0]["release"]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)


def test_each_form_is_written_in_page_order_upright_with_its_records(
    released: Path, troubled_stack: list[Path], runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "filed"
    code, output = _run(runner, released, "-o", str(out), *map(str, troubled_stack))
    assert code == 1
    english = out / "CF-SPINE-014_1.0_en_p001.pdf"
    spanish = out / "CF-SPINE-014_1.0_es_p010.pdf"
    record = out / "CF-SPINE-014_1.0_es_p010.pdf.fhir.json"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [english.name, spanish.name, record.name, "unreadable_p020.pdf"]
    )
    assert f"wrote {record}" in output
    # Read back: the English pages now in page order (page 2 twice) and all upright.
    code, output = _run(runner, released, str(english))
    en = "CF-SPINE-014 1.0 en at positions 1-9"
    assert output.splitlines()[2:] == [
        f"{en}: MISSING: page 4 of 9",
        f"{en}: DUPLICATED: page 2 at positions 2, 3",
        "result: 0 of 1 forms whole and current, 2 problem(s)",
    ]
    code, output = _run(runner, released, str(spanish))
    assert code == 0, output

    # The whole, current form's Consent and DocumentReference, as R4 resources.
    bundle = Bundle.model_validate_json(record.read_bytes())
    consent, reference = (entry.resource for entry in bundle.entry)
    assert bundle.type == "collection"
    assert consent.get_resource_type() == "Consent"
    assert (consent.status, consent.scope.coding[0].code) == ("active", "treatment")
    assert consent.category[0].coding[0].system == "http://loinc.org"
    assert consent.category[0].coding[0].code == "59284-0"
    assert consent.language == "es" and consent.patient.display
    data = spanish.read_bytes()
    sha1 = hashlib.sha1(data).digest()
    assert (
        json.loads(record.read_text("utf-8"))["entry"][0]["resource"]["sourceAttachment"]["hash"]
        == base64.b64encode(sha1).decode()
    )
    for attachment in (consent.sourceAttachment, reference.content[0].attachment):
        assert attachment.contentType == "application/pdf"
        assert (attachment.size, attachment.hash, attachment.url) == (len(data), sha1, spanish.name)
    assert reference.get_resource_type() == "DocumentReference"
    assert (reference.status, reference.type.coding[0].code) == ("current", "59284-0")
    assert {i.value for i in reference.identifier} == {"CF-SPINE-014", "CF-SPINE-014:1.0"}
    assert reference.context.related[0].reference == bundle.entry[0].fullUrl
    assert reference.relatesTo[0].code == "appends"


def test_two_copies_of_one_form_one_page_a_file_are_two_forms(
    released: Path, pages: dict[str, list[Path]], tmp_path: Path, runner: CliRunner
) -> None:
    files = []
    for copy in (1, 2):
        for number, path in enumerate(pages["en150colour"], 1):
            target = tmp_path / f"copy{copy}-page{number}.jpg"
            Image.open(path).convert("RGB").save(target, quality=80, dpi=(150, 150))
            files.append(str(target))
    code, output = _run(runner, released, *files)
    assert output.splitlines()[0] == "stack: 18 files, 18 pages, 2 forms"
    assert "positions 1-9: pages 1-9 of 9 found" in output
    assert "positions 10-18: pages 1-9 of 9 found" in output
    assert code == 0, output


def test_a_form_never_released_released_as_draft_or_superseded_is_not_current(
    released: Path, pages: dict[str, list[Path]], tmp_path: Path, runner: CliRunner
) -> None:
    stack = _scanner_pdf([_open(p) for p in pages["en150"]], tmp_path / "en.pdf", 150)
    en = "CF-SPINE-014 1.0 en at positions 1-9"
    ledger = tmp_path / "ledger"
    ledger.mkdir()
    # No release has it.
    empty = ledger / "2026-01-01-1.json"
    empty.write_text(json.dumps({"released_at": "2026-01-01T00:00:00Z", "forms": []}), "utf-8")
    code, output = _run(runner, released, "--ledger", str(ledger), str(stack))
    assert code == 1
    assert (
        f"{en}: NOT RELEASED: no release of this project has this form, version and language"
        in (output.splitlines())
    )
    # Released, as a draft.
    project = tmp_path / "project"
    project.mkdir()
    record = hand_made_release(
        project, released / "build" / "en" / "kyphoplasty.pdf", "en", "draft"
    )
    code, output = _run(runner, released, "--ledger", str(record), str(stack))
    assert code == 1
    assert f"{en}: NOT FOR CLINICAL USE: released as draft in 2099-01-01-1, not reviewed" in (
        output.splitlines()
    )
    # Released as reviewed, then version 1.1 released after it.
    later = json.loads(record.read_text("utf-8"))
    later["forms"][0]["form_version"] = "1.1"
    later["forms"][0]["translation_status"] = "reviewed"
    later["released_at"] = "2099-02-01T00:00:00Z"
    (project / "releases" / "2099-02-01-1.json").write_text(json.dumps(later), "utf-8")
    ledgers = ("--ledger", str(released / "releases"), "--ledger", str(project / "releases"))
    record.unlink()
    code, output = _run(runner, released, *ledgers, str(stack))
    assert code == 1
    assert f"{en}: SUPERSEDED: release 2099-02-01-1 released version 1.1" in output.splitlines()


def test_what_cannot_be_read_or_is_too_large_is_one_line(
    released: Path, tmp_path: Path, runner: CliRunner
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a scan", "utf-8")
    huge = tmp_path / "huge.png"
    Image.new("1", (10_000, 8_000), 1).save(huge)
    poster = tmp_path / "poster.pdf"
    Image.new("L", (300, 300), 255).save(poster, resolution=10)  # 30 by 30 inches
    truncated = tmp_path / "cut.jpg"
    Image.new("L", (1275, 1650), 128).save(truncated, quality=90)
    truncated.write_bytes(truncated.read_bytes()[:600])
    import weasyprint  # noqa: F401  (it tells Pillow to pad truncated images: not here)

    for path, message in (
        (text, f"{text}: not a PDF, PNG, TIFF or JPEG file"),
        (huge, f"{huge}: page 1 is 10000 x 8000 pixels, more than a scanned page may be "),
        (poster, f"{poster}: page 1 is 30 x 30 inches, larger than a scanned page may be "),
        (truncated, f"{truncated}: page 1 cannot be read"),
        (tmp_path / "nothing.pdf", f"{tmp_path / 'nothing.pdf'}: no such file"),
    ):
        code, output = _run(runner, released, str(path))
        assert code == 2, output
        assert len(output.strip().splitlines()) == 1 and output.startswith(message), output
