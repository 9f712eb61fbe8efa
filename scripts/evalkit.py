"""Shared pieces of the evaluation scripts: dev sets, gold matching, scoring an engine.

Gold rule (shared/README.md): a passage or answer is right when it contains a gold substring
after NFKC and whitespace removal; for a list question (``"all": true``) the answer must
contain every gold string.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import statistics
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from qa.engine import QAEngine
from qa.params import DEFAULTS, RankingParams

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared"


#: Questions no collection here answers: everyday topics (weather, cooking, sport, programming,
#: travel, health, shopping, entertainment) in simplified and traditional Chinese and in English.
#: Written once as a fixed set, before any threshold was set, and asked of every collection;
#: split in halves like the dev sets (calibration uses the "tune" half only).
OFF_TOPIC = (
    "今天天气怎么样", "明天北京会下雨吗", "怎么做红烧肉？", "西红柿炒鸡蛋先放什么？", "世界杯足球赛谁是冠军？",
    "NBA总决赛什么时候开始？", "Python 怎么读取文件？", "如何安装显卡驱动？", "推荐一部好看的电影", "周末去哪里爬山比较好？",
    "感冒了吃什么药好得快？", "怎样减肥最有效？", "iPhone电池不耐用怎么办？", "猫为什么喜欢抓沙发？", "红酒应该怎么保存？",
    "去日本旅游需要办什么签证？", "钢琴初学者每天练多久？", "怎样给自行车补胎？", "咖啡喝多了会失眠吗？", "哪款洗衣机最省电？",
    "今天天氣怎麼樣？", "怎麼煮出好吃的牛肉麵？", "颱風天要準備哪些東西？", "哪裡可以買到便宜的機票？", "貓咪不吃飯怎麼辦？",
    "how do I bake bread", "what is the capital of France?", "Who won the last football World Cup?",
    "How do I reset my router password?", "What is a good recipe for pancakes?", "Which phone has the best camera?",
    "How long should I boil an egg?", "Why is the sky blue?", "How can I learn to play guitar?",
    "What time does the sun set in summer?", "Is it going to rain tomorrow?", "How do I fix a flat bicycle tire?",
    "What are good exercises for back pain?", "How much water should a dog drink?", "Where can I watch new movies online?",
)


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


def off_topic() -> list[Query]:
    """The fixed off-topic questions, without gold: right when refused."""
    return [Query(q, ()) for q in OFF_TOPIC]


def load_jsonl(path: Path) -> list[Query]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Query(r["q"], tuple(r["gold"]), bool(r.get("all", False))) for r in rows]


def load_extra(path: Path) -> dict[str, list[Query]]:
    """Questions of a file that names, on each line, the dev set whose collection answers it
    (``{"set": "seeds", "q": …, "gold": […]}``), grouped by that set."""
    out: dict[str, list[Query]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if row.get("set") not in DATASETS:
                raise SystemExit(f"{path}:{n}: \"set\" must be one of {', '.join(DATASETS)}")
            out.setdefault(row["set"], []).append(Query(row["q"], tuple(row["gold"]), bool(row.get("all", False))))
    return out


def load_seeds(shared: Path) -> tuple[list[Path], list[Query]]:
    """The seeds dev set over the five sample speeches."""
    return sorted((shared / "corpus").glob("*.txt")), load_jsonl(shared / "eval/seeds_dev.jsonl")


def load_reports(shared: Path) -> tuple[list[Path], list[Query]]:
    """The reports dev set over the 88 government work and party congress reports."""
    return sorted((shared / "corpus_reports").glob("*.txt")), load_jsonl(shared / "eval/reports_dev.jsonl")


def load_squad(source: Path, workdir: Path, limit: int | None) -> tuple[list[Path], list[Query]]:
    """A SQuAD-format set: each paragraph written to ``workdir`` as a document, its questions as queries."""
    data = json.loads(source.read_text(encoding="utf-8"))
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


def load_cmrc(shared: Path, workdir: Path, limit: int | None) -> tuple[list[Path], list[Query]]:
    """CMRC 2018 trial (simplified Chinese Wikipedia paragraphs)."""
    return load_squad(shared / "eval/cmrc2018_trial.json", workdir, limit)


def load_drcd(shared: Path, workdir: Path, limit: int | None) -> tuple[list[Path], list[Query]]:
    """DRCD test (traditional Chinese, Taiwan Wikipedia paragraphs)."""
    return load_squad(shared / "eval/drcd_test.json", workdir, limit)


def half(question: str) -> str:
    """"tune" or "held-out": a fixed split by a hash of the question text, the same on every run.

    Tuning scripts use only the "tune" half; reports show both, so a gap between them shows
    overfitting.
    """
    return "tune" if hashlib.sha256(question.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


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


Loader = Callable[[Path, Path, int | None], tuple[list[Path], list[Query]]]

#: dataset → (loader, the collection its questions are also asked of, as off-topic)
DATASETS: dict[str, tuple[Loader, str]] = {
    "seeds": (lambda shared, _w, _n: load_seeds(shared), "cmrc"),
    "reports": (lambda shared, _w, _n: load_reports(shared), "drcd"),
    "cmrc": (lambda shared, work, n: load_cmrc(shared, work / "cmrc", n), "seeds"),
    "drcd": (lambda shared, work, n: load_drcd(shared, work / "drcd", n), "reports"),
}


def parse_setting(text: str) -> RankingParams:
    """A dict literal of RankingParams fields → the defaults with those fields replaced."""
    setting = ast.literal_eval(text)
    known = {f.name for f in fields(RankingParams)}
    unknown = set(setting) - known
    if unknown:
        raise SystemExit(f"unknown parameter(s) {sorted(unknown)}; known: {sorted(known)}")
    return replace(DEFAULTS, **setting)


@dataclass
class Scores:
    """Rank of the first gold passage (top 10) and answer correctness per question, with timings."""

    ranks: list[int | None] = field(default_factory=list)
    answers_ok: list[bool] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, passages: list[str], answer: list[str], query: Query, secs: float) -> None:
        rank = next((i for i, p in enumerate(passages[:10]) if query.passage_hit(p)), None)
        self.ranks.append(rank)
        self.answers_ok.append(query.found_in("".join(answer)))
        self.seconds.append(secs)

    def table(self) -> dict[str, float]:
        n = max(len(self.ranks), 1)
        return {
            "hit@1": sum(r == 0 for r in self.ranks) / n,
            "hit@5": sum(r is not None and r < 5 for r in self.ranks) / n,
            "mrr@10": sum(1 / (r + 1) for r in self.ranks if r is not None) / n,
            "answer_acc": sum(self.answers_ok) / n,
            "latency_ms_mean": 1000 * statistics.fmean(self.seconds) if self.seconds else 0.0,
            "latency_ms_p50": 1000 * statistics.median(self.seconds) if self.seconds else 0.0,
            "n": len(self.ranks),
        }
