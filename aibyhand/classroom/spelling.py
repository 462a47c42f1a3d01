"""What a box may hold: the one reading of a typed box, shared by ``check`` and the page.

A box is read in two moves. First it is tidied:

- whitespace at either end (any Unicode space, NBSP included) is dropped;
- the byte-order mark U+FEFF, the zero-width characters U+200B U+200C U+200D U+2060 and
  the bidirectional controls U+200E U+200F U+202A-U+202E U+2066-U+2069 are dropped
  wherever they are;
- NFKC: full-width and other compatibility forms read as ASCII ("５" is 5, "／" is /);
- U+2212 (minus), U+2010, U+2011, U+2012, U+2013 (en dash) and U+FE63 read as "-";
- spaces next to "/" or right after a sign are dropped ("1 / 3", "- 0.25").

Then it is blank, a number (``-0.25``, ``.5``, ``+2``, ``3``, ``5.``), a fraction of two
numbers (``3/13``, ``-1/3``, ``1.5/2``), or, in a box that takes words (the next word),
one of them in any case. Anything else cannot be read, for one of the reasons in
:data:`REASONS`. A part (the whole part or the decimals, above or below "/") has at most
12 digits.

:func:`read` does this and nothing else; the page's script (``page.js``, ``spell``)
applies the same rules with the same reasons, and ``tests/spellings.toml`` holds both to
one list of cases.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from . import given
from .worksheet import WorksheetError

__all__ = ["read", "value", "Unreadable", "REASONS", "DIGITS"]

DIGITS = 12   # at most this many digits in a part
REASONS = {
    "comma": "a decimal comma? write 0.25 with a point",
    "percent": "a percent sign? write the number itself, 0.25 for 25%",
    "digits": "write the digits 0-9",
    "zero": "a fraction over 0",
    "long": f"more than {DIGITS} digits",
    "other": "not a number: write a number like -0.25 or a fraction like 3/13",
}

SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # Unicode White_Space
INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MINUS = re.compile("[\u2212\u2010\u2011\u2012\u2013\ufe63]")
ENDS = re.compile(f"^[{SPACE}]+|[{SPACE}]+$")
SLASH = re.compile(f"[{SPACE}]*/[{SPACE}]*")
AFTER_SIGN = re.compile(f"(^|/)([+-])[{SPACE}]+")
PART = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
NUMBER = re.compile(f"({PART})(?:/({PART}))?")
COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")


class Unreadable(WorksheetError):
    """A box that cannot be read; ``reason`` is one of :data:`REASONS`' texts."""

    def __init__(self, reason: str, message: str | None = None):
        super().__init__(message or reason)
        self.reason = reason


def tidy(raw: str) -> str:
    """The first move: ends trimmed, invisible characters dropped, NFKC, one minus sign,
    no spaces beside "/" or after a sign."""
    raw = given.text("raw", raw)
    text = unicodedata.normalize("NFKC", INVISIBLE.sub("", raw))
    text = ENDS.sub("", MINUS.sub("-", text))
    return AFTER_SIGN.sub(r"\1\2", SLASH.sub("/", text))


def read(raw: str, words=()) -> str:
    """A typed box as the ASCII text to parse: ``""`` (blank), a number or fraction
    (``"-0.25"``, ``"3/13"``), or the one of ``words`` it names, as ``words`` spells it.
    Raises :class:`Unreadable` with the reason otherwise."""
    raw, words = given.text("raw", raw), given.words("words", words)
    text = tidy(raw)
    if text == "":
        return ""
    lower = [w.lower() for w in words]
    if text.lower() in lower:
        return words[lower.index(text.lower())]
    m = NUMBER.fullmatch(text)
    if m:
        if any(len(run) > DIGITS for run in re.findall("[0-9]+", text)):
            raise Unreadable(REASONS["long"])
        if m[2] is not None and Fraction(m[2]) == 0:
            raise Unreadable(REASONS["zero"])
        return text
    if text.endswith("%"):
        raise Unreadable(REASONS["percent"])
    if COMMA.fullmatch(text):
        raise Unreadable(REASONS["comma"])
    if any(unicodedata.category(ch) == "Nd" and not "0" <= ch <= "9" for ch in text):
        raise Unreadable(REASONS["digits"])
    raise Unreadable(REASONS["other"] + (f", or one of the words {', '.join(words)}" if words else ""))


def value(text: str, words=()) -> float:
    """What :func:`read`'s text stands for: NaN for blank, a word's index, else the
    number (a fraction divided exactly, then rounded once)."""
    text, words = given.text("text", text), given.words("words", words)
    if text == "":
        return float("nan")
    if text in words:
        return float(words.index(text))
    if not NUMBER.fullmatch(text) or (text.partition("/")[2] and Fraction(text.partition("/")[2]) == 0):
        raise ValueError(f"text: expected what read() gives (blank, a number like -0.25, a "
                         f"fraction like 3/13{' or one of the words' if words else ''}), "
                         f"got {given._short(text)}")
    top, _, bottom = text.partition("/")
    return float(Fraction(top) / Fraction(bottom)) if bottom else float(Fraction(top))
