"""The lines `consentgen verify` prints, rule by rule, on reports made by hand: each signature's
state, the closing verdict (worst first), and the first line of an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentgen.errors import ConsentgenError
from consentgen.ledger import Release, ReleasedForm
from consentgen.verify.report import SignatureReport, VerifyReport, describe
from consentgen.verify.returned import first_line, read_returned_form

IDENTITY = {"form_id": "CF-1", "version": "1.0", "locale": "en", "translation_status": "reviewed"}


def _signed(**state: object) -> SignatureReport:
    sound = {
        "signed": True,
        "signer": "Common Name: Ana",
        "intact": True,
        "valid": True,
        "trusted": True,
        "covers_all_but_later_signatures": True,
    }
    return SignatureReport("patient_signature", **(sound | state))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "words", "ok"),
    [
        ({}, "intact, valid, signer trusted, covers everything but later signatures", True),
        ({"intact": False}, "NOT INTACT, valid, signer trusted, covers", False),
        ({"valid": False}, "intact, NOT VALID, signer trusted, covers", False),
        ({"trusted": False}, "intact, valid, signer NOT TRUSTED, covers", False),
        (
            {"trusted": None},
            "intact, valid, WHO SIGNED IS NOT VERIFIED (no trust anchor: --trust or "
            "trust_anchors), covers",
            True,
        ),
        (
            {"covers_all_but_later_signatures": False},
            "intact, valid, signer trusted, DOES NOT cover the whole document",
            False,
        ),
    ],
)
def test_each_signature_says_each_of_its_states(
    state: dict[str, object], words: str, ok: bool
) -> None:
    signature = _signed(**state)
    line = signature.describe()
    assert line.startswith(f"patient_signature: certificate issued to 'Common Name: Ana'; {words}")
    assert signature.ok is ok
    assert SignatureReport("provider_signature").describe() == "provider_signature: empty"
    assert SignatureReport("provider_signature").ok


def _released(status: str = "reviewed") -> ReleasedForm:
    return ReleasedForm(
        path="en/kyphoplasty.pdf",
        procedure="kyphoplasty",
        locale="en",
        format="pdf",
        form_id="CF-1",
        form_version="1.0",
        translation_status=status,
        sha256="0" * 64,
        bytes=100,
    )


def _report(**fields: object) -> VerifyReport:
    report = VerifyReport(dict(IDENTITY), trust_checked=True)
    report.released = _released()
    report.release = Release("2099-01-01-1", "2099-01-01T00:00:00Z", (report.released,))
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def test_the_verdict_is_the_worst_finding() -> None:
    unaltered = "result: unaltered released form"
    assert _report().result() == unaltered
    missing = ["patient_name is empty"]
    assert _report(missing=missing).result() == (
        "result: INCOMPLETE - unaltered released form, but 1 item(s) a surveyor would cite are "
        "missing"
    )
    assert (
        _report(missing=[*missing, "patient_date is empty"])
        .result()
        .startswith("result: INCOMPLETE - unaltered released form, but 2 item(s)")
    )
    # Unverified signers as well: said, unless accepted on purpose.
    unverified = {"trust_checked": False, "signatures": [_signed(trusted=None)]}
    assert (
        _report(missing=missing, **unverified)
        .result()
        .endswith("missing; who signed is NOT VERIFIED either")
    )
    assert (
        _report(missing=missing, accept_unverified=True, **unverified)
        .result()
        .endswith("are missing")
    )
    assert (
        _report(**unverified)
        .result()
        .startswith(
            "result: unaltered released form, but who signed is NOT VERIFIED: give a trust anchor"
        )
    )
    assert _report(accept_unverified=True, **unverified).result() == (
        "result: unaltered released form; who signed is NOT VERIFIED (accepted with "
        "--accept-unverified-signers)"
    )
    # Worse: released unreviewed; altered; not released at all.
    draft = _report(missing=missing)
    draft.released = _released("draft")
    assert (
        draft.result() == "result: NOT RELEASED FOR CLINICAL USE - released as draft, not reviewed"
    )
    altered = _report(missing=missing, problems=["a change"])
    altered.released = _released("draft")
    assert altered.result() == "result: ALTERED - not the form as released and signed"
    bad_signature = _report(signatures=[_signed(valid=False)])
    assert bad_signature.altered and bad_signature.result().startswith("result: ALTERED")
    nowhere = _report(problems=["a change"])
    nowhere.released = None
    assert nowhere.result().startswith("result: NOT RELEASED FOR CLINICAL USE - no release")


def test_the_lines_name_the_release_what_was_added_and_every_finding(tmp_path: Path) -> None:
    report = _report(
        added_bytes=42,
        signatures=[_signed(), SignatureReport("provider_signature")],
        problems=["a change"],
        missing=["patient_name is empty"],
    )
    lines = describe(report, tmp_path / "x.pdf")
    assert lines == [
        f"file: {tmp_path / 'x.pdf'}",
        "form: CF-1 version 1.0, locale en, status reviewed",
        "released: yes - byte-identical to en/kyphoplasty.pdf of release 2099-01-01-1 "
        "(2099-01-01T00:00:00Z, the current release), released as reviewed",
        "added since release: 42 bytes",
        _signed().describe(),
        "provider_signature: empty",
        "ALTERED: a change",
        "INCOMPLETE: patient_name is empty",
        "result: ALTERED - not the form as released and signed",
    ]
    report.superseded_by = Release("2099-02-01-1", "2099-02-01T00:00:00Z", ())
    report.added_bytes = 0
    lines = describe(report, tmp_path / "x.pdf")
    assert lines[2].endswith(
        "(2099-01-01T00:00:00Z, an EARLIER release, NOT the current one (superseded by release "
        "2099-02-01-1)), released as reviewed"
    )
    assert not any(line.startswith("added since release") for line in lines)
    # A form in the ledger without its release, or no form: not released.
    report.release = None
    assert describe(report, tmp_path / "x.pdf")[2].startswith("released: NO - ")
    report.release, report.released = Release("r", "t", ()), None
    assert describe(report, tmp_path / "x.pdf")[2].startswith("released: NO - ")


def test_an_error_is_shown_by_its_first_line_within_a_limit() -> None:
    assert first_line(ValueError("  bad xref\nmore detail  ")) == "bad xref"
    assert first_line(ValueError("")) == "ValueError"
    assert first_line(KeyError()) == "KeyError"
    assert first_line("x" * 160) == "x" * 160
    assert first_line("x" * 161) == "x" * 157 + "..."
    assert first_line("abcdefghij", limit=9) == "abcdef..."
    assert first_line("abcdefghi", limit=9) == "abcdefghi"


def test_a_returned_file_is_read_within_its_limit(tmp_path: Path) -> None:
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(b"\n %PDF-1.7\n" + b"x" * 89)
    assert read_returned_form(pdf, 100) == pdf.read_bytes()
    with pytest.raises(ConsentgenError) as caught:
        read_returned_form(pdf, 99)
    assert str(caught.value) == (
        f"{pdf}: 0.0 MB, larger than a returned form may be: 9.9e-05 MB (verify_max_mb in the "
        "settings)"
    )
    text = tmp_path / "notes.pdf"
    text.write_bytes(b"not a pdf")
    with pytest.raises(ConsentgenError, match=r"notes\.pdf: not a PDF file$"):
        read_returned_form(text, 100)


# Which release a returned file's first bytes are.


def _form(path: str, data: bytes, fmt: str = "pdf") -> ReleasedForm:
    import hashlib

    return ReleasedForm(
        path=path,
        procedure="kyphoplasty",
        locale="en",
        format=fmt,
        form_id="CF-1",
        form_version="1.0",
        translation_status="reviewed",
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
    )


DATA = b"%PDF-1.7 the released bytes, then what the signers added"


def test_the_released_form_is_the_file_s_prefix_in_its_latest_release() -> None:
    from consentgen.verify.returned import released_prefix

    short = _form("en/a.pdf", DATA[:10])
    long = _form("en/b.pdf", DATA[:30])
    first = Release("2099-01-01-1", "2099-01-01T00:00:00Z", (long,))
    second = Release("2099-01-02-1", "2099-01-02T00:00:00Z", (short,))
    # Both are prefixes of the file; the later release wins, whichever is longer.
    assert released_prefix(DATA, [first, second]) == (short, second, None)
    assert released_prefix(DATA, [second]) == (short, second, None)
    assert released_prefix(DATA, [first]) == (long, first, None)
    # The same bytes released twice: the later release; a later one of another file of the
    # same path supersedes it, one of another path does not.
    again = Release("2099-01-03-1", "2099-01-03T00:00:00Z", (long,))
    other = Release("2099-01-04-1", "2099-01-04T00:00:00Z", (_form("en/c.pdf", b"other"),))
    newer = Release("2099-01-05-1", "2099-01-05T00:00:00Z", (_form("en/b.pdf", b"new"),))
    assert released_prefix(DATA, [first, again, other]) == (long, again, None)
    assert released_prefix(DATA, [first, again, other, newer]) == (long, again, newer)


@pytest.mark.parametrize(
    "form",
    [
        _form("en/a.html", DATA, "html"),  # not a PDF
        _form("en/a.pdf", b""),  # no bytes
        _form("en/a.pdf", DATA + b"!"),  # longer than the file
        _form("en/a.pdf", DATA[:-1] + b"?"),  # another file's bytes
    ],
    ids=["html", "empty", "longer", "other"],
)
def test_what_is_not_a_released_prefix(form: ReleasedForm) -> None:
    from consentgen.verify.returned import released_prefix

    assert released_prefix(DATA, [Release("2099-01-01-1", "2099-01-01T00:00:00Z", (form,))]) is None


def test_a_one_byte_form_is_a_prefix_too() -> None:
    from consentgen.verify.returned import released_prefix

    form = _form("en/a.pdf", DATA[:1])
    release = Release("2099-01-01-1", "2099-01-01T00:00:00Z", (form,))
    assert released_prefix(DATA, [release]) == (form, release, None)
