"""Answer latency and cold start of the question-answering engine.

Prints figures; it asserts nothing. Targets on a 2-core machine: p99 under 5 ms per
question after warm-up, cold start (process start to first answer) under 2 s.

    .venv/bin/python benchmarks/bench_answers.py [--rounds 20] [--cold 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.qa.engine import Engine  # noqa: E402
from rubric_data.loader import load_rubric  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def questions() -> list[tuple[str, str | None]]:
    out = []
    for name in ("questions.yaml", "questions_holdout.yaml", "questions_fresh.yaml"):
        for item in yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8")):
            out.append((item["q"], item.get("table")))
    return out


def latency(rounds: int) -> None:
    engine = Engine(load_rubric())
    qs = questions()
    for q, table in qs:  # warm-up
        engine.answer(q, table)
    samples: list[float] = []
    for _ in range(rounds):
        for q, table in qs:
            start = time.perf_counter_ns()
            engine.answer(q, table)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    print(f"questions: {len(qs)} x {rounds} rounds = {len(samples)} answers")
    print(
        f"latency ms: p50 {percentile(samples, 50):.3f}  p99 {percentile(samples, 99):.3f}  "
        f"mean {statistics.fmean(samples):.3f}  max {max(samples):.3f}"
    )


def cold_start(runs: int) -> None:
    cmd = [sys.executable, "-m", "bot.shells.cli", "ask", "第10项怎么得分"]
    with tempfile.TemporaryDirectory() as fresh:
        env = {**os.environ, "DUCHA_CACHE_DIR": fresh}
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        first = time.perf_counter() - start
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    print(f"cold start s (process start to first answer, `ducha ask`): first ever {first:.2f} (builds the dictionary cache)")
    print(f"cold start s, cache warm, {runs} runs: median {statistics.median(times):.2f}  max {max(times):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cold", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores, Python {platform.python_version()}")
    latency(args.rounds)
    cold_start(args.cold)


if __name__ == "__main__":
    main()
