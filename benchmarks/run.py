"""Run every benchmark module and print one summary table: ``python benchmarks/run.py``.

Each module in this folder (``linear.py``, ``lowrank.py``, ``relu.py``) runs as its own
subprocess, in its quick mode where it has one (``--quick`` for linear.py and relu.py;
``--full`` drops it), all with the same ``--seed``. The summary gives each module's wall time,
exit status and key figures, read from the tables it prints (the modules have no other hook);
below it, every module's output is reproduced verbatim.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _value(token: str) -> float:
    """The number a table cell starts with (``0.893``, ``10.011*``, ``0.028s``, ``42.9ns``)."""
    match = NUMBER.match(token)
    if match is None:
        raise ValueError(f"no number in {token!r}")
    return float(match.group())


def _rows(output: str, title: str) -> list[list[str]]:
    """Whitespace-split data rows of the table headed by the line starting with ``title``
    (the header line follows it, or is it): rows are the lines up to the next blank line that
    start with a number."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if NUMBER.match(line.strip()):
            rows.append(line.split())
    if not rows:
        raise ValueError(f"no rows under {title!r}")
    return rows


def linear_summary(output: str) -> str:
    """Columns: N L svd cert cert/svd lbfgs_s iters gd_s iters ratio. The ratio is recomputed
    from the two times; a ``+`` marks gradient descent hitting its time cap (so the ratio is a
    lower bound); rows where L-BFGS itself stopped short (``*``) compare nothing and are left
    out."""
    rows = _rows(output, "N=d=K")
    certificate = max(_value(row[4]) for row in rows)
    reached = [row for row in rows if not row[5].endswith("*")]
    text = f"certificate/SVD ≤ {certificate:.1f}×"
    # keyed by "GD hit its time cap": such a ratio is only a lower bound
    ratios: dict[bool, list[float]] = {True: [], False: []}
    for row in reached:
        ratios[row[9].endswith("+")].append(_value(row[7]) / _value(row[5]))
    if ratios[False]:
        text += f"; GD/L-BFGS time to 1e-8 {min(ratios[False]):.1f}–{max(ratios[False]):.1f}×"
    if ratios[True]:
        text += f"; ≥ {min(ratios[True]):.1f}× where GD hit its time cap"
    missed = len(rows) - len(reached)
    return text + (f"; L-BFGS short of 1e-8 in {missed} of {len(rows)}" if missed else "")


def lowrank_summary(output: str) -> str:
    """Columns: L closed per scipy per ratio max|Δs|/σ maxΔg ties."""
    rows = _rows(output, "L ")
    ratio = min(_value(row[5]) for row in rows)
    worse = max(_value(row[7]) for row in rows)
    return f"scipy/closed form ≥ {ratio:.0f}× per value; closed form worse by ≤ {worse:.1e}·½σ²"


def relu_summary(output: str) -> str:
    """The program table (last column: certified relative gap) and the solver table (columns
    L N d Clarabel SCS ratio diff)."""
    program = _rows(output, "convex program")
    solvers = _rows(output, "Clarabel against SCS")
    gap = max(_value(row[-1]) for row in program)
    solve = max(_value(row[6]) for row in program)
    scs = [_value(row[5]) for row in solvers]
    return (
        f"certified relative gap ≤ {gap:.1e}; Clarabel solve ≤ {solve:.2f} s; "
        f"SCS/Clarabel time {min(scs):.1f}–{max(scs):.1f}×"
    )


@dataclass(frozen=True)
class Benchmark:
    name: str
    summarise: Callable[[str], str]
    quick: tuple[str, ...] = ()


BENCHMARKS = (
    Benchmark("linear", linear_summary, quick=("--quick",)),
    Benchmark("lowrank", lowrank_summary),
    Benchmark("relu", relu_summary, quick=("--quick",)),
)


@dataclass
class Measured:
    benchmark: Benchmark
    command: list[str]
    seconds: float
    status: int
    output: str

    def key_figures(self) -> str:
        if self.status != 0:
            return "failed (see output)"
        try:
            return self.benchmark.summarise(self.output)
        except (StopIteration, ValueError, IndexError, ZeroDivisionError) as exc:
            return f"output not recognised ({exc}); see below"


def run(benchmark: Benchmark, seed: int, full: bool) -> Measured:
    script = HERE / f"{benchmark.name}.py"
    command = [sys.executable, str(script), "--seed", str(seed)]
    if not full:
        command += benchmark.quick
    # The benchmarks import `verify` from the repository root, whether installed or not.
    paths = [str(HERE.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI and the tests run
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    output = done.stdout + (f"\n[stderr]\n{done.stderr}" if done.returncode else "")
    return Measured(benchmark, command, seconds, done.returncode, output)


def machine() -> str:
    cpus = os.cpu_count()
    processor = platform.processor() or platform.machine()
    return (
        f"{platform.system()} {platform.release()}, {processor}, {cpus} logical CPUs, "
        f"Python {platform.python_version()}"
    )


def summary_table(results: list[Measured]) -> str:
    header = f"{'module':<10}{'wall time':>11}{'exit':>6}  key figures"
    rows = [header, "-" * (len(header) + 60)]
    for result in results:
        rows.append(
            f"{result.benchmark.name:<10}{result.seconds:>10.1f}s{result.status:>6}  "
            f"{result.key_figures()}"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="passed to every module")
    parser.add_argument("--full", action="store_true", help="no quick mode for any module")
    parser.add_argument(
        "--only", nargs="+", choices=[b.name for b in BENCHMARKS], help="run only these modules"
    )
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if args.only is None or b.name in args.only]
    results = []
    for benchmark in chosen:
        print(f"running {benchmark.name} …", file=sys.stderr, flush=True)
        results.append(run(benchmark, args.seed, args.full))
    print(f"machine: {machine()}")
    print(f"seed {args.seed}; {'full' if args.full else 'quick where supported'}\n")
    print(summary_table(results))
    for result in results:
        script = Path(result.command[1]).relative_to(HERE.parent)
        command = " ".join(["python", str(script), *result.command[2:]])
        print(f"\n## {result.benchmark.name}: `{command}` (exit {result.status})\n")
        print(result.output.rstrip())
    return max((r.status for r in results), default=0)


if __name__ == "__main__":
    sys.exit(main())
