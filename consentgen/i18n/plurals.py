"""The Plural-Forms rules a catalog may carry: CLDR's (Babel's) or gettext's conventional one.

msginit, Poedit and translation platforms write gettext's own rules (French and Brazilian
Portuguese `nplurals=2; plural=(n > 1);`), while Babel derives its rules from CLDR (French has
three forms there). Either is a correct, self-consistent rule for the language; a rule that
behaves like neither picks the wrong plural form and is refused.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable

from babel.messages.plurals import get_plural

# gettext's conventional rules (GNU gettext's plural table, and the rules msginit and Poedit
# write for the languages it does not list), by language.
_ONE = "nplurals=1; plural=0;"
_NOT_ONE = "nplurals=2; plural=(n != 1);"
_MORE_THAN_ONE = "nplurals=2; plural=(n > 1);"
_EAST_SLAVIC = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
    "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
GETTEXT_RULES = {
    **dict.fromkeys(("ja", "ko", "vi", "zh", "th", "id", "ms", "lo", "my", "km"), _ONE),
    **dict.fromkeys(
        (
            "en",
            "de",
            "nl",
            "sv",
            "da",
            "nb",
            "nn",
            "no",
            "fo",
            "es",
            "pt",
            "it",
            "bg",
            "el",
            "fi",
            "et",
            "he",
            "eo",
            "hu",
            "tr",
            "ca",
            "eu",
            "gl",
            "hi",
            "ht",
            "sw",
            "ur",
            "bn",
        ),
        _NOT_ONE,
    ),  # fmt: skip
    **dict.fromkeys(("fr", "pt_BR", "fa", "tl", "fil", "oc", "br"), _MORE_THAN_ONE),
    **dict.fromkeys(("ru", "uk", "be", "sr", "hr", "bs"), _EAST_SLAVIC),
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
    "sk": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "lt": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
        "n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);"
    ),
    "ro": "nplurals=3; plural=n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2;",
    "ga": "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
    "ar": (
        "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
        "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;"
    ),
}
# Where two rules are compared: every count up to a thousand, and a few large ones.
_SAMPLES = (*range(1001), 1_000_000, 1_000_001, 2_000_000, 10_000_000)


def _parts(rule: str) -> tuple[int, str]:
    fields = dict(
        part.strip().split("=", 1) for part in rule.strip().rstrip(";").split(";") if "=" in part
    )
    return int(fields["nplurals"].strip()), fields["plural"].strip()


def _behaviour(expression: str) -> tuple[int, ...] | None:
    """The form the expression picks for each sample count, or None if it is not valid."""
    try:
        choose: Callable[[int], int] = gettext.c2py(expression)
        return tuple(choose(n) for n in _SAMPLES)
    except (ValueError, SyntaxError, ZeroDivisionError, RecursionError):
        return None


def accepted_rules(locale: str) -> dict[str, str]:
    """The rules a catalog of this locale may carry, by who defines them."""
    rules = {"CLDR": get_plural(locale).plural_forms}
    language = locale.split("_")[0]
    conventional = GETTEXT_RULES.get(locale) or GETTEXT_RULES.get(language)
    if conventional is not None:
        rules["gettext"] = conventional
    return rules


def rule_problem(locale: str, nplurals: int, expression: str) -> str | None:
    """Why a catalog's Plural-Forms is wrong for its locale, or None if it is CLDR's or
    gettext's rule for it (written in any spacing or bracketing)."""
    behaviour = _behaviour(expression)
    if behaviour is None:
        return f"Plural-Forms expression is not valid: {expression!r}"
    rules = accepted_rules(locale)
    for rule in rules.values():
        count, reference = _parts(rule)
        if count == nplurals and _behaviour(reference) == behaviour:
            return None
    counts = sorted({_parts(rule)[0] for rule in rules.values()})
    if nplurals not in counts:
        shown = " or ".join(str(c) for c in counts)
        return f"Plural-Forms says nplurals={nplurals}; {locale} has {shown}"
    named = "; ".join(f"{who}: {rule}" for who, rule in rules.items())
    return f"Plural-Forms picks the wrong form for {locale} (expected {named})"


def repaired(locale: str) -> str:
    """The rule `consentgen update` writes in place of one that is wrong: CLDR's."""
    return accepted_rules(locale)["CLDR"]
