"""Segments: writes cost what they add, merges and tombstones keep results exact, IVF segments, kills at every step."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from _index_fakes import FakeEncoder, manifest, record, write_records

from index.filters import load_filter_rows, matching_chunk_ids
from index.lexical import LexicalIndex
from index.stores import merge as merge_module
from index.stores import segments as segments_module
from index.stores.local import LocalStore
from index.types import Filters

ROOT = Path(__file__).resolve().parents[2]
WORDS = ["统一战线", "意识形态", "组织工作", "党风廉政", "乡村振兴", "生态文明", "科技创新", "民生保障", "依法治国", "改革开放"]


def speech(i: int) -> list[str]:
    """Three passages whose words depend on ``i``: documents differ, and share words."""
    return [f"{WORDS[i % 10]}和{WORDS[(i * 3 + j) % 10]}是第{i}篇第{j}段的重点。" for j in range(3)]


def doc(i: int):  # type: ignore[no-untyped-def]
    return record(f"/s/{i:03d}.txt", f"讲话{i}", speech(i), f"20{10 + i % 10}-01-01", [(f"{i % 4}、部分",)] * 3)


def write(path: Path, docs=(), remove=(), replace_all=False) -> LocalStore:  # type: ignore[no-untyped-def]
    write_records(path, *docs, remove=[f"/s/{i:03d}.txt" for i in remove], replace_all=replace_all)
    return LocalStore.open(path)


def files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith(("vectors", "lexical")))


def results(store: LocalStore, queries: list[str]) -> list[list[tuple[int, float]]]:
    out = []
    for q in queries:
        out.append([(cid, round(s, 4)) for cid, s in store.lexical_search(q, 8)])
        out.append([(cid, round(s, 4)) for cid, s in store.dense_search(FakeEncoder().encode_query(q), 8)])
    return out


def texts_of(store: LocalStore, found: list[list[tuple[int, float]]]) -> list[list[tuple[str, float]]]:
    return [[(store.chunks_by_ids([cid])[0].text, s) for cid, s in hits] for hits in found]


def test_an_add_writes_one_segment_and_rewrites_nothing(tmp_path: Path) -> None:
    write(tmp_path, [doc(i) for i in range(5)]).close()
    first = (tmp_path / "vectors.1.faiss").stat()
    store = write(tmp_path, [doc(5)])
    assert files(tmp_path) == ["lexical.1", "lexical.2", "vectors.1.faiss", "vectors.2.faiss"]
    assert (tmp_path / "vectors.1.faiss").stat().st_mtime_ns == first.st_mtime_ns
    assert [len(s) for s in store.generation.segments] == [15, 3] and store.chunk_count() == 18
    store.close()


def test_removal_is_a_tombstone_until_compaction(tmp_path: Path) -> None:
    write(tmp_path, [doc(i) for i in range(4)]).close()
    store = write(tmp_path, remove=[1])
    assert files(tmp_path) == ["lexical.1", "vectors.1.faiss"] and store.chunk_count() == 9
    assert all(r.doc_path != "/s/001.txt" for r in store.chunks_by_ids(
        [cid for cid, _ in store.lexical_search(WORDS[1], 20)]))
    store.close()
    store = write(tmp_path, remove=[2])  # half the rows gone: the segment is rewritten without them
    assert [len(s) for s in store.generation.segments] == [6] and not store.generation.dead
    store.close()


def _same_hits(a: list[list[tuple[str, float]]], b: list[list[tuple[str, float]]], rel: float) -> None:
    """Same scores (within ``rel``) and the same passages above the last score (ties may come in either order)."""
    for x, y in zip(a, b, strict=True):
        assert [s for _, s in x] == pytest.approx([s for _, s in y], rel=rel, abs=1e-4)
        assert {t for t, s in x if s > x[-1][1] * (1 + rel)} == {t for t, s in y if s > y[-1][1] * (1 + rel)}


def test_merged_segments_score_as_one_fresh_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve one-document writes (merged as tiers fill) answer as one build of the twelve; after
    removals, the removed passages are gone and the rest still rank as in a fresh build."""
    monkeypatch.setattr(merge_module, "MERGE_FACTOR", 3)
    grown = tmp_path / "grown"
    for i in range(12):
        write(grown, [doc(i)]).close()
    queries = [f"{WORDS[i]}的重点" for i in range(10)] + ["第3篇", "第7篇第1段"]
    store = LocalStore.open(grown)
    assert len(store.generation.segments) < 6  # merged as tiers filled
    fresh = write(tmp_path / "fresh", [doc(i) for i in range(12)])
    _same_hits(texts_of(store, results(store, queries)), texts_of(fresh, results(fresh, queries)), rel=0.01)  # avgdl drift
    store.close()
    fresh.close()
    store = write(grown, remove=[3, 7])
    fresh = write(tmp_path / "fresh2", [doc(i) for i in range(12) if i not in (3, 7)])
    got, expected = texts_of(store, results(store, queries)), texts_of(fresh, results(fresh, queries))
    assert not [t for hits in got for t, _ in hits if "第3篇" in t or "第7篇" in t]
    _same_hits(got[1::2], expected[1::2], rel=1e-6)  # dense is exact
    for x, y in zip(got[::2], expected[::2], strict=True):  # BM25 counts removed rows in N and df until they
        assert len({t for t, _ in x} & {t for t, _ in y}) >= min(len(x), 6)  # are merged away, as Lucene does
    store.close()
    fresh.close()


def test_filters_agree_with_the_python_rule(tmp_path: Path) -> None:
    store = write(tmp_path, [doc(i) for i in range(12)])
    store = write(tmp_path, [doc(12)], remove=[4])
    rows = load_filter_rows(lambda sql, args: store._query(sql, args))
    for filters in (Filters(doc="讲话1"), Filters(since="2013", until="2016-06"), Filters(section="2、部分"),
                    Filters(doc="005.TXT", section="1、"), Filters(until="2012")):
        assert store.filter_ids(filters) == matching_chunk_ids(rows, filters), filters
        assert store.matching_count(filters) == len(matching_chunk_ids(rows, filters) or ())
        allowed = store.filter_ids(filters) or set()
        assert {cid for cid, _ in store.lexical_search("重点", 50, filters)} <= allowed
        assert {cid for cid, _ in store.dense_search(FakeEncoder().encode_query("重点"), 50, filters)} == allowed
    store.close()


def test_derivable_text_is_not_stored_twice(tmp_path: Path) -> None:
    store = write(tmp_path, [doc(0)])
    assert store._query("SELECT count(*) FROM chunks WHERE text IS NULL AND embed_text IS NULL")[0][0] == 3
    row = store.chunks_by_ids([1])[0]
    assert row.text == speech(0)[0] and row.embed_text == f"讲话0 › 0、部分\n{speech(0)[0]}"
    vectors = store.known_vectors([row.embed_text, "没有这段"])
    assert list(vectors) == [row.embed_text] and np.allclose(vectors[row.embed_text], store.vectors([1])[0])
    store.close()


def test_ivf_segments_search_merge_and_reconstruct(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ANN_MIN_ROWS a segment is approximate; such segments merge from their decoded codes; hits stay right."""
    monkeypatch.setattr(segments_module, "ANN_MIN_ROWS", 30)
    monkeypatch.setattr(merge_module, "ANN_MIN_ROWS", 30)
    monkeypatch.setattr(segments_module, "IVF_LISTS", 4)
    monkeypatch.setattr(merge_module, "MERGE_FACTOR", 2)
    write(tmp_path, [doc(i) for i in range(12)]).close()
    store = write(tmp_path, [doc(i) for i in range(12, 24)], remove=[0])
    kinds = [s.kind for s in store.generation.segments]
    assert kinds == ["ann"] and store.chunk_count() == 69
    for cid in (5, 40, 70):
        row = store.chunks_by_ids([cid])[0]
        assert store.dense_search(FakeEncoder().encode_passages([row.text])[0], 1)[0][0] == cid
        assert float(store.vectors([cid])[0] @ FakeEncoder().encode_passages([row.text])[0]) > 0.99
    store.close()


def _old_ivf(vectors: np.ndarray, template: object | None) -> tuple[str, object]:
    """A segment as versions before the "ann" kind wrote it: IVF with 8-bit codes scanned directly."""
    import faiss

    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], 2,
                                        faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    ivf.train(np.tile(vectors, (40, 1)))
    ivf.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    ivf.make_direct_map(True)
    return "ivf", ivf


def test_old_ivf_segments_are_searched_and_merged_into_approximate_ones(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from index.stores import local_write

    monkeypatch.setattr(segments_module, "ANN_MIN_ROWS", 30)
    monkeypatch.setattr(merge_module, "ANN_MIN_ROWS", 30)
    monkeypatch.setattr(segments_module, "IVF_LISTS", 4)
    monkeypatch.setattr(local_write, "dense_index", _old_ivf)
    store = write(tmp_path, [doc(i) for i in range(12)])
    assert [s.kind for s in store.generation.segments] == ["ivf"]
    text = store.chunks_by_ids([5])[0].text
    assert store.dense_search(FakeEncoder().encode_passages([text])[0], 1)[0][0] == 5
    store.close()
    monkeypatch.undo()
    monkeypatch.setattr(segments_module, "ANN_MIN_ROWS", 30)
    monkeypatch.setattr(merge_module, "ANN_MIN_ROWS", 30)
    monkeypatch.setattr(segments_module, "IVF_LISTS", 4)
    monkeypatch.setattr(merge_module, "MERGE_FACTOR", 2)
    store = write(tmp_path, [doc(i) for i in range(12, 24)], remove=[0])
    assert [s.kind for s in store.generation.segments] == ["ann"] and store.chunk_count() == 69
    for cid in (5, 40, 70):  # rows of the old segment and of the new write find themselves
        vector = FakeEncoder().encode_passages([store.chunks_by_ids([cid])[0].text])[0]
        assert store.dense_search(vector, 1)[0][0] == cid
    store.close()


KILL = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    sys.path[:0] = [{root!r}, {tests!r}]
    from test_store_segments import doc, write
    from index.stores import local_write, merge, segments
    merge.MERGE_FACTOR = 2
    target = {target!r}
    module, name = target.rsplit(".", 1)
    owner = {{"local_write": local_write, "merge": merge, "Segment": segments.Segment}}[module]
    original = getattr(owner, name)
    def die(*args, **kwargs):
        if {after!r}:
            original(*args, **kwargs)
        os._exit(9)
    setattr(owner, name, die)
    write(Path({path!r}), [doc(7)], remove=[1])
""")


@pytest.mark.parametrize(("target", "after"), [
    ("local_write._new_layout", False),  # rows inserted and deleted in SQLite, no file yet
    ("Segment.save", False),  # before the first file of the new segment
    ("Segment.save", True),  # the new (or merged) segment written, before the commit
    ("local_write.merge", False),  # in a merge
    ("local_write._sweep", False),  # committed, before old files are swept
])
def test_a_kill_at_any_step_leaves_a_consistent_index(tmp_path: Path, target: str, after: bool) -> None:
    write(tmp_path, [doc(i) for i in range(3)]).close()
    write(tmp_path, [doc(3)]).close()
    before = write(tmp_path)
    expected = texts_of(before, results(before, ["统一战线的重点"]))
    before.close()
    script = KILL.format(root=str(ROOT), tests=str(Path(__file__).parent), target=target, after=after,
                         path=str(tmp_path))
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 9
    store = LocalStore.open(tmp_path)
    try:
        committed = store.manifest.generation == 4
        docs = set(store.documents())
        assert docs == ({f"/s/{i:03d}.txt" for i in (0, 2, 3, 7)} if committed else {f"/s/{i:03d}.txt" for i in range(4)})
        ids = sorted(r[0] for r in store._query("SELECT id FROM chunks"))
        assert sorted(store.generation.vectors.ids.tolist()) == ids == sorted(store.generation.lexical.ids.tolist())
        if not committed:
            assert texts_of(store, results(store, ["统一战线的重点"])) == expected
        previous = {s.number for s in store.generation.segments}
    finally:
        store.close()
    after_next = write(tmp_path, [doc(9)])  # the next write works and sweeps what the kill left
    live = {s.number for s in after_next.generation.segments}
    after_next.close()
    assert {int(name.split(".")[1]) for name in files(tmp_path)} == live | previous
    assert not [n for n in files(tmp_path) if n.endswith(".tmp")]


def test_bm25_over_segments_equals_one_segment() -> None:
    """N and df summed over segments: split rows score exactly as one index, merged too."""
    from index.bm25 import Postings
    from index.lexical import search_segments, tokenize

    passages = [p for i in range(12) for p in speech(i)]
    tokens = [tokenize(p) for p in passages]
    whole = LexicalIndex.build(list(range(len(passages))), tokens)
    avgdl = whole.postings.avgdl
    parts = [LexicalIndex.build(list(range(a, b)), tokens[a:b], avgdl=avgdl, dictionary=False)
             for a, b in ((0, 7), (7, 20), (20, 36))]
    merged = LexicalIndex(whole.ids, Postings.merge([(p.postings, None) for p in parts], avgdl))
    for query in ("统一战线的重点", "第3篇", "生态文明和科技创新"):
        expected = whole.search_tokens(tokenize(query), 10)
        for found in (search_segments([(p, None) for p in parts], tokenize(query), 10),
                      merged.search_tokens(tokenize(query), 10)):
            assert [s for _, s in found] == pytest.approx([s for _, s in expected], abs=1e-5)
            assert {i for i, s in found if s > found[-1][1] + 1e-5} == {i for i, s in expected if s > expected[-1][1] + 1e-5}


def test_lexical_segments_without_dictionary_load_without_it(tmp_path: Path) -> None:
    index = LexicalIndex.build([1, 2], [["党建"], ["统战"]], dictionary=False)
    index.save(tmp_path / "lex")
    assert not (tmp_path / "lex" / "jieba.dict").exists()
    assert LexicalIndex.load(tmp_path / "lex", dictionary=False).search_tokens(["统战"], 5)[0][0] == 2
    with pytest.raises(ValueError, match="jieba.dict"):
        LexicalIndex.load(tmp_path / "lex")


def test_the_query_dictionary_follows_adds_removals_and_merges(tmp_path: Path) -> None:
    """New words reach the dictionary; removing or compacting the segment that holds it keeps it."""
    new = record("/s/900.txt", "新讲话", ["数字经济和人工智能是新兴产业。", "海洋强国建设。"])
    write(tmp_path, [doc(i) for i in range(5)]).close()
    for _round in range(2):
        store = write(tmp_path, [new])
        words = store.generation.cutter.dictionary()
        assert {"人工智能", "统一战线"} <= set(words) and store.lexical_search("人工智能", 1)
        store.close()
        store = LocalStore.open_for_write(tmp_path)
        store.apply(manifest(), [], ["/s/900.txt"])
        store.close()
        store = LocalStore.open(tmp_path)
        assert store.generation.cutter.dictionary() == words and store.lexical_search("人工智能", 1) == []
        assert store.cut("人工智能的统一战线") == ["人工智能", "的", "统一战线"]
        store.close()


def test_pruned_bm25_gives_the_full_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Common tokens scored only where they can matter (MaxScore) give the same top k as scoring all."""
    from index.lexical import search_segments, tokenize

    passages = [f"工作报告指出，{WORDS[i % 10]}是{WORDS[(i * 7) % 10]}的重点，第{i}项工作要抓好。" for i in range(300)]
    index = LexicalIndex.build(list(range(300)), [tokenize(p) for p in passages])
    parts = [(index, None)]
    for query in ("统一战线的工作重点", "第17项工作", "报告指出的生态文明", "工作"):
        tokens = tokenize(query)
        pruned = search_segments(parts, tokens, 10)
        monkeypatch.setattr("index.lexical.COMMON_SHARE", 2.0)  # nothing counts as common: every row scored
        full = search_segments(parts, tokens, 10)
        monkeypatch.undo()
        assert [s for _, s in pruned] == pytest.approx([s for _, s in full], abs=1e-5), query
        assert {i for i, s in pruned if s > pruned[-1][1] + 1e-5} == {i for i, s in full if s > full[-1][1] + 1e-5}


def test_exact_segments_never_add_up_to_more_than_the_ann_threshold(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments_module, "ANN_MIN_ROWS", 12)
    monkeypatch.setattr(merge_module, "ANN_MIN_ROWS", 12)
    monkeypatch.setattr(segments_module, "IVF_LISTS", 2)
    for i in range(9):
        store = write(tmp_path, [doc(i)])
        flat = sum(len(s) for s in store.generation.segments if s.kind == "flat")
        assert flat < 12 and store.chunk_count() == 3 * (i + 1)
        store.close()
    store = LocalStore.open(tmp_path)
    assert [s.kind for s in store.generation.segments].count("ann") >= 2
    hits = store.lexical_search("第4篇第1段", 1)
    assert store.chunks_by_ids([hits[0][0]])[0].text == speech(4)[1]
    store.close()


def test_speech_filters_read_a_covering_index_not_the_speech_texts(tmp_path: Path) -> None:
    from index.filters import filter_query

    store = write(tmp_path, [doc(i) for i in range(3)])
    for filters in (Filters(doc="讲话", since="2020", until="2024"), Filters(doc="讲话"), Filters(until="2024")):
        query = filter_query(filters)
        plan = store._query(f"EXPLAIN QUERY PLAN SELECT id FROM speeches WHERE {query.speech_where}",
                            query.speech_args)
        assert all("COVERING INDEX" in str(row[-1]) for row in plan), (filters, plan)  # never the texts' table
    store.close()


class _Sized:
    """What next_merge reads of a segment: its kind and row count."""

    def __init__(self, kind: str, rows: int) -> None:
        self.kind, self.rows = kind, rows

    def __len__(self) -> int:
        return self.rows


def test_approximate_segments_merge_by_threes_exact_ones_by_tens() -> None:
    big = segments_module.ANN_MIN_ROWS
    three = [_Sized("ann", big), _Sized("ivf", big + 5), _Sized("ann", 2 * big)]
    assert merge_module.next_merge(three, [None] * 3) == [0, 1, 2]  # kinds old and new alike
    two = [_Sized("ann", big), _Sized("ann", 2 * big), _Sized("ann", 3 * big)]
    assert merge_module.next_merge(two, [None] * 3) is None  # 3·big is the next tier: two per tier stay
    nine_small = [_Sized("flat", 5) for _ in range(9)]
    assert merge_module.next_merge(nine_small, [None] * 9) is None
    assert merge_module.next_merge([*nine_small, _Sized("flat", 7)], [None] * 10) == list(range(10))


def test_approximate_segments_share_the_shortlist_by_rows_each_keeping_a_floor() -> None:
    full = segments_module.ANN_SHORTLIST
    alone = segments_module.shortlists([_Sized("ann", 600), _Sized("flat", 50)])  # type: ignore[list-item]
    assert alone == [full, 0]
    shared = segments_module.shortlists([_Sized("ann", 600), _Sized("ann", 200), _Sized("ann", 200),
                                         _Sized("ann", 10)])  # type: ignore[list-item]
    floor = round(full * segments_module.ANN_SHORTLIST_FLOOR)
    assert shared[0] == round(full * 600 / 1010) and shared[1] == shared[2] == max(floor, round(full * 200 / 1010))
    assert shared[3] == floor  # a small segment still reranks a fair shortlist
