"""Run every benchmark module and gather their records: ``python benchmarks/run.py``.

Each module runs as its own subprocess with the same ``--seed``, in its quick mode unless
``--full`` is given, and writes its measurements as records (``benchmarks/record.py``: name,
size, seconds, the baseline timed in the same run and the ratio to it, other figures) to a
temporary JSON file. This script adds one record per module (``module wall time``, with the exit
status and the command), prints a summary (wall time and the module's key figures, computed by
its ``headline()`` from its records) and every record in one table, and writes one JSON document
with the machine and the library versions (``--json``, default ``benchmarks.json``).

``--markdown FILE`` prints the README's performance table from such a document without running
anything. A module that fails keeps its output (printed, and in the JSON as the ``output``
figure of its wall-time record).
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# isort: off
from record import Record, document, machine, machine_text, read, table, write  # noqa: E402

# isort: on

WALL = "module wall time"


@dataclass(frozen=True)
class Benchmark:
    name: str

    def headline(self, found: Sequence[Record]) -> str:
        """The module's key figures from its records (its ``headline()``)."""
        wall = next(r for r in found if r.name == WALL)
        if wall.figures["exit"] != 0:
            return f"failed with exit status {wall.figures['exit']} (see its output)"
        module = importlib.import_module(self.name)
        return module.headline([r for r in found if r.name != WALL])


BENCHMARKS = (
    Benchmark("linear"),
    Benchmark("linear_scale"),
    Benchmark("lowrank"),
    Benchmark("relu"),
    Benchmark("relu_three_layer"),
    Benchmark("relu_deep"),
    Benchmark("proof"),
)
BY_NAME = {benchmark.name: benchmark for benchmark in BENCHMARKS}


def run(benchmark: Benchmark, seed: int, full: bool) -> list[Record]:
    """The module's records and its wall-time record (exit status, command, and, for a module
    that failed, its output)."""
    script = HERE / f"{benchmark.name}.py"
    command = [sys.executable, str(script), "--seed", str(seed), *([] if full else ["--quick"])]
    # Every module imports `verify` from this checkout, whether installed or not.
    paths = [str(HERE.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI and the tests run
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "records.json"
        start = time.perf_counter()
        done = subprocess.run(
            [*command, "--json", str(out)], capture_output=True, text=True, env=env
        )
        seconds = time.perf_counter() - start
        found = read(out)[1] if done.returncode == 0 else []
    shown = " ".join(["python", str(script.relative_to(HERE.parent)), *command[2:]])
    figures: dict = {"exit": done.returncode, "command": shown}
    if done.returncode != 0:
        figures["output"] = done.stdout + (f"\n[stderr]\n{done.stderr}" if done.returncode else "")
    return [*found, Record(benchmark.name, WALL, {}, seconds, None, None, figures)]


def summary(records: Sequence[Record]) -> list[tuple[str, float, str]]:
    """Per module in the records: its name, wall time and key figures."""
    rows = []
    for wall in (r for r in records if r.name == WALL):
        mine = [r for r in records if r.benchmark == wall.benchmark]
        rows.append((wall.benchmark, wall.seconds, BY_NAME[wall.benchmark].headline(mine)))
    return rows


def markdown(data: dict, records: Sequence[Record]) -> str:
    """The README's performance table: how it was run, then one row per module."""
    mode = "full" if not data["quick"] else "quick mode; `--full` for the larger sizes"
    lines = [
        f"`python benchmarks/run.py` ({mode}, seed {data['seed']}) on "
        f"{machine_text(data['machine'])}, every ratio measured against a baseline in the same "
        "run:",
        "",
        "| module | wall time | key figures |",
        "|---|---|---|",
    ]
    for name, seconds, text in summary(records):
        cell = text.replace("|", "\\|")
        lines.append(f"| {name} | {seconds:.0f} s | {cell} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="passed to every module")
    parser.add_argument("--full", action="store_true", help="no quick mode for any module")
    parser.add_argument("--only", nargs="+", choices=list(BY_NAME), help="run only these modules")
    parser.add_argument("--json", default="benchmarks.json", help="where to write the records")
    parser.add_argument(
        "--markdown", metavar="FILE", help="print the README table from a JSON document and stop"
    )
    args = parser.parse_args(argv)
    if args.markdown:
        data, records = read(args.markdown)
        print(markdown(data, records))
        return 0
    records: list[Record] = []
    for benchmark in BENCHMARKS:
        if args.only is None or benchmark.name in args.only:
            print(f"running {benchmark.name} …", file=sys.stderr, flush=True)
            records += run(benchmark, args.seed, args.full)
    command = " ".join(["python", "benchmarks/run.py", *(argv or sys.argv[1:])])
    data = document(records, seed=args.seed, quick=not args.full, command=command)
    write(args.json, data)
    print(f"machine: {machine_text(machine())}")
    print(f"seed {args.seed}; {'full' if args.full else 'quick mode'}; records in {args.json}\n")
    for name, seconds, text in summary(records):
        print(f"{name:<17}{seconds:>7.1f} s  {text}")
    print()
    print(table([r for r in records if r.name != WALL]))
    for wall in (r for r in records if r.name == WALL and "output" in r.figures):
        print(f"\n## {wall.benchmark}: `{wall.figures['command']}` (exit {wall.figures['exit']})\n")
        print(wall.figures["output"].rstrip())
    print(f"\nREADME table (`python benchmarks/run.py --markdown {args.json}`):\n")
    print(markdown(data, records))
    return max((r.figures["exit"] for r in records if r.name == WALL), default=0)


if __name__ == "__main__":
    sys.exit(main())
