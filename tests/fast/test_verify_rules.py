"""verify's rules at their edges, on small forms made here (test_verify's builders): how a file
is read (leniently, its document information and title), a file damaged after an intact
released prefix, pyHanko's own modification levels when there is no released base, the
signature fields as released, and where the released form's revisions end."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import hand_made_release, sign, stamp_page
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm

from consentgen.errors import ConsentgenError
from consentgen.ledger import Release, ReleasedForm, read_ledger
from consentgen.verify import MOST_ADDED, VerifyReport, verify
from consentgen.verify.returned import read_returned_form, released_prefix
from fast.test_verify import _altered, _form, _patient_named, _set_fields, _update, _verify

COVERS = "covers everything but later signatures"
DOES_NOT_COVER = "DOES NOT cover the whole document"


@pytest.fixture(scope="module")
def released_form() -> bytes:
    return _form()


@pytest.fixture(scope="module")
def unreleased_form() -> bytes:
    """A form no release of the ledger has: it has no released base to compare with."""
    return _form(version="9.9")


@pytest.fixture
def project(tmp_path: Path, released_form: bytes) -> Path:
    """A folder with a ledger that released the form as reviewed."""
    (tmp_path / "released.pdf").write_bytes(released_form)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    return tmp_path


def _page(info: generic.DictionaryObject | None = None) -> bytes:
    """A one-page PDF with no fields, and document information as given."""
    writer = PdfFileWriter(stream_xrefs=False, info=info)
    content = writer.add_object(generic.StreamObject(stream_data=b""))
    writer.insert_page(PageObject(content, (0, 0, 612, 792), generic.DictionaryObject()))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _verify_file(folder: Path, data: bytes) -> VerifyReport:
    path = folder / "returned.pdf"
    path.write_bytes(data)
    return verify(path, [], [])


def _covers(report: VerifyReport) -> list[tuple[str, bool]]:
    return [(s.field, s.covers_all_but_later_signatures) for s in report.signatures]


# How the file is read: leniently, as viewers do; its document information and title.


def test_a_file_a_viewer_reads_with_space_padded_offsets_is_read(tmp_path: Path) -> None:
    """Some authoring tools pad cross-reference offsets with spaces; pyHanko's strict reading
    refuses them, verify reads them as viewers do."""
    data = _page()
    padded = data.replace(b"0000000017 00000 n", b"        17 00000 n")
    assert padded != data
    report = _verify_file(tmp_path, padded)
    assert report.released is None and report.problems == [] and report.signatures == []


def test_document_information_without_a_key_shows_a_question_mark_and_keeps_the_title(
    tmp_path: Path,
) -> None:
    info = generic.DictionaryObject(
        {
            pdf_name("/Title"): pdf_string("Consent for kyphoplasty"),
            pdf_name("/ConsentgenFormId"): pdf_string("CF-1"),
            pdf_name("/ConsentgenLocale"): pdf_string("es"),
        }
    )
    report = _verify_file(tmp_path, _page(info))
    assert report.identity == {
        "form_id": "CF-1",
        "version": "?",
        "locale": "es",
        "translation_status": "?",
    }
    assert report.title == "Consent for kyphoplasty"


def test_a_file_without_document_information_is_read_with_every_key_unknown(
    tmp_path: Path,
) -> None:
    data = _page()
    trailer_info = data[data.index(b"/Info ") : data.index(b"/ID")]
    bare = data.replace(trailer_info, b" " * len(trailer_info))  # the same offsets
    report = _verify_file(tmp_path, bare)
    assert report.identity == dict.fromkeys(
        ("form_id", "version", "locale", "translation_status"), "?"
    )
    assert report.title == "" and report.problems == []


def test_a_file_that_begins_as_a_pdf_but_is_none_is_not_a_readable_pdf(tmp_path: Path) -> None:
    path = tmp_path / "returned.pdf"
    path.write_bytes(b"%PDF-1.7\nnothing else\n")
    with pytest.raises(ConsentgenError) as raised:
        verify(path, [], [])
    assert str(raised.value) == f"{path}: not a readable PDF (Could not read malformed PDF file)"


def test_a_trust_anchor_that_is_no_certificate_is_named_with_the_reason(
    tmp_path: Path, released_form: bytes
) -> None:
    (tmp_path / "returned.pdf").write_bytes(released_form)
    anchor = tmp_path / "ca.pem"
    anchor.write_text("not a certificate", "utf-8")
    with pytest.raises(ConsentgenError) as raised:
        verify(tmp_path / "returned.pdf", [], [anchor])
    assert str(raised.value) == (
        f"{anchor}: not a certificate (Insufficient data - 111 bytes requested but only 15 "
        "available)"
    )


def test_verify_holds_a_returned_form_to_50_mb_unless_told_otherwise(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(50_000_001)  # sparse: no disk used
    with pytest.raises(ConsentgenError) as raised:
        verify(huge, [], [])
    assert str(raised.value) == (
        f"{huge}: 50.0 MB, larger than a returned form may be: 50 MB (verify_max_mb in the "
        "settings)"
    )


def test_verify_does_not_accept_unverified_signers_unless_told(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    returned = project / "returned.pdf"
    returned.write_bytes(sign(_patient_named(released_form), "patient_signature", "patient", pki))
    report = verify(returned, read_ledger([project / "releases"], project), [])
    assert not report.accept_unverified and report.signers_unverified and not report.unaltered


def test_verify_keeps_pyhanko_s_messages_to_itself_and_no_one_else_s(
    project: Path,
    released_form: bytes,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pyHanko logs each failed check with a traceback, which the report says in one line."""
    monkeypatch.setattr(logging.getLogger("pyhanko"), "level", logging.NOTSET)
    caplog.set_level(logging.WARNING)
    report, _ = _verify(project, stamp_page(released_form, "NO RISKS"))
    assert report.problems[0].startswith("changes beyond filling in and signing")
    assert [r.name for r in caplog.records if r.name.startswith("pyhanko")] == []
    logging.getLogger("consentgen.elsewhere").warning("still heard")
    assert [r.getMessage() for r in caplog.records] == ["still heard"]


def _signer_with_revocation_list(folder: Path, url: str) -> signers.SimpleSigner:
    """A signer whose certificate (from a CA written to folder/ca.pem) names a revocation
    list at url."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def certificate(subject: str, key: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
        usage = (True, not ca, False, False, False, ca, ca, False, False)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name("CA with a revocation list"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(*usage), critical=True)
        )
        if not ca:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(
        certificate("CA with a revocation list", ca_key, True).public_bytes(pem)
    )
    (folder / "signer.pem").write_bytes(certificate("Signer", key, False).public_bytes(pem))
    (folder / "signer.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return signers.SimpleSigner.load(
        str(folder / "signer.key"),
        str(folder / "signer.pem"),
        ca_chain_files=(str(folder / "ca.pem"),),
    )


def test_verify_works_offline_and_fetches_no_revocation_list(
    project: Path, released_form: bytes
) -> None:
    asked: list[str] = []

    class RevocationService(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), RevocationService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/ca.crl"
        signer = _signer_with_revocation_list(project, url)
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(_patient_named(released_form))),
            signers.PdfSignatureMetadata(field_name="patient_signature"),
            signer=signer,
            output=out,
        )
        report, _ = _verify(project, out.getvalue(), [project / "ca.pem"])
    finally:
        server.shutdown()
        server.server_close()
    assert asked == []
    assert report.problems == [] and report.signatures[0].trusted is True


# A file damaged after an intact released prefix, or that cannot be read in full.


def _supersede(project: Path) -> None:
    """A later release of another form at the same path."""
    newer = _form(version="1.1")
    record = json.loads((project / "releases" / "2099-01-01-1.json").read_text("utf-8"))
    record["released_at"] = "2099-02-01T00:00:00Z"
    record["forms"][0].update(
        form_version="1.1", bytes=len(newer), sha256=hashlib.sha256(newer).hexdigest()
    )
    (project / "releases" / "2099-02-01-1.json").write_text(json.dumps(record), "utf-8")


def _replaced(data: bytes, number: int, body: bytes) -> bytes:
    """An update after data that replaces object number (generation 0) with body."""
    prev = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    update = data + b"\n%d 0 obj\n%s\nendobj\n" % (number, body)
    offset, xref = len(data) + 1, len(update)
    return update + (
        b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size 27 /Root 1 0 R /Info 2 0 R /Prev %d >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (number, offset, prev, xref)
    )


def test_a_file_damaged_after_the_released_form_names_its_release(
    project: Path, released_form: bytes
) -> None:
    _supersede(project)
    damaged = _replaced(released_form, 2, b"<< /A [ 1 2 ")  # its document information
    report, lines = _verify(project, damaged)
    where = damaged.index(b"endobj", len(released_form))
    assert report.problems == [
        f"what follows the released form cannot be read (Unexpected byte 'b'e'' at position "
        f"{where})"
    ]
    assert report.released is not None and report.released.sha256 == (
        hashlib.sha256(released_form).hexdigest()
    )
    assert report.release is not None and report.release.name == "2099-01-01-1"
    assert report.superseded_by is not None and report.superseded_by.name == "2099-02-01-1"
    assert report.added_bytes == len(damaged) - len(released_form)
    assert lines[1:4] == [
        "form: CF-SPINE-014 version 1.0, locale en, status reviewed",
        "released: yes - byte-identical to en/kyphoplasty.pdf of release 2099-01-01-1 "
        "(2099-01-01T00:00:00Z, an EARLIER release, NOT the current one (superseded by "
        "release 2099-02-01-1)), released as reviewed",
        f"added since release: {len(damaged) - len(released_form)} bytes",
    ]


def test_a_catalog_that_cannot_be_parsed_cannot_be_checked_or_read_in_full(
    project: Path, released_form: bytes
) -> None:
    damaged = _replaced(released_form, 1, b"<< /A [ 1 2 ")
    report, _ = _verify(project, damaged)
    reason = f"Unexpected byte 'b'e'' at position {damaged.index(b'endobj', len(released_form))}"
    assert report.problems == [
        f"changes that cannot be checked ({reason})",
        f"it cannot be read in full ({reason})",
    ]


# Each signature checked by pyHanko alone: without a released base, or once a problem is found.


def test_a_signature_before_a_page_was_stamped_does_not_cover_the_form(
    project: Path, released_form: bytes, unreleased_form: bytes, pki: dict[str, Path]
) -> None:
    """The stamp is a problem of the released form, and the other has no released base: in
    both, pyHanko's analysis of each signature alone says so."""
    for form in (released_form, unreleased_form):
        signed = sign(_patient_named(form), "patient_signature", "patient", pki)
        data = sign(stamp_page(signed, "NO RISKS"), "provider_signature", "provider", pki)
        report, _ = _verify(project, data, [pki["ca"]])
        assert _covers(report) == [("patient_signature", False), ("provider_signature", True)]


def test_without_a_released_base_what_pyhanko_allows_after_a_signature_is_covered(
    project: Path, unreleased_form: bytes, pki: dict[str, Path]
) -> None:
    """No change (bytes after the signed revision that are no update), and an update of the
    document information only (pyHanko's long-term validation level)."""
    signed = sign(unreleased_form, "patient_signature", "patient", pki)

    def rewrite_information(writer: IncrementalPdfFileWriter) -> None:
        writer.update_container(writer.trailer["/Info"])

    for data in (signed + b"\n% after\n", _update(signed, rewrite_information)):
        report, _ = _verify(project, data, [pki["ca"]])
        assert report.released is None and report.problems == []
        assert _covers(report) == [("patient_signature", True), ("provider_signature", False)]


def _signer(who: str, pki: dict[str, Path]) -> signers.SimpleSigner:
    return signers.SimpleSigner.load(
        str(pki[f"{who}_key"]), str(pki[f"{who}_cert"]), ca_chain_files=(str(pki["ca"]),)
    )


def test_a_certifying_signature_that_forbids_changes_does_not_cover_what_is_filled_in_later(
    project: Path, unreleased_form: bytes, pki: dict[str, Path]
) -> None:
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unreleased_form)),
        signers.PdfSignatureMetadata(
            field_name="patient_signature", certify=True, docmdp_permissions=MDPPerm.NO_CHANGES
        ),
        signer=_signer("patient", pki),
        output=out,
    )
    data = _update(out.getvalue(), _set_fields({"provider_name": "Dr Who"}))
    report, _ = _verify(project, data, [pki["ca"]])
    assert _covers(report) == [("patient_signature", False), ("provider_signature", False)]


def test_a_signature_whose_byte_range_stops_short_of_its_revision_does_not_cover_the_form(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = sign(_patient_named(released_form), "patient_signature", "patient", pki)
    start = data.rindex(b"/ByteRange [")
    ranges = data[start : data.index(b"]", start) + 1]
    *head, last = ranges[len(b"/ByteRange [") : -1].split()
    # 20 bytes short: its revision's startxref and %%EOF are not signed.
    short = b"/ByteRange [" + b" ".join([*head, b"%d" % (int(last) - 20)])
    short = short.ljust(len(ranges) - 1) + b"]"
    report, _ = _verify(project, data.replace(ranges, short), [pki["ca"]])
    assert report.problems == [
        "it was changed after the last signature (patient_signature): anything unsigned after "
        "it, even document information, counts"
    ]
    assert _covers(report) == [("patient_signature", False), ("provider_signature", False)]


# The signature fields of the form as released.


def _sign_new_field(data: bytes, field: str, pki: dict[str, Path], visible: bool) -> bytes:
    box = (72, 100, 300, 130) if visible else None
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        signers.PdfSignatureMetadata(field_name=field),
        signer=_signer("patient", pki),
        output=out,
        new_field_spec=fields.SigFieldSpec(field, on_page=1, box=box),
    )
    return out.getvalue()


def test_a_signature_in_a_field_the_released_form_did_not_have_is_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = _sign_new_field(released_form, "interpreter_signature", pki, visible=False)
    report, _ = _verify(project, data, [pki["ca"]])
    assert report.problems == [
        "interpreter_signature is not one of the released form's signature fields"
    ]


def test_a_visible_signature_field_added_after_release_is_beyond_filling_in(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = _sign_new_field(released_form, "witness_signature", pki, visible=True)
    report, _ = _verify(project, data, [pki["ca"]])
    assert report.problems == [
        "changes beyond filling in and signing (Update of Reference(idnum=28, generation=0) is "
        "only allowed after an approval signature, not a certification signature.)"
    ]


# Reading the returned file.


def test_a_file_that_cannot_be_read_after_its_size_was_taken_is_refused() -> None:
    """/proc/self/mem: a regular file of size 0 whose reading at its start fails."""
    mem = Path("/proc/self/mem")
    assert mem.is_file(), "the tests run on Linux, as consentgen does"
    with pytest.raises(ConsentgenError) as raised:
        read_returned_form(mem, 100)
    assert str(raised.value) == f"{mem}: cannot read (Input/output error)"


def test_a_file_that_grows_while_it_is_read_is_refused() -> None:
    """/proc/self/status: a regular file of size 0 when its size is taken, longer when read."""
    status = Path("/proc/self/status")
    assert status.is_file(), "the tests run on Linux, as consentgen does"
    with pytest.raises(ConsentgenError) as raised:
        read_returned_form(status, 10)
    assert str(raised.value) == (
        f"{status}: larger than a returned form may be: 1e-05 MB (verify_max_mb in the settings)"
    )


@pytest.mark.parametrize(
    ("start", "accepted"),
    [(b"\0\0\t%PDF-1.7\n", True), (b"X%PDF-1.7\n", False), (b"\x0c%PDF-1.7\n", False)],
)
def test_only_nul_and_blank_bytes_may_come_before_the_pdf_header(
    tmp_path: Path, start: bytes, accepted: bool
) -> None:
    path = tmp_path / "form.pdf"
    path.write_bytes(start + b"x" * 10)
    if accepted:
        assert read_returned_form(path, 100) == start + b"x" * 10
    else:
        with pytest.raises(ConsentgenError) as raised:
            read_returned_form(path, 100)
        assert str(raised.value) == f"{path}: not a PDF file"


def test_the_size_of_a_file_too_large_is_given_in_megabytes_to_one_place(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    with path.open("wb") as handle:
        handle.truncate(1_050_000)
    with pytest.raises(ConsentgenError) as raised:
        read_returned_form(path, 1_000_000)
    assert str(raised.value) == (
        f"{path}: 1.1 MB, larger than a returned form may be: 1 MB (verify_max_mb in the settings)"
    )


def test_a_release_is_not_superseded_by_itself() -> None:
    """A record that lists another file at the released form's path (a hand edit) names no
    later release: only a later record supersedes."""
    data = b"%PDF-1.7 the released bytes"

    def form(content: bytes) -> ReleasedForm:
        return ReleasedForm(
            path="en/kyphoplasty.pdf",
            procedure="kyphoplasty",
            locale="en",
            format="pdf",
            form_id="CF-1",
            form_version="1.0",
            translation_status="reviewed",
            sha256=hashlib.sha256(content).hexdigest(),
            bytes=len(content),
        )

    released = form(data)
    release = Release("2099-01-01-1", "2099-01-01T00:00:00Z", (released, form(b"other")))
    assert released_prefix(data, [release]) == (released, release, None)


# Where the released form's revisions end, in the returned file.


def _empty_update(data: bytes, at: int | None = None) -> bytes:
    """An update of no objects, its cross-reference right after data; its startxref says at
    (by default, where it is)."""
    prev = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    return data + (
        b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 27 /Root 1 0 R /Info 2 0 R /Prev %d "
        b">>\nstartxref\n%d\n%%%%EOF\n" % (prev, len(data) if at is None else at)
    )


def test_an_update_whose_cross_reference_starts_where_the_released_form_ends_follows_it(
    project: Path, released_form: bytes
) -> None:
    report, _ = _verify(project, _empty_update(released_form))
    assert report.problems == ["it was changed after release and nobody signed the changes"]


def test_an_update_whose_cross_reference_is_said_to_be_inside_the_released_form_is_altered(
    project: Path, released_form: bytes
) -> None:
    report, _ = _verify(project, _empty_update(released_form, at=len(released_form) - 1))
    assert report.problems == ["an update points back inside the released form"]


def test_an_update_that_skips_the_released_revision_does_not_continue_it(
    project: Path, released_form: bytes
) -> None:
    first = int(released_form[released_form.index(b"startxref") + 9 :].split()[0])
    last = int(released_form[released_form.rindex(b"startxref") + 9 :].split()[0])
    update = _patient_named(released_form)
    old, new = b"/Prev %d" % last, b"/Prev %d" % first
    skipping = update.replace(old, new.ljust(len(old)))
    assert skipping != update
    report, _ = _verify(project, skipping)
    assert report.problems == ["its revision history does not continue the released form's"]


@pytest.mark.parametrize(
    ("tail", "problems"),
    [
        (b"\0\r\n", ["it was changed after release and nobody signed the changes"]),
        (b"X\n", ["data follows the last update"]),
    ],
)
def test_only_nul_and_blank_bytes_may_follow_the_last_update(
    project: Path, released_form: bytes, tail: bytes, problems: list[str]
) -> None:
    report, _ = _verify(project, _patient_named(released_form) + tail)
    assert report.problems == problems


def test_a_released_form_s_end_is_looked_for_in_its_last_64_bytes(tmp_path: Path) -> None:
    padded = _form() + b" " * 44  # startxref, 65 bytes before the end
    (tmp_path / "released.pdf").write_bytes(padded)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    report, _ = _verify(tmp_path, _patient_named(padded))
    assert report.problems == ["the released form's end cannot be found"]


def _many_objects(count: int) -> Callable[[IncrementalPdfFileWriter], None]:
    """An update that writes count small objects, all reachable from the catalog."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        refs = [
            writer.add_object(generic.DictionaryObject({pdf_name("/I"): generic.NumberObject(n)}))
            for n in range(count)
        ]
        writer.root[pdf_name("/Items")] = generic.ArrayObject(refs)
        writer.update_root()

    return change


def _written_after_release(data: bytes) -> int:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return sum(
        len(reader.xrefs.explicit_refs_in_revision(revision))
        for revision in range(2, reader.xrefs.total_revisions)  # the released form has two
    )


def test_an_update_writing_more_objects_than_signing_ever_does_is_not_compared(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    """A hostile update of tens of thousands of small objects cost pyHanko's difference
    analysis seconds and hundreds of MiB for each signature; past MOST_ADDED it is refused
    without being compared, and no signature's own analysis runs over it either."""
    signed = sign(_patient_named(released_form), "patient_signature", "patient", pki)
    data = _update(signed, _many_objects(MOST_ADDED))
    added = _written_after_release(data)
    assert added > MOST_ADDED
    report, lines = _verify(project, data, accept=True)
    assert _altered(lines) == [
        f"changes that cannot be checked ({added:,} objects written after the release; "
        f"filling in and signing write far fewer, and more than {MOST_ADDED:,} are not compared)"
    ]
    (patient,) = [s for s in report.signatures if s.field == "patient_signature"]
    assert patient.intact and not patient.covers_all_but_later_signatures
    # Under the bound, the same kind of update is compared, and found to be more than filling in.
    fewer = _update(signed, _many_objects(10))
    assert _altered(_verify(project, fewer, accept=True)[1])[0].startswith(
        "changes beyond filling in and signing ("
    )
