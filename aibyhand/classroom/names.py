"""A student's name as a file name (:func:`slug`) and as text to print (:func:`shown`).

The rules are shared with the web page's script, which mirrors :func:`slug` so that the
page saves ``answers-{worksheet}-{slug}.toml`` under the same name the class set gives.

- :func:`slug`: NFC; lowercase; keep every character whose Unicode category starts with
  L, M or N (letters, marks, digits of every script); each run of anything else becomes
  one ``-``; strip ``-`` at the ends; at most :data:`SLUG_LENGTH` characters; an empty
  result is ``student``. If the NFC name is not exactly the slug with ``-`` read as a
  space (case, punctuation or spacing was lost), ``-`` and 8 lowercase hex digits of
  FNV-1a 32-bit over the NFC name's UTF-8 bytes are appended, so names that differ only
  there still get different files: ``"李明"`` is ``李明``, ``"ana lee"`` is
  ``ana-lee``, ``"Ana María"`` is ``ana-maría-`` and 8 hex digits, and ``"José Núñez"``
  and ``"Jose Nunez"`` differ.
- :func:`shown`: every character of category Cc, Cf, Zl or Zp (line breaks, bidirectional
  overrides, zero-width characters) as ``<U+202E>``-style text, so a name can never
  reverse or break the line it is printed on. Every name printed to a terminal, a CSV
  file or a plot goes through it.
- :func:`drawable` and :func:`fonts`: for a plot or a sheet, the name with what no
  installed font draws as ``?``, and the fonts that draw the rest (CJK, Arabic,
  Devanagari ... where a font for them is installed).
"""

from __future__ import annotations

import unicodedata

from . import given

__all__ = ["slug", "shown", "fnv1a", "drawable", "fonts"]

SLUG_LENGTH = 40
HIDDEN = ("Cc", "Cf", "Zl", "Zp")   # categories that are never printed as they are


def fnv1a(data: bytes) -> int:
    """FNV-1a, 32 bits."""
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def slug(name: str) -> str:
    """The name as it goes into a file name (see the module docstring)."""
    name = given.text("name", name)
    nfc = unicodedata.normalize("NFC", name)
    out, gap = [], False
    for ch in nfc.lower():
        if unicodedata.category(ch)[0] in "LMN":
            if gap and out:
                out.append("-")
            out.append(ch)
            gap = False
        else:
            gap = True
    text = "".join(out)[:SLUG_LENGTH] or "student"
    if nfc != text.replace("-", " "):
        text += f"-{fnv1a(nfc.encode('utf-8')):08x}"
    return text


def shown(name: str) -> str:
    """The name with every control, format or line-separator character written as
    ``<U+XXXX>``: safe to print on one line of a terminal, a CSV file or a plot."""
    name = given.text("name", name)
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in HIDDEN else ch
                   for ch in name)


# -- drawing a name (matplotlib) ------------------------------------------------------

FONTS = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans Arabic",
         "Noto Sans Devanagari", "WenQuanYi Zen Hei", "Droid Sans Fallback", "Arial Unicode MS",
         "Microsoft YaHei", "PingFang SC", "Hiragino Sans", "Apple SD Gothic Neo", "Malgun Gothic",
         "Nirmala UI")


def drawable(text: str) -> str:
    """``text`` with every character no installed font of :data:`FONTS` can draw as
    ``?`` (a plot or a sheet would show an empty box for it). Uses matplotlib."""
    text = given.text("text", text)
    fonts = _glyph_fonts()
    return "".join(ch if ch.isascii() or any(f.get_char_index(ord(ch)) for f in fonts) else "?"
                   for ch in text)


def fonts() -> list[str]:
    """The fonts of :data:`FONTS` installed here, in order: matplotlib takes each
    character from the first that has it."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in FONTS if f in installed] or ["DejaVu Sans"]


_GLYPH_FONTS: list = []


def _glyph_fonts() -> list:
    if not _GLYPH_FONTS:
        from matplotlib import font_manager
        from matplotlib.ft2font import FT2Font

        paths = [font_manager.findfont(font_manager.FontProperties(family=f)) for f in fonts()]
        _GLYPH_FONTS.extend(FT2Font(p) for p in dict.fromkeys(paths))
    return _GLYPH_FONTS
