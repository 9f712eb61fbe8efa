"""What a format knows per line reaches the speech: joins in the cleaner, headings, pages of chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunker import chunk_document
from index.clean import clean_text
from index.document import ParsedDocument, Speech
from index.provenance import LineMap, format_pages, pages_between
from index.structure import build_outline

BODY = "要坚持以人民为中心的发展思想，把各项工作落到实处。"


def test_known_joins_override_the_text_rules() -> None:
    raw = "第一行没有标点\n第二行。\n完整的一句。\n接着说\n一、标题"
    guessed = [p.text for p in clean_text(raw).paragraphs]
    assert guessed == ["第一行没有标点", "第二行。", "完整的一句。", "接着说", "一、标题"]
    known = clean_text(raw, [True, False, True, True, None]).paragraphs
    # a join after 。 is honoured, one into a 一、 heading is not
    assert [p.text for p in known] == ["第一行没有标点第二行。", "完整的一句。接着说", "一、标题"]
    assert [p.origins for p in known] == [((0, 0), (7, 1)), ((0, 2), (6, 3)), ((0, 4),)]


def test_origins_skip_dropped_lines_and_map_pages() -> None:
    raw = "第一段开头，\nhttp://example.com/a.html\n接着第一段。\n第二段。"
    paras = clean_text(raw).paragraphs
    assert [p.text for p in paras] == ["第一段开头，接着第一段。", "第二段。"]
    lines = LineMap.build([p.text for p in paras], [p.origins for p in paras])
    pages = [1, 1, 2, 3]
    text = "\n".join(p.text for p in paras)
    marks = lines.page_marks(pages)
    assert pages_between(marks, 0, 3) == (1,)
    assert pages_between(marks, 0, text.index("第二段")) == (1, 2)
    assert pages_between(marks, text.index("第二段"), len(text)) == (3,)
    assert lines.page_marks([]) == () and pages_between((), 0, len(text)) == ()  # not paged
    # chunks cut later (the indexer's step) get their pages from the speech's marks
    doc = ParsedDocument(Path("x.pdf"), "pdf", [Speech("t", None, text, page_marks=marks)])
    (speech,) = chunk_document(doc, chunk_size=20, chunk_overlap=0).speeches
    assert [c.pages for c in speech.chunks] == [pages_between(marks, c.start, c.end) for c in speech.chunks]
    assert speech.chunks[0].pages[0] == 1 and speech.chunks[-1].pages[-1] == 3


def test_explicit_headings_keep_kinds_and_add_unnumbered_levels() -> None:
    text = "\n".join(["总体要求", BODY, "一、抓基层", BODY, "具体措施", BODY, "二、打基础", BODY])
    starts = [i for i, _ in enumerate(text) if i == 0 or text[i - 1] == "\n"]
    assert [s.title for s in build_outline(text)] == ["一、抓基层", "二、打基础"]
    explicit = [(starts[0], 0), (starts[2], 0), (starts[4], 1), (starts[6], 0)]
    roots = build_outline(text, explicit)
    assert [(s.title, s.level, [c.title for c in s.children]) for s in roots] == [
        ("总体要求", 0, []), ("一、抓基层", 0, ["具体措施"]), ("二、打基础", 0, [])]


def test_a_lone_styled_heading_is_accepted() -> None:
    text = "\n".join(["一、唯一的标题", BODY])
    assert build_outline(text) == []
    assert [s.title for s in build_outline(text, [(0, 0)])] == ["一、唯一的标题"]


def test_format_pages() -> None:
    assert [format_pages(p) for p in [(), (3,), (3, 4, 5), (3, 5)]] == ["", "p. 3", "pp. 3–5", "pp. 3, 5"]


def test_pages_reach_the_citation_the_json_and_the_card() -> None:
    from qa.types import Hit
    from tui.widgets.citation_card import card_content

    hit = Hit(rank=1, score=0.9, chunk_id=7, doc_path="/x/讲话.pdf", title="在全区会议上的讲话", date="2021-05-21",
              section=("一、抓好党建",), text=BODY, start=0, end=len(BODY), pages=(3, 4))
    assert hit.citation() == "在全区会议上的讲话 (2021-05-21) › 一、抓好党建 · pp. 3–4"
    data = hit.to_dict()
    assert data["pages"] == [3, 4] and Hit.from_dict(data) == hit
    assert "pp. 3–4" in card_content(hit).plain
    plain = Hit(**{**data, "pages": ()})
    assert "p." not in plain.citation() and Hit.from_dict({k: v for k, v in data.items() if k != "pages"}).pages == ()


@pytest.mark.parametrize("kept", [True, False])
def test_an_older_index_keeps_its_pages_through_the_upgrade(tmp_path: Path, kept: bool) -> None:
    """A schema-2 index with page numbers keeps them when upgraded; one from before pages reads ()."""
    import shutil

    from _index_fakes import FakeEncoder
    from _old_index import write_old_index

    from index.indexer import Indexer
    from index.stores.local import LocalStore as IndexStore
    from qa.settings import Settings

    pdf = Path(__file__).resolve().parents[1] / "data" / "formats" / "001_2db0e6606ab9e04e.pdf"
    settings = Settings(data_dir=tmp_path / "data")
    indexer = Indexer(settings.index_config, lambda s, n: FakeEncoder(), fingerprint=lambda s: "fp")
    indexer.build([pdf])
    store = IndexStore.open(settings.index_path)
    records = list(store.records())
    store.close()
    assert records and all(c.pages for d in records for c in d.chunks)
    shutil.rmtree(settings.index_path)
    write_old_index(settings.index_path, records, pages=kept)
    IndexStore.open_for_write(settings.index_path).close()  # what any write does first
    store = IndexStore.open(settings.index_path)
    try:
        rows = store.chunks_by_ids(store.generation.lexical.ids.tolist())
        assert len(rows) == sum(len(d.chunks) for d in records)
        if kept:
            assert [r.pages for r in rows] == [c.pages for d in records for c in d.chunks] and rows[0].pages[0] == 1
        else:
            assert all(r.pages == () for r in rows)
    finally:
        store.close()
