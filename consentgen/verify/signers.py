"""What each signer saw: every field's whole state at each signature, and the rule that holds
each signer to it (see the verify package's layer 3)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from consentgen.roles import STATEMENT_ROLE, field_role

# Keys that point back up the document (the page, the parent field, the signed document): a
# field's own state is everything else it holds.
_NOT_FIELD_STATE = {"/P", "/Parent", "/Data", "/Reference", "/Kids"}
_DEPTH = 12


@dataclass(frozen=True)
class _FieldState:
    """A field as a signer saw it: whose it is, whether it was empty, a digest of all of it."""

    role: str | None
    empty: bool
    digest: str


def form_fields(reader: PdfFileReader, revision: int | None) -> list[generic.DictionaryObject]:
    """The form's fields at a revision, or at the end of the file."""
    root = reader.root if revision is None else reader.get_historical_root(revision)
    form = root.get("/AcroForm")
    if form is None:
        return []
    return [ref.get_object() for ref in form.get_object().get("/Fields", [])]


def signature_field_names(reader: PdfFileReader, revision: int | None) -> list[str]:
    return [str(f.get("/T")) for f in form_fields(reader, revision) if f.get("/FT") == "/Sig"]


def _field_states(reader: PdfFileReader, revision: int | None) -> dict[str, _FieldState]:
    """Every field's state at a revision, or at the end of the file."""
    states = {}
    for field_dict in form_fields(reader, revision):
        name = str(field_dict.get("/T"))
        kind = field_dict.get("/FT")
        if kind == "/Sig":
            empty = field_dict.get("/V") is None
        elif kind == "/Btn":
            empty = field_dict.get("/AS") in (None, "/Off") and field_dict.get("/V") in (
                None,
                "/Off",
            )
        else:
            empty = str(field_dict.get("/V") or "") == ""
        digest = hashlib.sha256()
        _digest(field_dict, digest, set(), 0)
        if name in states:  # two fields of one name: never what was released
            name = f"{name} (again)"
        states[name] = _FieldState(field_role(name), empty, digest.hexdigest())
    return states


def _digest(obj: object, digest: hashlib._Hash, seen: set[tuple[int, int]], depth: int) -> None:
    """Feed a field's whole state to digest: values, flags, rectangle, appearance streams."""
    if depth > _DEPTH:
        _put(digest, b"<deep>")
        return
    if isinstance(obj, generic.IndirectObject):
        key = (obj.idnum, obj.generation)
        if key in seen:
            _put(digest, f"<ref {key}>".encode())
            return
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, generic.StreamObject):
        _put(digest, b"<stream>")
        _put(digest, hashlib.sha256(obj.encoded_data).digest())
    if isinstance(obj, generic.DictionaryObject):
        _put(digest, b"<<")
        for key in sorted(obj):
            if key in _NOT_FIELD_STATE:
                continue
            _put(digest, str(key).encode("utf-8", "surrogatepass"))
            _digest(obj.raw_get(key), digest, seen, depth + 1)
        _put(digest, b">>")
    elif isinstance(obj, generic.ArrayObject):
        _put(digest, b"[")
        for item in obj:
            _digest(item, digest, seen, depth + 1)
        _put(digest, b"]")
    elif not isinstance(obj, generic.StreamObject):
        _put(digest, type(obj).__name__.encode("ascii"))
        # A null is all in its type: its repr is an address, new each time it is read.
        if not isinstance(obj, generic.NullObject):
            _put(digest, repr(obj).encode("utf-8", "surrogatepass"))


def _put(digest: hashlib._Hash, token: bytes) -> None:
    """One token of a field's state, its length first, so that no two different states feed
    the same bytes (a key named "/X<<>>/Y" is not an empty /X followed by /Y)."""
    digest.update(len(token).to_bytes(8, "big"))
    digest.update(token)


def what_signers_saw(reader: PdfFileReader, embedded: list[object]) -> list[str]:
    """Each signature against the fields as its signer saw them (see the module's layer 3)."""
    final = _field_states(reader, None)
    signed_roles: set[str] = {STATEMENT_ROLE}  # the statement is read by every signer
    problems = []
    for sig in embedded:
        name = sig.field_name  # type: ignore[attr-defined]
        signed_roles.add(field_role(name) or name)
        seen = _field_states(reader, sig.signed_revision)  # type: ignore[attr-defined]
        changed, filled = [], []
        for field_name, state in seen.items():
            now = final.get(field_name)
            if now is not None and now.digest == state.digest:
                continue
            if now is None or not state.empty:
                changed.append(field_name)
            elif state.role in signed_roles:
                filled.append(field_name)
            # else: the empty field of someone yet to sign, filled in after: allowed
        added = sorted(set(final) - set(seen))
        if changed:
            problems.append(f"{', '.join(sorted(changed))} changed after {name} was signed")
        if filled:
            was = (
                "it was empty then and belongs"
                if len(filled) == 1
                else "they were empty then and belong"
            )
            problems.append(
                f"{', '.join(sorted(filled))} filled in after {name} was signed, although "
                f"{was} to a signer who had signed"
            )
        if added:
            problems.append(f"field(s) {', '.join(added)} added after {name} was signed")
    return problems
