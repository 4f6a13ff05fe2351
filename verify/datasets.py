"""Real data shipped with the repository, read into :class:`~verify.instances.Instance` objects.

One data set today: the Palmer penguins (``verify/data/penguins.csv``, CC0; source and preprocessing
in ``verify/data/README.md``), 342 penguins of three species with four body measurements each. A
two-class instance takes two species (labels ``+1`` and ``−1``) and some of the measurements,
standardised with the mean and standard deviation of *all* 342 rows (so that an instance on a subset
of points is literally a subset of the rows of the full one). Rows whose chosen measurements repeat
an earlier row are dropped (a network's output on a repeated point is repeated, so only one copy can
constrain it; with different labels no network interpolates both), and the count is recorded.

``python -m verify.datasets OUT.npz [--points N] [--seed S] ...`` writes an instance file for
``python -m verify check relu-parallel-zero-gap --instance OUT.npz``; see ``docs/real-data.md``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify.claims.base import Budget
from verify.claims.relu_parallel_zero_gap import REACHED, SEARCH_BRANCHES, ReluParallelZeroGap
from verify.instances import Instance, InstanceError
from verify.networks import primal_certificate
from verify.result import CheckResult
from verify.search import Architecture, SearchSummary, search_bounds

#: The package's data folder (installed with it as package data).
DATA = Path(__file__).resolve().parent / "data"
PENGUINS = DATA / "penguins.csv"
MEASUREMENTS = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
#: The default two-class problem: bill length and depth separate these two species only in part.
DEFAULT_FEATURES = ("bill_length_mm", "bill_depth_mm")
DEFAULT_SPECIES = ("Adelie", "Chinstrap")
#: Search budget (:func:`verify.search.plan_search`) large enough that the requested starts and
#: iterations are never cut at these sizes: the training comparison runs what it says.
UNCUT = 1e6


@dataclass(frozen=True)
class Table:
    """The rows of a measurement CSV: one species name and one row of measurements each."""

    species: np.ndarray  # (n,) str
    measurements: np.ndarray  # (n, len(columns)) float
    columns: tuple[str, ...]

    def column(self, name: str) -> np.ndarray:
        return self.measurements[:, self.columns.index(name)]


def read_penguins(path: str | Path = PENGUINS) -> Table:
    """The CSV as shipped: a header ``species,<measurement>…`` and one numeric row per penguin."""
    path = Path(path)
    if not path.is_file():
        raise InstanceError(
            "data",
            f"{path} not found: dualgap was installed without its data files; reinstall it",
        )
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if tuple(header) != ("species", *MEASUREMENTS):
            raise InstanceError("data", f"{path}: unexpected header {header}")
        rows = list(reader)
    species = np.array([row[0] for row in rows])
    measurements = np.array([[float(value) for value in row[1:]] for row in rows])
    return Table(species, measurements, MEASUREMENTS)


@dataclass(frozen=True)
class TwoClassData:
    """A two-class problem drawn from a :class:`Table`: ``X`` standardised, ``y = ±1``."""

    X: np.ndarray
    y: np.ndarray
    rows: np.ndarray  # indices into the table, in table order
    duplicates_dropped: int
    description: str

    def instance(self, L: int = 2, t: float = 1.0) -> Instance:
        return Instance(X=self.X, Y=self.y, L=L, t=t)


def two_class(
    table: Table,
    features: Sequence[str] = DEFAULT_FEATURES,
    species: tuple[str, str] = DEFAULT_SPECIES,
) -> TwoClassData:
    """Rows of the two ``species`` (the first labelled ``+1``), the chosen ``features`` z-scored
    with the whole table's mean and standard deviation; a row whose chosen measurements equal an
    earlier kept row's is dropped, and if the two disagree in label both go (none did in the
    shipped data)."""
    unknown = [name for name in features if name not in table.columns]
    if unknown or not features:
        raise InstanceError("features", f"choose from {', '.join(table.columns)}, got {unknown}")
    if len(set(species)) != 2 or any(name not in set(table.species) for name in species):
        raise InstanceError(
            "species", f"give two different species of {sorted(set(table.species))}"
        )
    raw = np.column_stack([table.column(name) for name in features])
    chosen = np.flatnonzero(np.isin(table.species, species))
    first: dict[tuple[float, ...], int] = {}
    conflicting: set[tuple[float, ...]] = set()
    for index in chosen:
        key = tuple(raw[index])
        if key not in first:
            first[key] = index
        elif table.species[first[key]] != table.species[index]:
            conflicting.add(key)
    rows = np.array(sorted(i for key, i in first.items() if key not in conflicting), dtype=int)
    X = (raw[rows] - raw.mean(axis=0)) / raw.std(axis=0)
    y = np.where(table.species[rows] == species[0], 1.0, -1.0)
    description = (
        f"penguins {species[0]} (+1) vs {species[1]} (−1), features {', '.join(features)} "
        f"(z-scored over all {len(table.species)} rows)"
    )
    return TwoClassData(X, y, rows, len(chosen) - len(rows), description)


def subset(data: TwoClassData, points: int | None, seed: int) -> TwoClassData:
    """``points`` rows drawn without replacement with ``seed`` (kept in table order), or all."""
    if points is None or points >= len(data.rows):
        return data
    if points < 2:
        raise InstanceError("points", f"must be at least 2, got {points}")
    keep = np.sort(np.random.default_rng(seed).choice(len(data.rows), points, replace=False))
    description = f"{data.description}; {points} of {len(data.rows)} points, seed {seed}"
    return TwoClassData(
        data.X[keep], data.y[keep], data.rows[keep], data.duplicates_dropped, description
    )


def random_start_training(
    instance: Instance, claimed: float | None, starts: int, iterations: int, seed: int
) -> SearchSummary:
    """What training from random starts reaches on a two-layer instance: ``starts`` runs of up to
    ``iterations`` L-BFGS steps on the parallel network the check searches (``2(N + 1)``
    branches, last layer solved exactly), every network re-evaluated on the data; compared with
    the ``claimed`` (certified) optimum. No size-scaled cut: the caller chose the work."""
    arch = Architecture(2, "relu", branches=SEARCH_BRANCHES * (instance.N + 1), parallel=True)

    def evaluate(model):
        how = "random-start L-BFGS training"
        return primal_certificate(
            instance.X, instance.Y, model, "t", t=instance.t, how=how, bound_kind="search"
        )

    _, summary = search_bounds(
        instance.X,
        instance.Y,
        arch,
        evaluate=evaluate,
        claimed=claimed,
        restarts=starts,
        max_iter=iterations,
        rng=np.random.default_rng(seed),
        t=instance.t,
        tolerance=ReluParallelZeroGap().tolerance(instance),
        reach=REACHED,
        work=UNCUT,
    )
    return summary


@dataclass(frozen=True)
class WorkedExample:
    """The certified optimum of the two-layer network on penguin data against training."""

    description: str
    instance: Instance  # with the bias column, as checked
    result: CheckResult
    training: SearchSummary


def worked_example(
    points: int | None, seed: int = 0, starts: int = 20, iterations: int = 2000
) -> WorkedExample:
    """``relu-parallel-zero-gap`` at ``L = 2`` with a bias on ``points`` penguins (Adelie against
    Chinstrap, bill length and depth), then random-start training on the same instance."""
    data = subset(two_class(read_penguins()), points, seed)
    instance = data.instance().with_bias()
    result = ReluParallelZeroGap().check(instance, Budget(seed=seed))
    training = random_start_training(instance, result.dual_value, starts, iterations, seed)
    return WorkedExample(data.description + "; bias column appended", instance, result, training)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verify.datasets",
        description="Write a two-class Palmer penguins instance (.npz) for `check`.",
    )
    parser.add_argument("out", type=Path, help="the .npz file to write")
    parser.add_argument("--points", type=int, help="draw this many points (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn subset")
    parser.add_argument("--features", nargs="+", default=list(DEFAULT_FEATURES))
    parser.add_argument("--species", nargs=2, default=list(DEFAULT_SPECIES))
    parser.add_argument("--L", type=int, default=2, help="number of weight layers")
    args = parser.parse_args(argv)
    try:
        if args.out.suffix != ".npz" or not args.out.parent.is_dir():
            raise InstanceError("out", f"{args.out}: give a .npz file in an existing folder")
        table = read_penguins()
        data = subset(two_class(table, args.features, tuple(args.species)), args.points, args.seed)
        instance = data.instance(L=args.L)
        instance.save_npz(args.out)
    except (InstanceError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: N = {instance.N}, d = {instance.d}; {data.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
