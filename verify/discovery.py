"""``dualgap explore``: a targeted search for a counterexample, shrunk, certified, reproducible.

How a search runs
    The examples are split into shards of :data:`SHARD_EXAMPLES`, each with a seed derived
    from the run's seed. A shard is one hypothesis run (phases *generate* and *target*) of
    the conjecture's strategy (:class:`verify.conjectures.Conjecture`): every instance is
    evaluated with the cheap :func:`search_budget`, its score goes to ``hypothesis.target``
    (hypothesis then mutates the best-scoring instances towards higher scores), and the shard
    stops at its first certified counterexample. Shards are independent: they run in this
    process, in worker processes or on a Dask cluster (:func:`verify.runner.worker_pool`), and
    are consumed in order, so the result is the first shard (by index) with a certified
    counterexample whatever ran in parallel.

    Shrinking is sequential, here: the winning shard's hypothesis run is replayed with the
    *shrink* phase added. Its evaluations are cached (an evaluation is a pure function of the
    instance and the budget), so the replay reaches the counterexample at no cost; hypothesis
    then shrinks it towards fewer rows and columns and simpler numbers (the strategies of
    :mod:`verify.strategies.wide` are built for that), evaluating at most
    :data:`SHRINK_EVALUATIONS` new instances. The shrunk instance is re-checked with the full
    budget of ``dualgap check`` (:func:`full_budget`) and written as ``DIR/NAME.npz`` (plus
    one file per further check, e.g. ``NAME.L4.npz``) and ``DIR/NAME.json``; ``dualgap check
    CLAIM --instance DIR/NAME.npz --seed S`` reproduces the recorded check exactly.

    Without a certified counterexample, the smallest instance with a search-only suggestion
    (if any; the first among equals) is re-checked with the full budget and reported with the
    label that re-check earns (*suggested by search only*, or *none found* when more starts
    reach the bound), together with how many examples had a suggestion.

Reproducibility
    Same conjecture, seed, examples and versions: same result, whatever ``jobs`` or the
    scheduler. Hypothesis runs under ``hypothesis.seed`` without an example database, unless
    ``database`` names a folder: then the shrinking saves its minimal counterexample there and
    a later run's shrinking starts from the saved one (memory traded for reproducibility; the
    search itself never uses the database).
"""

from __future__ import annotations

import math
import time
import warnings
import zlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import Unsatisfiable

from verify.claims import Budget, get
from verify.conjectures import (
    CERTIFIED,
    NONE_FOUND,
    SEARCH_ONLY,
    TRUE,
    Conjecture,
    Finding,
    get_conjecture,
)
from verify.instances import Instance
from verify.result import dumps_json, library_versions
from verify.runner import ordered_map, pool_width, worker_pool

#: examples per shard: one hypothesis run (half generated, half targeted)
SHARD_EXAMPLES = 50
#: new instances hypothesis' shrinker may evaluate (the replay up to the counterexample is free)
SHRINK_EVALUATIONS = 200


def search_budget(conjecture: Conjecture, seed: int) -> Budget:
    """The budget of every evaluation during the search and the shrinking: the conjecture's
    search ``effort``, no solver cross-check. Certified bounds do not depend on it (they come
    from closed forms and recomputed feasible points); search values do."""
    restarts, iterations = conjecture.effort
    return Budget(seed=seed, restarts=restarts, max_iter=iterations, solver=False)


def shrink_budget(conjecture: Conjecture, seed: int) -> Budget:
    """The budget of the new evaluations while shrinking: the conjecture's ``shrink_effort``
    (its search ``effort`` when it names none)."""
    restarts, iterations = conjecture.shrink_effort or conjecture.effort
    return Budget(seed=seed, restarts=restarts, max_iter=iterations, solver=False)


def full_budget(seed: int) -> Budget:
    """The budget of the final re-check: the one ``dualgap check --seed S`` uses."""
    return Budget(seed=seed)


def instance_key(instance: Instance) -> Hashable:
    """Equal for instances with the same arrays and fields (the evaluation cache's key)."""
    arrays = tuple((a.shape, a.tobytes()) for a in (instance.X, instance.Y))
    scalars = (instance.L, instance.t, instance.beta, instance.width, instance.scalar_output)
    return arrays, scalars


def shard_seed(seed: int, name: str, index: int) -> int:
    """The seed of shard ``index``: stable across processes and Python versions."""
    return zlib.crc32(f"{seed}/{name}/shard {index}".encode())


def shard_plan(name: str, examples: int, seed: int) -> list[tuple[int, int, int]]:
    """``(index, seed, examples)`` of every shard of a run."""
    count = math.ceil(examples / SHARD_EXAMPLES)
    return [
        (i, shard_seed(seed, name, i), min(SHARD_EXAMPLES, examples - i * SHARD_EXAMPLES))
        for i in range(count)
    ]


class CheckerCrash(Exception):
    """A checker raised on an instance of the conjecture's family: a defect, reported with the
    instance that triggers it."""


class _Counterexample(Exception):
    """Raised in hypothesis' test on a certified counterexample (hypothesis then shrinks)."""


@dataclass
class _Probe:
    """The test hypothesis runs: evaluate (through the cache), ``target`` the score, raise on a
    certified counterexample. ``limit`` caps the new evaluations (``None``: no cap); beyond it
    an uncached instance is rejected unevaluated."""

    conjecture: Conjecture
    budget: Budget
    cache: dict[Hashable, Finding | None]
    limit: int | None = None
    evaluations: int = 0
    tried: int = 0
    suggested: int = 0
    last: tuple[Instance, Finding] | None = None
    suggestion: tuple[Instance, Finding] | None = None

    def __call__(self, instance: Instance) -> None:
        key = instance_key(instance)
        if key not in self.cache:
            if self.limit is not None and self.evaluations >= self.limit:
                reject()
            try:
                self.cache[key] = self.conjecture.evaluate(instance, self.budget)
            except Exception as exc:
                raise CheckerCrash(
                    f"{self.conjecture.name}: {type(exc).__name__}: {exc}, on "
                    f"{instance_text(instance)}"
                ) from exc
            self.evaluations += 1
        finding = self.cache[key]
        if finding is None:
            reject()
        if self.last is None:
            self.tried += 1
            self.suggested += finding.label == SEARCH_ONLY
        target(finding.score, label=self.conjecture.name)
        if finding.label == SEARCH_ONLY and _smaller(instance, self.suggestion):
            self.suggestion = (instance, finding)
        if finding.label == CERTIFIED:
            self.last = (instance, finding)
            raise _Counterexample


def _size(instance: Instance) -> tuple[int, int, int]:
    return instance.N, instance.d, instance.K


def _smaller(instance: Instance, incumbent: tuple[Instance, Finding] | None) -> bool:
    """Whether ``instance`` is strictly smaller (rows, then columns, then outputs) than the
    incumbent: the reported search suggestion is the smallest, the first one among equals."""
    return incumbent is None or _size(instance) < _size(incumbent[0])


def _hypothesis_run(
    probe: _Probe, examples: int, seed: int, digest: str, shrink: bool, database: str | None
) -> bool:
    """One seeded hypothesis run of ``probe`` over the conjecture's strategy; whether it
    found a certified counterexample (then ``probe.last`` holds the final, shrunk one)."""
    phases = [Phase.generate, Phase.target] + ([Phase.shrink] if shrink else [])
    store = None if database is None else DirectoryBasedExampleDatabase(database)
    if store is not None:
        phases.insert(0, Phase.reuse)

    # ``hypothesis.seed`` drops the database of the settings it finds, so it goes first and
    # the settings (with ``database`` when asked for) after it.
    @settings(
        max_examples=examples,
        database=store,
        phases=phases,
        deadline=None,
        derandomize=False,
        print_blob=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(probe.conjecture.instances())
    def search(instance: Instance) -> None:
        probe(instance)

    # distinct database keys per conjecture and shard (the test's code is the same for all)
    search.hypothesis.inner_test._hypothesis_internal_add_digest = digest.encode()
    with warnings.catch_warnings():
        # In a Dask worker (or next to an in-process scheduler) other threads call `random`
        # while hypothesis draws, which it reports as if a strategy did; the strategies here
        # draw from numpy generators seeded by hypothesis, and hypothesis' own generator is
        # untouched by those calls.
        warnings.filterwarnings("ignore", message="Do not use the `random` module inside")
        try:
            search()
        except _Counterexample:
            return True
        except Unsatisfiable:  # every instance was outside the conjecture's scope
            return False
    return False


@dataclass
class ShardResult:
    """One shard's search: valid examples tried (up to and including its first certified
    counterexample) and how many of them only a search suggests contradict the conjecture,
    that counterexample, the smallest search-suggested instance, and, with a counterexample,
    the shard's evaluations, which make the shrinking replay free."""

    index: int
    seed: int
    examples: int
    tried: int
    suggested: int
    counterexample: tuple[Instance, Finding] | None
    suggestion: tuple[Instance, Finding] | None
    cache: dict[Hashable, Finding | None] = field(default_factory=dict)


def run_shard(name: str, index: int, seed: int, examples: int, budget: Budget) -> ShardResult:
    """Search one shard (runs in a worker: every argument is plain data). No example
    database: the search is reproducible from the seed; only shrinking uses one."""
    probe = _Probe(get_conjecture(name), budget, {})
    found = _hypothesis_run(probe, examples, seed, f"{name}/{index}", False, None)
    return ShardResult(
        index,
        seed,
        examples,
        probe.tried,
        probe.suggested,
        probe.last if found else None,
        probe.suggestion,
        probe.cache if found else {},
    )


@dataclass
class Exploration:
    """The outcome of ``dualgap explore``.

    ``verdict`` is :data:`~verify.conjectures.CERTIFIED`, :data:`~verify.conjectures.SEARCH_ONLY`
    or :data:`~verify.conjectures.NONE_FOUND`; ``instance`` is the (shrunk) counterexample or
    the smallest search-suggested instance (the first among equals), ``finding`` its full-budget
    re-check. ``tried`` counts valid examples up to the first certified counterexample (all
    of them without one), ``suggested`` those among them with a search-only suggestion;
    ``first`` is the counterexample before shrinking. ``times`` (seconds) are the only entries
    that differ between identical runs.
    """

    conjecture: Conjecture
    seed: int
    examples: int
    tried: int
    suggested: int
    verdict: str
    instance: Instance | None = None
    finding: Finding | None = None
    first: Instance | None = None
    shrink_evaluations: int = 0
    times: dict[str, float] = field(default_factory=dict)

    @property
    def confirmed(self) -> bool:
        """The full-budget re-check gives the verdict again (vacuous when none was found)."""
        return self.finding is None or self.finding.label == self.verdict

    @property
    def unexpected(self) -> bool:
        """A certified counterexample to a statement the project records as true, or a
        counterexample the full re-check did not confirm."""
        contradicts_truth = self.verdict == CERTIFIED and self.conjecture.expected == TRUE
        return contradicts_truth or not self.confirmed

    def command(self, out: str | Path | None = None) -> str:
        name, seed, examples = self.conjecture.name, self.seed, self.examples
        text = f"dualgap explore {name} --seed {seed} --examples {examples}"
        return text + (f" --out {out}" if out is not None else "")

    def files(self, out: str | Path) -> list[tuple[Path, Instance]]:
        """The ``.npz`` files of the instance and of each further check, in order."""
        if self.instance is None or self.finding is None:
            return []
        name, out = self.conjecture.name, Path(out)
        files = [(out / f"{name}.npz", self.instance)]
        files += [
            (out / f"{name}{check.suffix}.npz", check.instance)
            for check in self.finding.checks
            if check.suffix
        ]
        return files

    def reproduce(self, out: str | Path) -> list[str]:
        """Commands that reproduce the recorded checks exactly, or the whole exploration for a
        conjecture measured outside the claims."""
        if self.finding is None or not self.finding.checks:
            return [self.command(out)]
        name, out = self.conjecture.name, Path(out)
        return [
            f"dualgap check {check.claim} --instance {out / f'{name}{check.suffix}.npz'} "
            f"--seed {self.seed}"
            for check in self.finding.checks
        ]

    def summary(self) -> str:
        """One line: the verdict, on how many examples, and the instance."""
        if self.verdict == NONE_FOUND and self.instance is not None:
            return (
                f"no counterexample in {self.tried} examples (a search suggestion on "
                f"{self.suggested} of them did not survive the full-budget re-check; the "
                f"smallest: {instance_text(self.instance)})"
            )
        if self.verdict == NONE_FOUND:
            return f"no counterexample in {self.tried} examples"
        if self.verdict == CERTIFIED:
            return f"{self.verdict} after {self.tried} examples: {instance_text(self.instance)}"
        return (
            f"{self.verdict} (on {self.suggested} of {self.tried} examples; the smallest): "
            f"{instance_text(self.instance)}"
        )

    def citation(self) -> str:
        """What the exploration measured, labelled by how it was obtained (a Table 1 note)."""
        text = f"explored ({self.command()}): {self.summary()}"
        if self.finding is not None and self.verdict != NONE_FOUND:
            text += f"; {self.finding.evidence}"
        return text

    def to_json(self, out: str | Path | None = None) -> dict[str, Any]:
        checks = []
        if self.finding is not None:
            commands = self.reproduce(out) if out is not None and self.finding.checks else []
            for i, check in enumerate(self.finding.checks):
                entry: dict[str, Any] = {"claim": check.claim, "suffix": check.suffix}
                if commands:
                    entry["command"] = commands[i]
                entry["result"] = check.result.to_json()
                checks.append(entry)
        return {
            "conjecture": self.conjecture.describe(),
            "verdict": self.verdict,
            "confirmed": self.confirmed,
            "unexpected": self.unexpected,
            "seed": self.seed,
            "examples": self.examples,
            "tried": self.tried,
            "suggested": self.suggested,
            "shard_examples": SHARD_EXAMPLES,
            "shrink_evaluations": self.shrink_evaluations,
            "first": None if self.first is None else self.first.summary(),
            "instance": None if self.instance is None else self.instance.to_json(),
            "evidence": None if self.finding is None else self.finding.evidence,
            "numbers": None if self.finding is None else self.finding.numbers,
            "checks": checks,
            "command": self.command(out),
            "reproduce": self.reproduce(out) if out is not None else [self.command()],
            "times_s": self.times,
            "versions": library_versions(),
        }


def _matrix_text(array: np.ndarray) -> str:
    if array.ndim == 1:
        return "[" + ", ".join(f"{v:.6g}" for v in array) + "]"
    return "[" + ", ".join(_matrix_text(row) for row in array) + "]"


def instance_text(instance: Instance | None) -> str:
    """The instance in one line, arrays included (counterexamples are small)."""
    if instance is None:
        return "—"
    Y = instance.Y[:, 0] if instance.scalar_output else instance.Y
    parts = [f"X = {_matrix_text(instance.X)}", f"Y = {_matrix_text(Y)}", f"L = {instance.L}"]
    parts += [
        f"{name} = {getattr(instance, name):.6g}"
        for name in ("t", "beta")
        if getattr(instance, name) is not None
    ]
    if instance.width is not None:
        parts.append(f"width = {instance.width}")
    return ", ".join(parts)


def explore(
    conjecture: Conjecture,
    examples: int,
    seed: int,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    database: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Exploration:
    """Search up to ``examples`` instances for a certified counterexample to ``conjecture``,
    shrink it and re-check it with the full budget (see the module docstring)."""
    (result,) = explore_all(
        [conjecture],
        examples,
        seed,
        jobs=jobs,
        scheduler=scheduler,
        database=database,
        progress=progress,
    )
    return result


def explore_all(
    conjectures: list[Conjecture],
    examples: int,
    seed: int,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    database: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Exploration]:
    """:func:`explore` for several conjectures at once: the shards of all of them share the
    workers (consumed in order; a conjecture's shards after its first counterexample are
    ignored, so each result is the one :func:`explore` gives), then each is finished here."""
    say = progress or (lambda message: None)
    tasks = [
        (conjecture.name, i, shard, n, search_budget(conjecture, seed))
        for conjecture in conjectures
        for i, shard, n in shard_plan(conjecture.name, examples, seed)
    ]
    results = {c.name: Exploration(c, seed, examples, 0, 0, NONE_FOUND) for c in conjectures}
    winners: dict[str, ShardResult] = {}
    suggestions: dict[str, tuple[Instance, Finding]] = {}
    start = time.perf_counter()
    with worker_pool(jobs, scheduler) as pool:
        shards = ordered_map(run_shard, tasks, pool, pool_width(pool, jobs, per_worker=1))
        for task, shard in zip(tasks, shards, strict=False):
            name = task[0]
            if name in winners:
                continue
            result = results[name]
            result.tried += shard.tried
            result.suggested += shard.suggested
            if shard.suggestion is not None and _smaller(
                shard.suggestion[0], suggestions.get(name)
            ):
                suggestions[name] = shard.suggestion
            say(f"  {name}: shard {shard.index + 1}, {shard.tried} examples")
            if shard.counterexample is not None:
                winners[name] = shard
                if len(winners) == len(conjectures):
                    break
        shards.close()
    elapsed = time.perf_counter() - start
    for result in results.values():
        result.times["search"] = elapsed
        _finish(
            result,
            winners.get(result.conjecture.name),
            suggestions.get(result.conjecture.name),
            database,
            say,
        )
    return list(results.values())


def _finish(
    result: Exploration,
    winner: ShardResult | None,
    suggestion: tuple[Instance, Finding] | None,
    database: str | None,
    say: Callable[[str], None],
) -> None:
    """Shrink the counterexample, or take the smallest search suggestion; then re-check."""
    conjecture, seed = result.conjecture, result.seed
    if winner is not None:
        say(f"  {conjecture.name}: counterexample after {result.tried} examples; shrinking")
        _shrink(result, winner, shrink_budget(conjecture, seed), database)
        say(f"  {conjecture.name}: shrunk with {result.shrink_evaluations} new evaluations")
    elif suggestion is not None:
        result.verdict, result.instance = SEARCH_ONLY, suggestion[0]
    if result.instance is not None:
        say(f"  {conjecture.name}: re-checking with the full budget")
        start = time.perf_counter()
        result.finding = conjecture.evaluate(result.instance, full_budget(seed))
        result.times["recheck"] = time.perf_counter() - start
        if result.verdict == SEARCH_ONLY and result.finding is not None:
            result.verdict = result.finding.label


def _shrink(result: Exploration, winner: ShardResult, budget: Budget, database: str | None) -> None:
    """Replay the winning shard with hypothesis' shrink phase (see the module docstring)."""
    start = time.perf_counter()
    conjecture = result.conjecture
    probe = _Probe(conjecture, budget, dict(winner.cache), limit=SHRINK_EVALUATIONS)
    digest = f"{conjecture.name}/{winner.index}"
    _hypothesis_run(probe, winner.examples, winner.seed, digest, True, database)
    first = winner.counterexample[0]
    result.verdict, result.first = CERTIFIED, first
    result.instance = probe.last[0] if probe.last is not None else first
    result.shrink_evaluations = probe.evaluations
    result.times["shrink"] = time.perf_counter() - start


def write_files(result: Exploration, out: Path) -> list[Path]:
    """``DIR/NAME.npz`` (+ one ``.npz`` per further check) and ``DIR/NAME.json``; nothing
    when there is no instance to record."""
    files = result.files(out)
    if not files:
        return []
    out.mkdir(exist_ok=True)
    for path, instance in files:
        instance.save_npz(path)
    record = out / f"{result.conjecture.name}.json"
    record.write_text(dumps_json(result.to_json(out), indent=1, ensure_ascii=False), "utf-8")
    return [path for path, _ in files] + [record]


def format_exploration(result: Exploration, out: Path | None = None) -> str:
    """The human-readable account of an exploration."""
    conjecture = result.conjecture
    claim = get(conjecture.claim) if conjecture.claim else None
    checker = f"{claim.number} {claim.id}" if claim else "bounds outside the claims"
    verdict = result.summary()
    if result.verdict == CERTIFIED:
        verdict = f"{result.verdict} after {result.tried} examples"
    if not result.confirmed:
        again = result.finding.label if result.finding else "out of scope"
        verdict += f" — NOT confirmed by the full-budget re-check ({again})"
    elif result.finding is not None:
        verdict += " (confirmed by the full-budget re-check)"
    times = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in result.times.items())
    lines = [
        f"conjecture  {conjecture.name} (recorded: {conjecture.expected})",
        f"statement   {conjecture.statement}",
        f"checked by  {checker}",
        f"examples    {result.tried} of at most {result.examples} (seed {result.seed}; {times})",
        f"verdict     {verdict}",
    ]
    if result.instance is not None:
        shape = " ".join(f"{k}={v}" for k, v in result.instance.summary().items())
        if result.first is not None:
            first = result.first
            shape += (
                f"   (shrunk from N={first.N} d={first.d} K={first.K}, "
                f"{result.shrink_evaluations} new evaluations)"
            )
        Y = result.instance.Y[:, 0] if result.instance.scalar_output else result.instance.Y
        lines += [
            f"instance    {shape}",
            f"  X = {_matrix_text(result.instance.X)}",
            f"  Y = {_matrix_text(Y)}",
        ]
    if result.finding is not None:
        lines.append(f"evidence    {result.finding.evidence}")
    if out is not None and result.instance is not None:
        written = [path for path, _ in result.files(out)] + [out / f"{conjecture.name}.json"]
        lines.append(f"files       {', '.join(str(path) for path in written)}")
        lines += [f"reproduce   {command}" for command in result.reproduce(out)]
    return "\n".join(lines)
