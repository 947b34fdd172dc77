"""GIMP manual pages and index terms → documents and keyword queries."""

from __future__ import annotations

from search.evaluation.sets.gimp import build_gimp_set

INDEX = """<html><body><dl>
<dt>Layers, <a class="indexterm" href="layers.html#x">Layers</a></dt>
<dt>강좌, <a class="indexterm" href="tutorial.html">자주 하는 편집</a>,
  <a class="indexterm" href="layers.html">레이어</a></dt>
<dd><dl><dt>직선 그리기, <a class="indexterm" href="lines.html">직선</a></dt></dl></dd>
<dt>격자</dt>
<dd><dl><dt>개요, <a class="indexterm" href="missing.html">x</a></dt></dl></dd>
<dt>레이어, <a class="indexterm" href="layers.html">레이어</a></dt>
</dl></body></html>"""

PAGE = """<html><head><title>레이어 대화상자</title><style>p {{}}</style></head><body>
<div class="navheader"><a href="prev.html">이전</a> 다음</div>
<div class="sect1"><h2>레이어</h2><p>레이어는 <b>투명한</b> 종이와 같습니다.</p></div>
<div class="navfooter"><div>위로</div> 차례</div></body></html>"""


def make_manual(tmp_path):
    manual = tmp_path / "usr/share/gimp/2.0/help/ko"
    manual.mkdir(parents=True)
    (manual / "gimp-help-index.html").write_text(INDEX, encoding="utf-8")
    for name in ("layers.html", "tutorial.html", "lines.html"):
        (manual / name).write_text(PAGE, encoding="utf-8")
    return tmp_path


def test_pages_lose_navigation_and_keep_their_text(tmp_path):
    built = build_gimp_set(root=make_manual(tmp_path), language="ko", name="g")
    keys = [d.key for d in built.documents]
    assert keys == ["g/layers.html", "g/lines.html", "g/tutorial.html"]  # no index page
    page = built.documents[0]
    assert page.title == "레이어 대화상자" and page.language == "ko"
    assert page.body == "레이어 레이어는 투명한 종이와 같습니다."


def test_index_terms_point_at_their_pages_with_parents_prefixed(tmp_path):
    built = build_gimp_set(root=make_manual(tmp_path), language="ko", name="g")
    queries = {q["text"]: q["relevant"] for q in built.queries}
    # English terms in the Korean manual are left to the English set; links to pages
    # that do not exist and entries without links are dropped.
    assert queries == {
        "강좌": ["g/layers.html", "g/tutorial.html"],
        "강좌 직선 그리기": ["g/lines.html"],
        "레이어": ["g/layers.html"],
    }
    assert {q["category"] for q in built.queries} == {"keyword"}
