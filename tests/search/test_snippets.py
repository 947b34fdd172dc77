"""Snippets: an excerpt around the first match, cut at word boundaries, escaped."""

from __future__ import annotations

from search.snippets import snippet

NOTES = " ".join(f"Line {n} of the general pump notes says nothing." for n in range(6))


def test_an_excerpt_starts_and_ends_on_whole_words():
    text = f"{NOTES} Replace the impeller gasket every spring. {NOTES}"
    excerpt = snippet(text, ["impeller"])
    assert excerpt.startswith("…") and excerpt.endswith("…")
    inner = excerpt.strip("…")
    assert f" {inner.split()[0]} " in f" {text} "  # the first word is a whole word
    assert f" {inner.split()[-1]} " in f" {text} "
    assert "<mark>impeller</mark>" in excerpt


def test_text_without_spaces_is_cut_where_it_must_and_markup_is_escaped():
    text = "가" * 300 + "<b>비커</b>" + "나" * 300
    excerpt = snippet(text, ["비커"])
    assert "&lt;b&gt;<mark>비커</mark>&lt;/b&gt;" in excerpt
    assert len(excerpt.strip("…")) < 300


def test_a_match_deep_in_a_long_text_is_found_and_the_cut_is_marked():
    text = (
        "앞부분 내용입니다.\n\n" * 30_000
        + "Replace the   impeller\ngasket."
        + " 끝." * 100
    )
    excerpt = snippet(text, ["impeller"])
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert (
        "Replace the <mark>impeller</mark> gasket." in excerpt
    )  # whitespace collapsed


def test_without_a_match_the_start_of_the_text_is_shown():
    assert snippet("Short   text\nhere.", ["absent"]) == "Short text here."
    long = snippet("word " * 1000, ["absent"])
    assert long.endswith("…") and len(long) == 241
