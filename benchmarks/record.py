"""Benchmark results as data: one :class:`Record` per measurement, one formatter, one JSON file.

A benchmark module exposes ``records(seed, quick) -> list[Record]`` (every ratio against a
baseline timed in the same run) and ``headline(records) -> str`` (its key figures in one
sentence, for the README's performance table). Run as a script it prints its records with
:func:`table` and, given ``--json FILE``, writes them with the machine and the library versions
(:func:`document`). ``benchmarks/run.py`` runs every module and gathers their records.

Importing this module puts the repository root first on ``sys.path`` (the benchmarks measure
this checkout's ``verify``, installed or not) and imports ``verify``, which pins OpenBLAS to one
thread before numpy loads, as the CLI and the tests run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import verify  # noqa: E402, F401  (first: one BLAS thread before numpy loads)
from verify.result import dumps_json, library_versions  # noqa: E402


@dataclass(frozen=True)
class Record:
    """One measurement: ``seconds`` spent on ``name`` at ``size`` in module ``benchmark``;
    ``baseline`` names what it is compared with and ``baseline_seconds`` that time, measured in
    the same run; ``figures`` holds the other measured values (iterations, verdicts, errors)."""

    benchmark: str
    name: str
    size: dict[str, Any]
    seconds: float
    baseline: str | None = None
    baseline_seconds: float | None = None
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """``seconds / baseline_seconds``: how many times the baseline's time this took."""
        if not self.baseline_seconds:
            return None
        return self.seconds / self.baseline_seconds

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        return cls(**{key: value for key, value in data.items() if key != "ratio"})


def machine() -> dict[str, Any]:
    """What the times were measured on."""
    return {
        "system": f"{platform.system()} {platform.release()}",
        "processor": platform.processor() or platform.machine(),
        "logical_cpus": os.cpu_count(),
        "versions": library_versions(),
    }


def machine_text(description: dict[str, Any]) -> str:
    versions = description["versions"]
    return (
        f"{description['system']}, {description['processor']}, {description['logical_cpus']} "
        f"logical CPUs, Python {versions.get('python', '?')}"
    )


def document(records: Sequence[Record], *, seed: int, quick: bool, command: str) -> dict:
    """The JSON a run writes: how it was run, on what, and every record."""
    return {
        "command": command,
        "seed": seed,
        "quick": quick,
        "machine": machine(),
        "records": [record.to_json() for record in records],
    }


def write(path: str | Path, data: dict) -> None:
    Path(path).write_text(dumps_json(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: str | Path) -> tuple[dict, list[Record]]:
    """A document written by :func:`write` and its records."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data, [Record.from_json(item) for item in data["records"]]


def duration(seconds: float | None) -> str:
    """``seconds`` with a unit that keeps three significant digits readable."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(value: float) -> str:
    """Three significant digits, without an exponent up to 10⁶."""
    return f"{value:.0f}" if 1e3 <= value < 1e6 else f"{value:.3g}"


def span(values: Sequence[float], digits: int = 1) -> str:
    """``low–high`` of ``values`` (one number when they agree at ``digits`` decimals)."""
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return low if low == high else f"{low}–{high}"


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _pairs(mapping: dict[str, Any]) -> str:
    return " ".join(f"{key}={_value(value)}" for key, value in mapping.items())


def table(records: Sequence[Record]) -> str:
    """Every record on one line: the one format every benchmark prints."""
    header = ["benchmark", "measurement", "size", "time", "baseline", "ratio", "figures"]
    rows = [
        [
            record.benchmark,
            record.name,
            _pairs(record.size),
            duration(record.seconds),
            record.baseline or "—",
            "—" if record.ratio is None else f"{ratio(record.ratio)}×",
            _pairs(record.figures),
        ]
        for record in records
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def arguments(description: str, quick: str) -> argparse.ArgumentParser:
    """The options every benchmark script takes: ``--seed``, ``--quick`` and ``--json``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--json", metavar="FILE", help="also write the records as JSON")
    return parser


def finish(
    args: argparse.Namespace,
    records: Sequence[Record],
    headline: Callable[[Sequence[Record]], str],
) -> None:
    """Print the records and the key figures; write the JSON when asked."""
    print(table(records))
    print(f"\nkey figures: {headline(records)}")
    if args.json:
        command = " ".join(["python", *sys.argv])
        write(args.json, document(records, seed=args.seed, quick=args.quick, command=command))


def only(records: Sequence[Record], name: str) -> list[Record]:
    """The records of one measurement."""
    return [record for record in records if record.name == name]
