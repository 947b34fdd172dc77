"""Reading judged sets: good lines parse, bad lines name the file and line."""

from __future__ import annotations

import json

import pytest

from search.evaluation.judged_set import JudgedSetError, read_judged_set, split_for


def write(tmp_path, *lines: str):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lists_and_graded_objects_both_parse(tmp_path):
    path = write(
        tmp_path,
        json.dumps({"qid": "a", "text": "광합성", "relevant": ["k1", "k2"]}),
        "",
        json.dumps({"qid": "b", "text": "x", "relevant": {"k1": 2}, "category": "kw",
                    "split": "dev"}),
    )  # fmt: skip
    first, second = read_judged_set(path=path)
    assert first.relevant == {"k1": 1, "k2": 1} and first.category == "uncategorised"
    assert first.split == split_for("a")
    assert second.relevant == {"k1": 2} and second.split == "dev"
    assert first.languages == ()
    (third,) = read_judged_set(path=write(tmp_path, json.dumps(
        {"qid": "c", "text": "무선", "relevant": ["k"], "languages": ["en"]}
    )))  # fmt: skip
    assert third.languages == ("en",)


def test_the_held_out_half_is_fixed_by_the_qid_and_about_half():
    splits = [split_for(f"q{n}") for n in range(400)]
    assert splits == [split_for(f"q{n}") for n in range(400)]
    assert 150 < splits.count("heldout") < 250


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"set\.jsonl:1: not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"text": "x", "relevant": ["k"]}', "`qid` must be"),
        ('{"qid": "a", "relevant": ["k"]}', "needs `text`, `image` or both"),
        ('{"qid": "a", "text": "x", "relevant": []}', "`relevant` must be"),
        ('{"qid": "a", "text": "x", "relevant": {"k": 0}}', "whole number ≥ 1"),
        ('{"qid": "a", "text": "x", "relevant": ["k"], "split": "test"}', "`split`"),
        ('{"qid": "a", "image": "nope.png", "relevant": ["k"]}', "does not exist"),
        (
            '{"qid": "a", "text": "x", "relevant": ["k"], "languages": "en"}',
            "`languages`",
        ),
        ('{"qid": "a", "text": "x", "relevant": ["k"], "languages": ["fr"]}', "ko"),
    ],
)
def test_bad_lines_are_clear_errors(tmp_path, line, message):
    with pytest.raises(JudgedSetError, match=message):
        read_judged_set(path=write(tmp_path, line))


def test_missing_files_and_duplicate_qids(tmp_path):
    with pytest.raises(JudgedSetError, match="no such judged set"):
        read_judged_set(path=tmp_path / "missing.jsonl")
    row = json.dumps({"qid": "a", "text": "x", "relevant": ["k"]})
    with pytest.raises(JudgedSetError, match=r"set\.jsonl:2: duplicate qid"):
        read_judged_set(path=write(tmp_path, row, row))
