"""Measure the chat window's first paint and answer-on-screen latency (headless, FakeEngine).

* first paint: process start → the chat screen mounted and painted once, measured in a fresh
  interpreter (imports included), plus the in-process part (App() → painted);
* answer latency: the engine's ``ask`` returns → the answer is painted (message posted,
  handled, widgets mounted, screen refreshed), over several questions.

Goals: first paint ≤ 1 s, answer ≤ 300 ms. Usage: ``python -m scripts.bench_tui [--runs 5]``.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

QUESTIONS = ["怎样把意识形态工作责任制落到实处？", "组织部门有什么职责？", "那宣传部门呢？", "统一战线工作的主题是什么？",
             "党支部应该怎样设置？", "怎样壮大主流舆论？"]


async def _first_paint(data_dir: Path) -> dict[str, float]:
    """Seconds from process start / App() to the first refresh after mount."""
    from qa.settings import Settings
    from tests.tui.fake_engine import FakeEngine
    from tui.app import QAApp

    imported = time.perf_counter()
    painted: list[float] = []

    class Probe(QAApp):
        def on_mount(self) -> None:
            super().on_mount()
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))

    created = time.perf_counter()
    app = Probe(engine=FakeEngine(delay=2.0), settings=Settings(data_dir=data_dir))  # warm-up still running
    async with app.run_test(size=(100, 34)) as pilot:
        while not painted:
            await pilot.pause(0.005)
        app.exit()
    return {"process_to_paint": painted[0] - START, "imports": imported - START, "app_to_paint": painted[0] - created,
            "painted_wall": time.time() - (time.perf_counter() - painted[0])}


async def _answer_latency(data_dir: Path, rounds: int) -> list[float]:
    """Seconds from FakeEngine.ask returning to the answer being painted, per question."""
    from qa.settings import Settings
    from tests.tui.fake_engine import FakeEngine
    from tests.tui.helpers import ask, settle
    from tui.app import QAApp

    engine = FakeEngine()
    app = QAApp(engine=engine, settings=Settings(data_dir=data_dir))
    samples: list[float] = []
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        for question in (QUESTIONS * rounds)[: 6 * rounds]:
            app.last_answer_painted = None
            await ask(pilot, question)
            while app.last_answer_painted is None:
                await pilot.pause(0.005)
            assert engine.returned_at is not None
            samples.append(app.last_answer_painted - engine.returned_at)
    return samples


def _child(data_dir: Path) -> None:
    print(json.dumps(asyncio.run(_first_paint(data_dir))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters for first paint")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of 6 questions for answer latency")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        paints = []
        for _ in range(args.runs):
            launched = time.time()
            out = subprocess.run([sys.executable, "-m", "scripts.bench_tui", "--child", tmp], capture_output=True, text=True, check=True)
            paints.append(json.loads(out.stdout.strip().splitlines()[-1]))
            paints[-1]["launch_to_paint"] = paints[-1]["painted_wall"] - launched
        latency = asyncio.run(_answer_latency(Path(tmp), args.rounds))
    first = [p["launch_to_paint"] for p in paints]
    print(f"first paint (launch of python → painted): median {statistics.median(first) * 1000:.0f} ms, "
          f"max {max(first) * 1000:.0f} ms over {len(first)} runs "
          f"(script start → painted {statistics.median(p['process_to_paint'] for p in paints) * 1000:.0f} ms, "
          f"imports {statistics.median(p['imports'] for p in paints) * 1000:.0f} ms, "
          f"App() → painted {statistics.median(p['app_to_paint'] for p in paints) * 1000:.0f} ms)")
    print(f"answer on screen after engine returns: median {statistics.median(latency) * 1000:.0f} ms, "
          f"max {max(latency) * 1000:.0f} ms over {len(latency)} answers")
    ok = max(first) <= 1.0 and max(latency) <= 0.3
    print("goals (first paint ≤ 1 s, answer ≤ 300 ms):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
