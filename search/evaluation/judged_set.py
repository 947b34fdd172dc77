"""Judged query sets: JSONL, one query a line, relevant items named by `metadata["key"]`.

    {"qid": "gnome-ko:net-wireless-connect", "text": "인터넷에 연결합니다 — 무선으로.",
     "relevant": {"gnome-help-ko/net-wireless-connect": 2}, "category": "paraphrase"}

`relevant` is a list of keys (grade 1 each) or an object key → grade (> 0). `image` is a
path, relative to the set file. `split` is optional: when absent it is derived from a hash
of the qid, so the held-out half is fixed by the data, not by whoever runs the tuning loop.
`languages` (optional) filters the search as the language filter does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from items.models import Language

SPLITS = ("dev", "heldout")
LANGUAGES = frozenset(Language.values)


class JudgedSetError(ValueError):
    """The judged set cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class JudgedQuery:
    qid: str
    text: str
    image: Path | None
    relevant: dict[str, int]  # item key → grade (≥ 1)
    category: str
    split: str
    # A language filter, as a user would set it: a Korean question asking for English
    # pages ("cross-lingual") means nothing where the Korean page is also searchable.
    languages: tuple[str, ...] = ()


def split_for(qid: str) -> str:
    """`heldout` for half of all qids, chosen by SHA-256 so it never changes between runs."""
    return SPLITS[hashlib.sha256(qid.encode()).digest()[0] % 2]


def read_judged_set(*, path: Path) -> list[JudgedQuery]:
    if not path.is_file():
        raise JudgedSetError(f"{path}: no such judged set file.")
    queries: list[JudgedQuery] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            query = _parse_line(line, where=f"{path}:{number}", base=path.parent)
            if query.qid in seen:
                raise JudgedSetError(f"{path}:{number}: duplicate qid {query.qid!r}.")
            seen.add(query.qid)
            queries.append(query)
    if not queries:
        raise JudgedSetError(f"{path}: the judged set has no queries.")
    return queries


def _parse_line(line: str, *, where: str, base: Path) -> JudgedQuery:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise JudgedSetError(f"{where}: not valid JSON ({exc.msg}).") from exc
    if not isinstance(row, dict):
        raise JudgedSetError(f"{where}: each line must be a JSON object.")
    qid = row.get("qid")
    if not isinstance(qid, str) or not qid:
        raise JudgedSetError(f"{where}: `qid` must be a non-empty string.")
    text = row.get("text") or ""
    image = row.get("image")
    if not isinstance(text, str) or (image is not None and not isinstance(image, str)):
        raise JudgedSetError(f"{where}: `text` and `image` must be strings.")
    if not text.strip() and not image:
        raise JudgedSetError(f"{where}: a query needs `text`, `image` or both.")
    image_path = (base / image) if image else None
    if image_path is not None and not image_path.is_file():
        raise JudgedSetError(f"{where}: image {image_path} does not exist.")
    relevant = _relevant(row.get("relevant"), where=where)
    split = row.get("split") or split_for(qid)
    if split not in SPLITS:
        raise JudgedSetError(f"{where}: `split` must be one of {', '.join(SPLITS)}.")
    category = row.get("category") or "uncategorised"
    if not isinstance(category, str):
        raise JudgedSetError(f"{where}: `category` must be a string.")
    languages = row.get("languages") or []
    if not isinstance(languages, list) or not all(
        isinstance(code, str) and code in LANGUAGES for code in languages
    ):
        raise JudgedSetError(
            f"{where}: `languages` must be a list of language codes "
            f"({', '.join(sorted(LANGUAGES))})."
        )
    return JudgedQuery(
        qid=qid, text=text, image=image_path, relevant=relevant,
        category=category, split=split, languages=tuple(languages),
    )  # fmt: skip


def _relevant(value, *, where: str) -> dict[str, int]:
    if isinstance(value, list):
        value = {key: 1 for key in value}
    if not isinstance(value, dict) or not value:
        raise JudgedSetError(
            f"{where}: `relevant` must be a non-empty list of item keys or an "
            "object of key → grade."
        )
    for key, grade in value.items():
        if not isinstance(key, str) or not key:
            raise JudgedSetError(f"{where}: item keys must be non-empty strings.")
        if not isinstance(grade, int) or isinstance(grade, bool) or grade < 1:
            raise JudgedSetError(
                f"{where}: the grade of {key!r} must be a whole number ≥ 1."
            )
    return dict(value)
