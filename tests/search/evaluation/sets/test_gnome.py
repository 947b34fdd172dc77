"""GNOME Help Mallard pages → documents whose <desc> is their own query."""

from __future__ import annotations

from search.evaluation.sets.gnome import build_gnome_set

PAGE = """<?xml version="1.0" encoding="utf-8"?>
<page xmlns="http://projectmallard.org/1.0/" type="topic" id="{id}">
  <info><desc>{desc}</desc><credit><name>작성자</name></credit></info>
  <title>{title}</title>
  <p>{body}</p>
</page>"""


def write(root, language, page_id, title, desc, body):
    folder = root / "usr/share/help" / language / "gnome-help"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{page_id}.page").write_text(
        PAGE.format(id=page_id, title=title, desc=desc, body=body), encoding="utf-8"
    )


def test_desc_is_the_query_and_neither_desc_nor_title_is_in_the_body(tmp_path):
    write(tmp_path, "ko", "net-wireless", "무선 연결", "인터넷에 무선으로 연결합니다.",
          "시스템 메뉴를 엽니다.")  # fmt: skip
    write(tmp_path, "ko", "broken", "", "", "")
    built = build_gnome_set(root=tmp_path, language="ko", name="gk")
    [document] = built.documents
    assert document.key == "gk/net-wireless" and document.title == "무선 연결"
    assert document.body == "시스템 메뉴를 엽니다."  # no desc, title or credits
    assert built.queries == [{
        "qid": "gk:net-wireless", "text": "인터넷에 무선으로 연결합니다.",
        "relevant": ["gk/net-wireless"], "category": "paraphrase",
    }]  # fmt: skip


def test_english_set_adds_korean_descs_as_cross_lingual_queries(tmp_path):
    write(
        tmp_path, "C", "net-wireless", "Connect", "Get online wirelessly.", "Open it."
    )
    write(
        tmp_path, "ko", "net-wireless", "무선 연결", "무선으로 연결합니다.", "엽니다."
    )
    write(tmp_path, "ko", "ko-only", "한국어", "한국어 페이지.", "본문.")
    built = build_gnome_set(root=tmp_path, language="en", name="ge")
    by_category = {q["category"]: q for q in built.queries}
    assert by_category["paraphrase"]["text"] == "Get online wirelessly."
    cross = by_category["cross-lingual"]
    assert cross["text"] == "무선으로 연결합니다." and cross["relevant"] == [
        "ge/net-wireless"
    ]
    assert cross["languages"] == ["en"]  # the English page, not its Korean twin
    assert len(built.queries) == 2  # a Korean page without an English one is skipped
