"""A student's name as a file name and as printed text (names.py, mirrored by the page)."""

import unicodedata

import pytest

from aibyhand.classroom import names


def test_fnv1a_32_gives_the_published_test_vectors():
    assert names.fnv1a(b"") == 0x811C9DC5
    assert names.fnv1a(b"a") == 0xE40C292C
    assert names.fnv1a(b"foobar") == 0xBF9CF968


@pytest.mark.parametrize("name, slug", [
    ("李明", "李明"),
    ("ana lee", "ana-lee"),
    ("محمد علي", "محمد-علي"),
    ("ольга", "ольга"),
    ("देवनागरी १२", "देवनागरी-१२"),
])
def test_a_slug_keeps_the_letters_marks_and_digits_of_every_script(name, slug):
    assert names.slug(name) == slug


def test_a_slug_that_lost_case_punctuation_or_spacing_carries_the_names_hash():
    h = lambda s: f"{names.fnv1a(unicodedata.normalize('NFC', s).encode()):08x}"  # noqa: E731
    assert names.slug("Ana María") == "ana-maría-" + h("Ana María")
    assert names.slug("ana  lee") == "ana-lee-" + h("ana  lee")
    assert names.slug("o'neil") == "o-neil-" + h("o'neil")
    assert names.slug(" ana lee") == "ana-lee-" + h(" ana lee")
    assert names.slug("") == "student-" + h("")
    assert names.slug("!!!") == "student-" + h("!!!")
    assert names.slug("student") == "student"


def test_names_that_differ_only_by_accents_case_or_spacing_get_different_slugs():
    group = ["José Núñez", "Jose Nunez", "josé núñez", "jose nunez", "José  Núñez", "Jose-Nunez"]
    assert len({names.slug(n) for n in group}) == len(group)


def test_a_slug_reads_the_name_in_nfc():
    nfd = unicodedata.normalize("NFD", "josé núñez")
    assert nfd != "josé núñez" and names.slug(nfd) == names.slug("josé núñez")
    assert names.slug("josé núñez") == "josé-núñez"


def test_a_slug_is_at_most_40_characters_before_its_hash():
    long = "a" * 50
    assert names.slug(long) == "a" * 40 + f"-{names.fnv1a(long.encode()):08x}"
    assert names.slug("b" * 40) == "b" * 40
    assert names.slug("a" * 41) != names.slug("a" * 42)


def test_nothing_outside_letters_marks_digits_and_hyphens_reaches_a_file_name():
    for name in ("../../etc/passwd", "a\u202eb", "x\ny", "nul\x00", "C:\\dos", "a/b"):
        s = names.slug(name)
        assert all(unicodedata.category(ch)[0] in "LMN" or ch == "-" for ch in s), (name, s)


@pytest.mark.parametrize("raw, printed", [
    ("Ana\u202eLee", "Ana<U+202E>Lee"),
    ("a\u200bb", "a<U+200B>b"),
    ("two\nlines", "two<U+000A>lines"),
    ("x\u2028y\u2029z", "x<U+2028>y<U+2029>z"),
    ("\u2066iso\u2069", "<U+2066>iso<U+2069>"),
    ("Ana Lee 李明 محمد", "Ana Lee 李明 محمد"),
    ("bom\ufeff", "bom<U+FEFF>"),
])
def test_a_name_is_shown_with_every_control_format_and_separator_character_spelled_out(raw, printed):
    assert names.shown(raw) == printed
