"""Claim runs: each claim on its pinned, generated and negative-control instances.

Generated instances come from the claim's hypothesis strategy, drawn under a fixed
``hypothesis.seed`` so that a run is reproduced exactly by its seed (printed with every run),
or are handed in by the caller (the report draws them per cell of Table 1:
:func:`verify.table1.cell_instances`).

Where the checks run
    In this process (``jobs = 1``), in ``jobs`` worker processes, or on a Dask cluster
    (``scheduler``: the address of a ``dask.distributed`` scheduler; the optional extra
    ``dualgap[dask]``). Tasks are plain data (claim ids, indices, instances), every check
    seeds its own generator from its budget and results are consumed in task order
    (:func:`ordered_map`), so a run gives the same results on any of the three. A Dask
    cluster's workers need the same dualgap version installed; :func:`worker_pool` refuses a
    scheduler that cannot be reached within :data:`SCHEDULER_TIMEOUT_S` seconds, that has no
    worker, or whose workers run another dualgap.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

from verify import __version__
from verify.claims import Budget, Claim, get
from verify.instances import Instance
from verify.result import CheckResult

REFUTED = "refuted"
NOT_REFUTED = "not refuted"

#: How many generated instances and local-search starts each profile uses.
PROFILES = {
    "dev": {"examples": 10, "restarts": 6},
    "thorough": {"examples": 100, "restarts": 16},
}


#: how long :func:`worker_pool` waits for a Dask scheduler (and for its first worker)
SCHEDULER_TIMEOUT_S = 5


class SchedulerError(Exception):
    """A Dask scheduler that cannot be used: the message says why and how to fix it."""


class Pool(Protocol):
    """What :func:`ordered_map` needs of a pool: ``submit(fn, *args)`` returning a future."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


class _DaskPool:
    """A ``dask.distributed`` client seen as a :class:`Pool` (tasks are never cached by
    content: ``pure=False``)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.size = max(1, sum(client.nthreads().values()))

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)


def dualgap_version() -> str:
    """The dualgap version of the process that runs it (asked of every Dask worker)."""
    return __version__


def _dask_pool(address: str) -> _DaskPool:
    try:
        from distributed import Client
    except ImportError:
        raise SchedulerError(
            "the Dask backend is not installed: pip install 'dualgap[dask]'"
        ) from None
    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT_S, set_as_default=False)
    except Exception as exc:  # OSError when unreachable, ValueError/TypeError when malformed
        raise SchedulerError(
            f"cannot reach a Dask scheduler at {address!r} within {SCHEDULER_TIMEOUT_S} s "
            f"({type(exc).__name__}: {exc}); start one with `dask scheduler` and give its "
            "address, e.g. tcp://HOST:8786"
        ) from None
    try:
        client.wait_for_workers(1, timeout=SCHEDULER_TIMEOUT_S)
        versions = set(client.run(dualgap_version).values())
    except Exception as exc:  # a timeout, or workers that cannot import dualgap
        client.close()
        raise SchedulerError(
            f"the Dask scheduler at {address!r} has no worker that runs dualgap "
            f"({type(exc).__name__}: {exc}); start workers with dualgap installed: "
            f"`dask worker {address}`"
        ) from None
    if versions != {__version__}:
        client.close()
        raise SchedulerError(
            f"the Dask workers run dualgap {', '.join(sorted(versions))}, this process "
            f"{__version__}: install the same version on every worker"
        )
    return _DaskPool(client)


@contextmanager
def worker_pool(jobs: int = 1, scheduler: str | None = None) -> Iterator[Pool | None]:
    """Where tasks run: a Dask cluster (``scheduler``), ``jobs`` processes, or ``None`` (this
    process). Raises :class:`SchedulerError` for a scheduler that cannot be used."""
    if scheduler:
        pool = _dask_pool(scheduler)
        try:
            yield pool
        finally:
            pool.client.close()
    elif jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as executor:
            yield executor
    else:
        yield None


def ordered_map(
    fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], pool: Pool | None, window: int = 1
) -> Iterator[Any]:
    """``fn(*task)`` for every task, yielded in task order; at most ``window`` tasks are in
    flight on ``pool`` (all run here, one by one, without a pool). Closing the iterator early
    cancels the tasks not yet consumed."""
    if pool is None:
        for task in tasks:
            yield fn(*task)
        return
    pending: deque[Any] = deque()
    queue = iter(tasks)

    def submit_next() -> bool:
        task = next(queue, None)
        if task is not None:
            pending.append(pool.submit(fn, *task))
        return task is not None

    try:
        while len(pending) < window and submit_next():
            pass
        while pending:
            result = pending.popleft().result()
            submit_next()
            yield result
    finally:
        for future in pending:
            future.cancel()


def pool_width(pool: Pool | None, jobs: int, per_worker: int = 2) -> int:
    """How many tasks to keep in flight on ``pool``: ``per_worker`` per worker thread or
    process (1 for long tasks whose results may end the run, 2 to keep workers busy)."""
    workers = pool.size if isinstance(pool, _DaskPool) else max(1, jobs)
    return per_worker * workers


def draw_instances(strategy: SearchStrategy[Instance], count: int, seed: int) -> list[Instance]:
    """``count`` instances from ``strategy``, reproducibly from ``seed``."""
    collected: list[Instance] = []
    if count == 0:  # hypothesis refuses max_examples=0
        return collected

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(instance: Instance) -> None:
        collected.append(instance)

    collect()
    return collected[:count]


@dataclass
class Outcome:
    """One check inside an exploration run."""

    kind: str  # "pinned", "generated" or "control"
    label: str
    verdict: str
    expected: str
    result: CheckResult
    instance: Instance

    @property
    def ok(self) -> bool:
        return self.verdict == self.expected

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "label": self.label,
            "verdict": self.verdict,
            "expected": self.expected,
            "ok": self.ok,
            "result": self.result.to_json(),
        }
        if not self.ok:
            out["instance_data"] = self.instance.to_json()
        return out


@dataclass
class ClaimRun:
    """The outcomes of one claim's exploration; ``elapsed_s`` sums the checks' own times."""

    claim: Claim
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def counts(self) -> Counter:
        return Counter(o.verdict for o in self.outcomes if o.kind != "control")

    def proof_counts(self) -> Counter:
        """Statuses of the proofs attached in proof mode (pinned and generated checks)."""
        return Counter(
            o.result.proof["status"]
            for o in self.outcomes
            if o.kind != "control" and o.result.proof is not None
        )

    @property
    def examples(self) -> int:
        return sum(o.kind != "control" for o in self.outcomes)

    @property
    def controls(self) -> tuple[int, int]:
        controls = [o for o in self.outcomes if o.kind == "control"]
        return sum(o.verdict == REFUTED for o in controls), len(controls)

    @property
    def largest_residual(self) -> float:
        """Largest recomputed residual among the bounds the verdicts rest on."""
        return max(
            (
                b.residual
                for o in self.outcomes
                for b in o.result.bounds.values()
                if b is not None and b.kind != "closed-form"
            ),
            default=0.0,
        )

    def to_json(self) -> dict[str, Any]:
        refuted, controls = self.controls
        return {
            "claim": self.claim.id,
            "ok": self.ok,
            "examples": self.examples,
            "counts": dict(self.counts()),
            "controls_refuted": refuted,
            "controls": controls,
            "largest_residual": self.largest_residual,
            "elapsed_s": self.elapsed_s,
            "outcomes": [o.to_json() for o in self.outcomes],
        }


def _run_task(task: tuple[str, str, Any], budget: Budget) -> Outcome:
    """One check. Tasks name pinned examples and controls by index so that they can cross a
    process boundary (a control's ``predict`` may be a lambda, which does not pickle)."""
    kind, claim_id, payload = task
    claim = get(claim_id)
    if kind == "pinned":
        example = claim.pinned_examples()[payload]
        result = _checked(claim, example.instance, budget)
        label = example.instance.label or example.why
        return Outcome(kind, label, result.verdict, example.expected, result, example.instance)
    if kind == "generated":
        index, instance = payload
        result = _checked(claim, instance, budget)
        return Outcome(kind, f"#{index}", result.verdict, claim.expected, result, instance)
    control = claim.negative_controls()[payload]
    refuted, result = claim.refutes(control, budget)
    verdict = REFUTED if refuted else NOT_REFUTED
    return Outcome(kind, control.name, verdict, REFUTED, result, control.instance)


def _checked(claim: Claim, instance: Instance, budget: Budget) -> CheckResult:
    """One check, with its proof attached in proof mode (the floating-point verdict stands
    whatever the proof's status)."""
    result = claim.check(instance, budget)
    if budget.proof:
        from verify.certificates import prove_check  # the exact checker: only in proof mode

        result.proof = prove_check(claim, instance, result)[1].to_json()
    return result


def run_claims(
    claims: list[Claim],
    examples: int,
    seed: int,
    budget: Budget,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    instances: Mapping[str, Sequence[Instance]] | None = None,
    scheduler: str | None = None,
) -> list[ClaimRun]:
    """Explore several claims, spreading the checks over ``jobs`` processes or the Dask
    cluster at ``scheduler``.

    A claim's generated checks are its entry in ``instances`` (by claim id), in that order,
    when it has one; otherwise ``examples`` instances drawn from its strategy under ``seed``.
    Instances are drawn in this process and every check seeds its own generator from
    ``budget.seed``, so the outcomes do not depend on ``jobs``, the scheduler or scheduling.
    """
    given = instances or {}
    tasks: list[tuple[str, str, Any]] = []
    for claim in claims:
        tasks += [("pinned", claim.id, i) for i in range(len(claim.pinned_examples()))]
        if claim.id in given:
            generated = list(given[claim.id])
        else:
            generated = draw_instances(claim.instances(), examples, seed)
        tasks += [("generated", claim.id, (i, inst)) for i, inst in enumerate(generated)]
        tasks += [("control", claim.id, i) for i in range(len(claim.negative_controls()))]
    totals = Counter(task[1] for task in tasks)
    done: Counter = Counter()
    runs = {claim.id: ClaimRun(claim) for claim in claims}

    def record(task: tuple[str, str, Any], outcome: Outcome) -> None:
        claim_id = task[1]
        runs[claim_id].outcomes.append(outcome)
        runs[claim_id].elapsed_s += outcome.result.elapsed_s
        done[claim_id] += 1
        if progress is not None:
            progress(claim_id, done[claim_id], totals[claim_id])

    with worker_pool(jobs, scheduler) as pool:
        outcomes = ordered_map(
            _run_task, [(task, budget) for task in tasks], pool, pool_width(pool, jobs)
        )
        for task, outcome in zip(tasks, outcomes, strict=True):
            record(task, outcome)
    return [runs[claim.id] for claim in claims]
