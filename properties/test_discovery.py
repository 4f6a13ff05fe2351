"""The explorer (``dualgap explore``) finds, shrinks and certifies counterexamples on its own.

From a fixed seed and a modest budget it must find a certified counterexample to every false
conjecture, shrunk to the expected structure, whose values are recomputed here independently
(numpy, closed forms from the formulation documents); it must find none for the true controls;
its files must reproduce with ``dualgap check``; the same seed must give the same result on one
process, on two, and on a Dask cluster; bad input gets one line and exit code 2.
``HYPOTHESIS_PROFILE=thorough`` explores more seeds with larger budgets.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from properties.profile import THOROUGH
from verify import runner
from verify.claims import Budget, get
from verify.cli import main
from verify.conjectures import (
    CERTIFIED,
    CONJECTURES,
    FALSE,
    NONE_FOUND,
    SEARCH_ONLY,
    TRUE,
    Measured,
)
from verify.discovery import (
    CheckerCrash,
    Exploration,
    explore,
    write_files,
)
from verify.instances import Instance
from verify.report import conjectures_section
from verify.result import Bound
from verify.table1 import table1

#: seeds and examples of the false conjectures' explorations (found in the first shard)
SEEDS = range(5) if THOROUGH else (0,)
EXAMPLES = 200 if THOROUGH else 50
FALSE_CONJECTURES = [name for name, c in CONJECTURES.items() if c.expected == FALSE]
CONTROLS = [name for name, c in CONJECTURES.items() if c.expected == TRUE]
#: 3¹²/2¹⁶: the β above which some depth step L → L + 1 lowers the threshold τ(L, β)
BETA_3 = 3**12 / 2**16


@cache
def explored(name: str, seed: int, examples: int) -> Exploration:
    return explore(CONJECTURES[name], examples, seed)


def _labels(instance: Instance) -> np.ndarray:
    return instance.Y[:, 0] if instance.scalar_output else instance.Y


def _gap_interval(exploration: Exploration) -> tuple[float, float]:
    return exploration.finding.checks[0].result.intervals["gap"]


def _l23(u: float, v: float) -> float:
    return (u ** (2 / 3) + v ** (2 / 3)) ** 1.5


def rank1_structure(exploration: Exploration) -> None:
    """C6: labels of both signs, at most 3 rows; the gap of the rank-1 closed form
    (``docs/formulations/C6-relu-rank1-three-layer.md``), recomputed from ``X`` and ``y``."""
    instance = exploration.instance
    y = _labels(instance)
    assert instance.N <= 3 and instance.K == 1
    assert y.min() < 0 < y.max()
    U, s, Vt = np.linalg.svd(instance.X)
    c, a = U[:, 0] * s[0], Vt[0]
    assert np.allclose(np.outer(c, a), instance.X)
    c_pos, c_neg = np.maximum(c, 0), np.maximum(-c, 0)
    alpha, gamma = y @ c_pos / (c_pos @ c_pos), y @ c_neg / (c_neg @ c_neg)
    assert alpha * gamma < 0
    radius = instance.t * np.linalg.norm(a)
    gap = (_l23(abs(alpha), abs(gamma)) - abs(alpha) - abs(gamma)) / radius
    lower, upper = _gap_interval(exploration)
    assert lower > 0 and lower - 1e-9 <= gap <= upper + 1e-9


def equal_values_structure(exploration: Exploration) -> None:
    """C1: rank ≥ 2, equal singular values, L ≥ 3; P and D of ``X⁺Y`` recomputed."""
    instance = exploration.instance
    sigma = np.linalg.svd(np.linalg.pinv(instance.X) @ instance.Y, compute_uv=False)
    sigma = sigma[sigma > 1e-9 * sigma[0]]
    assert sigma.size >= 2 and np.ptp(sigma) <= 1e-12 * sigma[0] and instance.L >= 3
    scale = instance.t ** (2 - instance.L)
    gap = scale * (np.sum(sigma ** (2 / instance.L)) ** (instance.L / 2) - np.sum(sigma))
    lower, upper = _gap_interval(exploration)
    assert gap > 0 and lower > 0 and lower - 1e-9 <= gap <= upper + 1e-9


def _tau(L: int, beta: float) -> float:
    """The threshold of ``docs/formulations/C4-weight-decay-low-rank.md`` (β itself at L = 2)."""
    if L == 2:
        return beta
    return (L - 1) / (L - 2) * (beta * (L - 2)) ** (L / (2 * L - 2))


def deeper_structure(exploration: Exploration) -> None:
    """C4: β above 3¹²/2¹⁶, a singular value of XᵀY between τ(L + 1) and τ(L), and the
    certified ranks counting the singular values above each threshold."""
    instance = exploration.instance
    L, beta = instance.L, instance.beta
    assert beta > BETA_3
    sigma = np.linalg.svd(instance.X.T @ instance.Y, compute_uv=False)
    assert np.any((_tau(L + 1, beta) < sigma) & (sigma < _tau(L, beta)))
    shallow, deep = (check.result for check in exploration.finding.checks)
    assert shallow.intervals["rank"] == (np.sum(sigma > _tau(L, beta)),) * 2
    assert deep.intervals["rank"] == (np.sum(sigma > _tau(L + 1, beta)),) * 2
    assert deep.intervals["rank"][0] > shallow.intervals["rank"][1]


def whitened_structure(exploration: Exploration) -> None:
    """Whitened data, labels of both signs: P at least the label-split bound and D at least
    the sign-dual value (``verify.whitened``'s formulas, recomputed; for orthonormal rows both
    are exact), and the certified P above the certified D."""
    instance = exploration.instance
    X, y = instance.X, _labels(instance)
    rows = np.allclose(X @ X.T, np.eye(X.shape[0]))
    assert rows or np.allclose(X.T @ X, np.eye(X.shape[1]))
    assert y.min() < 0 < y.max()
    plus, minus = np.linalg.norm(np.maximum(y, 0)), np.linalg.norm(np.maximum(-y, 0))
    radius = instance.t * np.linalg.norm(X, 2)
    bounds = exploration.finding.numbers["bounds"]
    primal, dual = bounds["primal_lower"]["value"], bounds["dual_upper"]["value"]
    assert primal >= _l23(plus, minus) / radius * (1 - 1e-12)
    assert dual >= (plus + minus) / radius * (1 - 1e-12)
    if rows:
        assert math.isclose(primal, _l23(plus, minus) / radius, rel_tol=1e-9)
        assert math.isclose(dual, (plus + minus) / radius, rel_tol=1e-9)
    assert primal > dual * (1 + 1e-6)


STRUCTURE = {
    "paper-rank1-zero-gap": rank1_structure,
    "equal-singular-values-no-gap": equal_values_structure,
    "deeper-lower-rank": deeper_structure,
    "whitened-zero-gap": whitened_structure,
}


def test_every_false_conjecture_has_a_structure_check():
    assert sorted(STRUCTURE) == sorted(FALSE_CONJECTURES)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", FALSE_CONJECTURES)
def test_explorer_finds_a_certified_shrunk_counterexample(name, seed):
    exploration = explored(name, seed, EXAMPLES)
    assert exploration.verdict == CERTIFIED, exploration.summary()
    assert exploration.confirmed and not exploration.unexpected
    assert exploration.finding.label == CERTIFIED
    assert 1 <= exploration.tried <= EXAMPLES
    first, shrunk = exploration.first, exploration.instance
    assert shrunk.N * shrunk.d * shrunk.K <= first.N * first.d * first.K
    STRUCTURE[name](exploration)


@pytest.mark.parametrize("name", CONTROLS)
def test_true_controls_have_no_counterexample(name):
    exploration = explored(name, 0, 100 if THOROUGH else 50)
    assert exploration.verdict == NONE_FOUND and exploration.instance is None
    assert exploration.tried > 0 and not exploration.unexpected
    assert exploration.summary() == f"no counterexample in {exploration.tried} examples"


def test_open_cell_is_labelled_by_how_it_was_obtained():
    """Whatever the open cell's exploration finds, a certified verdict rests on a proved lower
    bound on P above a certified upper bound on D, and a search-only one says so."""
    exploration = explored("standard-relu3-zero-gap", 0, 50 if THOROUGH else 10)
    finding = exploration.finding
    if exploration.verdict == NONE_FOUND and exploration.instance is None:
        return
    bounds = finding.numbers["bounds"]
    lower, upper = bounds["primal_lower"], bounds["dual_upper"]
    assert lower["kind"] == "closed-form"
    if exploration.verdict == CERTIFIED:
        assert lower["value"] > upper["value"]
    else:
        assert lower["value"] <= upper["value"] * (1 + 1e-6)
    if exploration.verdict == SEARCH_ONLY:
        assert finding.evidence.startswith("search suggests a gap: the best of 6 standard")
        assert bounds["primal_search"]["kind"] == "search"
        assert bounds["primal_search"]["value"] > upper["value"] * 1.01


def _measured(**values: float) -> Measured:
    kinds = {"primal_lower": "closed-form", "primal_search": "search"}
    bounds = {name: Bound(value, kinds.get(name, "certificate")) for name, value in values.items()}
    instance = Instance(np.eye(2), [1.0, -1.0], L=3, t=1.0)
    return Measured(instance, (), bounds, 1e-9, {"starts": 6})


@pytest.mark.parametrize(
    ("bounds", "label", "text"),
    [
        ({"primal_lower": 2.9, "dual_lower": 2.0, "dual_upper": 2.0}, CERTIFIED, "P ≥ 2.9"),
        (
            {"primal_lower": 1.5, "dual_lower": 2.0, "dual_upper": 2.0, "primal_search": 2.5},
            SEARCH_ONLY,
            "search suggests a gap: the best of 6 standard-network starts, 2.5, is 25% above "
            "the certified D ∈ [2, 2]",
        ),
        (
            {"primal_lower": 1.5, "dual_upper": 2.0, "primal_search": 2.5},
            SEARCH_ONLY,
            "is 25% above a certified upper bound on D",
        ),
        (
            {"primal_lower": 1.5, "dual_lower": 2.0, "dual_upper": 2.0, "primal_search": 2.01},
            NONE_FOUND,
            "",
        ),
        ({"primal_lower": 2.9, "primal_search": 3.0}, NONE_FOUND, ""),
    ],
)
def test_labels_follow_the_kind_of_bound(bounds, label, text):
    """A certified label needs a proved bound on P above a certified bound on D; a search value
    only ever earns "suggested by search only", and only 1% above the bound on D."""
    conjecture = replace(
        CONJECTURES["standard-relu3-zero-gap"], measure=lambda instance, budget: _measured(**bounds)
    )
    finding = conjecture.evaluate(Instance(np.eye(2), [1.0, -1.0], L=3, t=1.0), Budget())
    assert finding.label == label and text in finding.evidence


@pytest.mark.parametrize("name", ["paper-rank1-zero-gap", "deeper-lower-rank"])
def test_files_reproduce_with_check(name, tmp_path, capsys):
    exploration = explored(name, 0, EXAMPLES)
    written = write_files(exploration, tmp_path)
    record = json.loads((tmp_path / f"{name}.json").read_text())
    assert {path.name for path in written} == {p.name for p in tmp_path.iterdir()}
    assert record["verdict"] == CERTIFIED and len(record["checks"]) == len(record["reproduce"])
    for check, command in zip(record["checks"], record["reproduce"], strict=True):
        argv = command.split()[1:]
        assert argv[:2] == ["check", check["claim"]]
        assert main([*argv, "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
        for key in ("verdict", "bounds", "intervals", "predicted"):
            assert again[key] == check["result"][key], key


def _untimed(exploration: Exploration) -> dict:
    record = exploration.to_json()
    record.pop("times_s")
    for check in record["checks"]:
        check["result"].pop("elapsed_s")
    return record


def test_same_seed_same_result_in_one_or_two_processes():
    once = explore(CONJECTURES["whitened-zero-gap"], EXAMPLES, 1)
    twice = explore(CONJECTURES["whitened-zero-gap"], EXAMPLES, 1, jobs=2)
    assert once.verdict == CERTIFIED and _untimed(once) == _untimed(twice)
    sharded = [explore(CONJECTURES["parallel-linear-zero-gap"], 100, 3, jobs=j) for j in (1, 2)]
    assert sharded[0].tried == 100 and _untimed(sharded[0]) == _untimed(sharded[1])


def test_a_checker_crash_is_reported_with_its_instance(monkeypatch):
    def crash(instance, budget):
        raise ZeroDivisionError("float division by zero")

    broken = replace(CONJECTURES["paper-rank1-zero-gap"], name="broken", measure=crash)
    monkeypatch.setitem(CONJECTURES, "broken", broken)
    with pytest.raises(CheckerCrash, match=r"broken: ZeroDivisionError: .* on X = \["):
        explore(broken, 5, 0)


def test_report_section_and_open_cells_cite_the_explorations():
    explorations = [explored(name, 0, EXAMPLES) for name in FALSE_CONJECTURES]
    explorations.append(explored("parallel-linear-zero-gap", 0, 100 if THOROUGH else 50))
    text = "\n".join(conjectures_section(explorations, None))
    assert text.startswith("## Conjectures explored")
    for exploration in explorations:
        assert f"| `{exploration.conjecture.name}` |" in text
        assert exploration.command() in text
    assert "no counterexample in" in text and "X = [[1], [-1]], Y = [1, -1]" in text
    citation = explored("standard-relu3-zero-gap", 0, 50 if THOROUGH else 10).citation()
    cells = {
        (c.activation, c.architecture, c.depth): c
        for c in table1([], explored={"standard-relu3-zero-gap": citation})
    }
    assert cells[("ReLU", "standard", "3")].note.endswith(
        f"on general (not rank-1) data, {citation}"
    )
    assert "explored" not in cells[("ReLU", "standard", "≥ 4")].note


# --- the command line -------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explore_command_writes_the_counterexample(capsys, tmp_path):
    out, record = tmp_path / "found", tmp_path / "run.json"
    code, stdout, stderr = run(
        capsys, "explore", "whitened-zero-gap", "--examples", str(EXAMPLES), "--out", str(out),
        "--json", str(record),
    )  # fmt: skip
    assert code == 0, stderr
    assert "verdict     certified counterexample" in stdout and "reproduce   dualgap" in stdout
    assert "shard 1" in stderr and "{" not in stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "whitened-zero-gap.json",
        "whitened-zero-gap.npz",
    ]
    payload = json.loads(record.read_text())
    assert payload["verdict"] == CERTIFIED and payload["conjecture"]["name"] == "whitened-zero-gap"
    assert payload == json.loads((out / "whitened-zero-gap.json").read_text()) | {
        "times_s": payload["times_s"]
    }


def test_explore_list_names_every_conjecture(capsys):
    code, out, _ = run(capsys, "explore", "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == list(CONJECTURES)


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["explore", "no-such-conjecture"], "conjecture: unknown name 'no-such-conjecture'"),
        (["explore"], "conjecture: give a name"),
        (["explore", "whitened-zero-gap", "--examples", "0"], "--examples"),
        (["explore", "whitened-zero-gap", "--examples", "-2"], "--examples"),
        (["explore", "whitened-zero-gap", "--out", "{file}"], "--out"),
        (["explore", "whitened-zero-gap", "--out", "{missing}/out"], "--out"),
        (["explore", "whitened-zero-gap", "--out", "{file}/sub"], "--out"),
        (["explore", "whitened-zero-gap", "--database", "{file}"], "--database"),
        (["explore", "whitened-zero-gap", "--json", "{missing}/x.json"], "--json"),
    ],
)
def test_explore_bad_input_is_one_line_exit_2_nothing_written(capsys, tmp_path, argv, option):
    taken = tmp_path / "taken"
    taken.write_text("")
    paths = {"file": str(taken), "missing": str(tmp_path / "missing")}
    argv = [arg.format(**paths) for arg in argv]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("dualgap: error: ") and option in err
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    if "unknown name" in option:
        assert all(name in err for name in CONJECTURES)


# --- the Dask backend -------------------------------------------------------------------------


def _untimed_outcomes(run: runner.ClaimRun) -> list[dict]:
    return [o.to_json() | {"result": o.result.to_json() | {"elapsed_s": 0}} for o in run.outcomes]


def test_dask_cluster_gives_the_results_of_one_process():
    """A LocalCluster (two worker processes) explores and verifies exactly as one process."""
    distributed = pytest.importorskip("distributed")
    budget = Budget(seed=2, restarts=1, max_iter=50, solver=False)
    claim = get("linear-parallel-zero-gap")
    # drawn before the cluster starts: its scheduler runs in this process, and hypothesis
    # warns about the `random` calls of the scheduler's thread while it draws
    drawn = {claim.id: runner.draw_instances(claim.instances(), 3, 2)}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        remote = explore(CONJECTURES["parallel-linear-zero-gap"], 100, 5, scheduler=address)
        (run,) = runner.run_claims([claim], 3, 2, budget, instances=drawn, scheduler=address)
    local = explore(CONJECTURES["parallel-linear-zero-gap"], 100, 5)
    assert remote.tried == 100 and _untimed(remote) == _untimed(local)
    (serial,) = runner.run_claims([claim], 3, 2, budget, instances=drawn)
    assert _untimed_outcomes(run) == _untimed_outcomes(serial)


def test_unreachable_scheduler_is_one_line_exit_2_within_seconds(capsys, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT_S", 1)
    target = tmp_path / "out.json"
    start = time.perf_counter()
    code, out, err = run(
        capsys, "verify", "weight-decay-schatten", "--examples", "1", "--json", str(target),
        "--scheduler", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert time.perf_counter() - start < 10
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("dualgap: error: --scheduler: cannot reach a Dask scheduler")
    assert not target.exists()
