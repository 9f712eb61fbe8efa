"""Shared pieces of the evaluation scripts: dev sets, gold matching, scoring an engine.

Gold rule (shared/README.md): a passage or answer is right when it contains a gold substring
after NFKC and whitespace removal; for a list question (``"all": true``) the answer must
contain every gold string.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.engine import QAEngine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared"


def canon(text: str) -> str:
    """NFKC and no whitespace: how gold substrings are matched."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Query:
    q: str
    gold: tuple[str, ...]
    all: bool = False  # a list question: the answer must hold every gold string

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds the gold (any one; every one for a list question)."""
        norm = canon(text)
        hits = [canon(g) in norm for g in self.gold]
        return all(hits) if self.all else any(hits)

    def passage_hit(self, text: str) -> bool:
        """Whether a passage holds any gold string (a list's items may span several passages)."""
        norm = canon(text)
        return any(canon(g) in norm for g in self.gold)


def load_jsonl(path: Path) -> list[Query]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Query(r["q"], tuple(r["gold"]), bool(r.get("all", False))) for r in rows]


def load_seeds(shared: Path) -> tuple[list[Path], list[Query]]:
    """The seeds dev set over the five sample speeches."""
    return sorted((shared / "corpus").glob("*.txt")), load_jsonl(shared / "eval/seeds_dev.jsonl")


def load_cmrc(shared: Path, workdir: Path, limit: int | None) -> tuple[list[Path], list[Query]]:
    """CMRC 2018 trial: each paragraph written to ``workdir`` as a document, its questions as queries."""
    data = json.loads((shared / "eval/cmrc2018_trial.json").read_text(encoding="utf-8"))
    workdir.mkdir(parents=True, exist_ok=True)
    files, queries = [], []
    for art in data["data"]:
        for para in art["paragraphs"]:
            path = workdir / f"{para['id']}.txt"
            if not path.is_file() or path.read_text(encoding="utf-8") != para["context"]:
                path.write_text(para["context"], encoding="utf-8")
            files.append(path)
            for qa in (q for q in para["qas"] if q["question"].strip()):
                queries.append(Query(qa["question"], tuple(a["text"] for a in qa["answers"])))
    return files, queries[:limit] if limit else queries


def hit1_and_answer(engine: QAEngine, queries: list[Query], top_k: int = 5) -> dict[str, float]:
    """hit@1, hit@5 and answer accuracy of ``engine`` on ``queries``."""
    hit1 = hit5 = answered = 0
    for query in queries:
        answer = engine.ask(query.q, top_k=top_k)
        ranks = [i for i, h in enumerate(answer.hits) if query.passage_hit(h.text)]
        hit1 += bool(ranks) and ranks[0] == 0
        hit5 += bool(ranks) and ranks[0] < 5
        answered += query.found_in("".join(s.text for s in answer.sentences))
    n = max(len(queries), 1)
    return {"hit@1": round(hit1 / n, 3), "hit@5": round(hit5 / n, 3), "answer": round(answered / n, 3), "n": len(queries)}
