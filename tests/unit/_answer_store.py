"""A small real local store of structured speeches, embedded with the fake encoder, for answer tests.

Each speech is a list of paragraphs (one chunk each, its section path given); the store keeps the
joined text, so outlines are rebuilt from it exactly as for a real index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from _index_fakes import FakeEncoder, manifest

from index.document import embed_text
from index.stores.local import LocalStore
from index.types import ChunkRecord, DocumentRecord, SpeechRecord

Paragraph = tuple[tuple[str, ...], str]  # (section path, text)


def speech_record(path: str, title: str, paragraphs: Sequence[Paragraph], date: str | None,
                  encoder: FakeEncoder) -> DocumentRecord:
    """One document with one speech whose chunks are ``paragraphs`` joined by newlines."""
    chunks, pos = [], 0
    for section, text in paragraphs:
        chunks.append(ChunkRecord(section, text, pos, pos + len(text), embed_text(title, section, text)))
        pos += len(text) + 1
    body = "\n".join(text for _, text in paragraphs)
    vectors = encoder.encode_passages([c.embed_text for c in chunks])
    return DocumentRecord(path, hashlib.sha256(body.encode()).hexdigest(), 0.0, "utf-8",
                          (SpeechRecord(title, date, body, tuple(chunks)),), vectors)


def build_store(folder: Path, speeches: Sequence[tuple[str, str | None, Sequence[Paragraph]]]) -> LocalStore:
    """A store at ``folder`` holding ``speeches`` as (title, date, paragraphs); open for reading."""
    encoder = FakeEncoder()
    records = [speech_record(f"/speeches/{i}.txt", title, paras, date, encoder)
               for i, (title, date, paras) in enumerate(speeches)]
    writer = LocalStore.open_for_write(folder)
    try:
        writer.apply(manifest(), records, replace_all=True)
    finally:
        writer.close()
    return LocalStore.open(folder)


S1 = "第一，要选贤任能、建强堡垒，全面夯实党的基层基础"
S2 = "第二，要把握大势、服务大局，着力营造良好舆论环境"
#: A speech of two sections, each with a run of 一要/二要/三要 items, and a closing run of 首先…最后.
SPEECH: list[Paragraph] = [
    ((), "同志们：今天召开组织、宣传、统战工作会议，我讲几点意见。"),
    ((S1,), S1 + "。基层是党的执政之基。"),
    ((S1, "一要突出政治建设"), "一要突出政治建设。坚持把政治标准放在首位，严把党员入口关。"),
    ((S1, "二要筑牢战斗堡垒"), "二要筑牢战斗堡垒。推进基层党组织标准化规范化建设。"),
    ((S1, "三要建强干部队伍"), "三要建强干部队伍。推动干部能上能下、能进能出。"),
    ((S2,), S2 + "。宣传思想工作是极端重要的工作。"),
    ((S2, "一要壮大主流舆论"), "一要壮大主流舆论。做大做强正面宣传，讲好身边故事。"),
    ((S2, "二要把牢意识形态"), "二要把牢意识形态。严格落实意识形态工作责任制。"),
    ((S2, "三要突出立德润心"), "三要突出立德润心。深化文明城市创建。"),
    ((), "为什么要强化理论武装？理论上的清醒是政治上的坚定的前提。"),
    ((), "做好今年的工作，要抓好四点。首先，要强化理论武装。其次，要聚焦高质量发展。再次，要加强社会治理。"
         "最后，要加强作风建设。"),
]
