"""A configured locale's catalog, ready to render with: compiled, with its review state.

The one place that puts the two together: reading and compiling a catalog knows nothing of
sign-offs, and a sign-off reads the catalog, never the other way round.
"""

from __future__ import annotations

import hashlib

from consentgen.errors import InputError, display_path
from consentgen.i18n.pofile import po_path
from consentgen.i18n.review import review_path, review_state
from consentgen.i18n.translations import LocaleCatalog, load_catalog, source_catalog
from consentgen.settings import Settings


def load_locale_catalog(settings: Settings, code: str, strict: bool = True) -> LocaleCatalog:
    """A configured locale's catalog (the source language has none), or a one-line error.

    strict: a translation refused at load (bad placeholders, bidi controls) stops everything
    (a build); otherwise (`check`) it is recorded and left out.
    """
    if code == settings.default_locale:
        return source_catalog(code)
    path = po_path(settings.root, code)
    if not path.is_file():
        raise InputError(
            display_path(path, settings.root),
            f"no catalog for locale {code} (create it with `consentgen update -l {code}`)",
        )
    catalog = load_catalog(settings.root, code, strict=strict)
    assert catalog.catalog is not None
    catalog.review = review_state(path, catalog.catalog)
    signoff = review_path(path)
    if signoff.is_file():  # the status a form carries depends on the sign-off too
        digest = hashlib.sha256(catalog.sha256.encode("ascii") + signoff.read_bytes())
        catalog.sha256 = digest.hexdigest()
    return catalog


def catalog_digest(settings: Settings, code: str) -> str:
    """The digest of a locale's catalog and its sign-off, as load_locale_catalog gives it,
    without reading the catalog: what a build's fingerprint of a form needs."""
    if code == settings.default_locale:
        return hashlib.sha256(b"").hexdigest()
    path = po_path(settings.root, code)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""  # the load that follows names the missing catalog
    signoff = review_path(path)
    if signoff.is_file():
        return hashlib.sha256(digest.encode("ascii") + signoff.read_bytes()).hexdigest()
    return digest
