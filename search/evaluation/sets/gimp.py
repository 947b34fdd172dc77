"""The GIMP manual (gimp-help-<lang>): HTML pages as documents; the back-of-book index
(`gimp-help-index.html`) as keyword queries, each term judged relevant to the pages it
points at. Sub-entries ("강좌" › "직선 그리기") become "강좌 직선 그리기"."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from search.evaluation.sets.corpus import BuiltSet, SourceDocument

HANGUL = re.compile(r"[가-힣]")
SKIPPED_DIVS = {"navheader", "navfooter"}  # previous/next links on every page
INDEX_PAGE = "gimp-help-index.html"


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.parts: list[str] = []
        self._skip = 0  # depth inside skipped elements
        self._in_title = False

    def handle_starttag(self, tag, attrs) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._skip:
            if tag == "div":
                self._skip += 1
        elif tag in ("script", "style") or (
            tag == "div" and SKIPPED_DIVS & set(classes)
        ):
            self._skip = 1
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag) -> None:
        if self._skip and tag in ("div", "script", "style"):
            self._skip -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def read_page(path: Path) -> tuple[str, str]:
    parser = _PageText()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    body = " ".join(" ".join(parser.parts).split())
    return " ".join(parser.title.split()), body


class _IndexTerms(HTMLParser):
    """`<dt>term, <a href=page>…</a>…</dt>`, nested `<dd><dl>` for sub-entries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[tuple[str, set[str]]] = []
        self._stack: list[str] = []  # terms of enclosing entries
        self._term: list[str] | None = None
        self._pages: set[str] = set()
        self._in_link = False
        self._last_term = ""

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "dt":
            self._term, self._pages = [], set()
        elif tag == "a" and self._term is not None:
            href = dict(attrs).get("href") or ""
            if href:
                self._pages.add(href.split("#")[0])
                self._in_link = True
        elif tag == "dl" and self._last_term:
            self._stack.append(self._last_term)

    def handle_endtag(self, tag) -> None:
        if tag == "a":
            self._in_link = False
        elif tag == "dt" and self._term is not None:
            term = " ".join("".join(self._term).split()).rstrip(", ")
            self._last_term = term
            if term and self._pages:
                self.entries.append((" ".join([*self._stack[-1:], term]), self._pages))
            self._term = None
        elif tag == "dd" and self._stack:
            self._stack.pop()
            self._last_term = ""

    def handle_data(self, data) -> None:
        if self._term is not None and not self._in_link:
            self._term.append(data)


def build_gimp_set(*, root: Path, language: str, name: str) -> BuiltSet:
    manual = root / "usr/share/gimp/2.0/help" / language
    if not (manual / INDEX_PAGE).is_file():
        raise FileNotFoundError(f"{manual / INDEX_PAGE} is missing from the package.")
    built = BuiltSet(name=name)
    for path in sorted(manual.glob("*.html")):
        if path.name == INDEX_PAGE:
            continue  # the queries come from it; as a document it would match them all
        title, body = read_page(path)
        built.documents.append(SourceDocument(
            key=f"{name}/{path.name}", title=title or path.stem, body=body,
            language=language,
        ))  # fmt: skip
    pages = {d.key for d in built.documents}
    parser = _IndexTerms()
    parser.feed((manual / INDEX_PAGE).read_text(encoding="utf-8"))
    merged: dict[str, set[str]] = {}
    for term, targets in parser.entries:
        # In the Korean manual, untranslated English terms duplicate the English set.
        if language == "ko" and not HANGUL.search(term):
            continue
        keys = {f"{name}/{t}" for t in targets} & pages
        if keys:
            merged.setdefault(term, set()).update(keys)
    for term, keys in merged.items():
        built.queries.append({
            "qid": f"{name}:{term}", "text": term, "relevant": sorted(keys),
            "category": "keyword",
        })  # fmt: skip
    return built
