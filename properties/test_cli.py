"""The command line contract: output, exit codes, and bad input (exit 2, one line, no file)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from verify.claims import REGISTRY
from verify.cli import main

REQUIRED_KEYS = {
    "claim",
    "verdict",
    "primal_value",
    "dual_value",
    "gap",
    "predicted",
    "bounds",
    "elapsed_s",
}


@pytest.fixture
def identity_npz(tmp_path):
    path = tmp_path / "identity.npz"
    np.savez(path, X=np.eye(2), Y=np.eye(2), L=3, t=1.0)
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_claim(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for claim_id in REGISTRY:
        assert claim_id in out
    code, out, _ = run(capsys, "list", "--json")
    assert [c["id"] for c in json.loads(out)] == list(REGISTRY)


def test_check_reproduces_the_identity_counterexample(capsys, identity_npz):
    code, out, err = run(
        capsys, "check", "linear-standard-gap", "--instance", str(identity_npz), "--json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert REQUIRED_KEYS <= set(payload)
    assert payload["primal_value"] == pytest.approx(2 * math.sqrt(2), rel=1e-12)
    assert payload["dual_value"] == pytest.approx(2.0, rel=1e-12)
    assert payload["gap"] == pytest.approx(2 * math.sqrt(2) - 2, rel=1e-9)
    assert payload["rank"] == 2 and payload["verdict"] == "holds"
    assert set(payload["bounds"]) >= {"primal_lower", "primal_upper", "dual_lower", "dual_upper"}
    assert {"numpy", "scipy", "cvxpy", "sympy"} <= set(payload["versions"])


def test_check_prints_a_readable_report(capsys, identity_npz):
    code, out, _ = run(capsys, "check", "linear-parallel-zero-gap", "--instance", str(identity_npz))
    assert code == 0
    assert "verdict    holds" in out and "certificate" in out and "seed 0" in out


def test_verify_one_claim_exits_zero_and_writes_json(capsys, tmp_path):
    target = tmp_path / "out.json"
    code, out, err = run(
        capsys,
        "verify",
        "weight-decay-schatten",
        "--examples",
        "2",
        "--seed",
        "3",
        "--json",
        str(target),
    )
    assert code == 0, out
    assert "C2 weight-decay-schatten" in out and "seed 3" in err
    payload = json.loads(target.read_text())
    assert payload["seed"] == 3 and payload["claims"][0]["ok"]
    assert payload["claims"][0]["controls_refuted"] == payload["claims"][0]["controls"]


def test_infeasible_labels_are_a_verdict_with_their_own_exit_code(capsys, tmp_path):
    """``infeasible`` is an answer, not bad input: exit 3 (not 2), the JSON on stdout."""
    path = tmp_path / "outside.npz"
    np.savez(path, X=np.vstack([np.eye(2), np.zeros((1, 2))]), Y=np.ones(3), L=3, t=1.0)
    code, out, err = run(capsys, "check", "linear-standard-gap", "--instance", str(path), "--json")
    assert code == 3
    assert json.loads(out)["verdict"] == "infeasible"
    assert err.startswith("dualgap: infeasible: Y is not in the range of X")


def test_an_inconclusive_verdict_has_its_own_exit_code(capsys, tmp_path):
    """κ(X) = 1e12: float64 cannot certify the values, exit 4 with the reason in the output."""
    claim = REGISTRY["linear-standard-gap"]
    ill = next(e for e in claim.pinned_examples() if e.instance.label == "κ(X) = 1e12")
    path = tmp_path / "ill.npz"
    ill.instance.save_npz(path)
    code, out, err = run(capsys, "check", "linear-standard-gap", "--instance", str(path), "--json")
    assert code == 4
    result = json.loads(out)
    assert result["verdict"] == "inconclusive"
    assert any("too ill-conditioned for float64" in line for line in result["details"])
    assert err.startswith("dualgap: inconclusive")


@pytest.mark.parametrize(
    ("arrays", "field"),
    [
        ({"X": np.eye(2), "Y": np.eye(2), "L": 3}, "t"),
        ({"X": np.eye(2), "L": 3, "t": 1.0}, "Y"),
        ({"X": np.eye(2), "Y": np.eye(2), "L": 1, "t": 1.0}, "L"),
        ({"X": np.eye(2), "Y": np.eye(2), "L": 2.5, "t": 1.0}, "L"),
        ({"X": np.eye(2), "Y": np.eye(2), "L": 3, "t": 0.0}, "t"),
        ({"X": np.eye(2), "Y": np.eye(2), "L": 3, "t": -2.0}, "t"),
        ({"X": np.array([[np.nan, 1.0], [0.0, 1.0]]), "Y": np.eye(2), "L": 3, "t": 1.0}, "X"),
        ({"X": np.eye(2), "Y": np.ones((3, 2)), "L": 3, "t": 1.0}, "Y"),
        ({"X": np.eye(2), "Y": np.eye(2), "L": np.array([3, 4]), "t": 1.0}, "L"),
    ],
)
def test_bad_instances_exit_two_naming_the_field(capsys, tmp_path, arrays, field):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    before = sorted(tmp_path.iterdir())
    code, out, err = run(capsys, "check", "linear-standard-gap", "--instance", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"dualgap: error: {field}: ") and err.count("\n") == 1
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["check", "no-such-claim", "--instance", "x.npz"], "unknown claim id"),
        (["check", "linear-standard-gap", "--instance", "missing.npz"], "does not exist"),
        (["verify", "no-such-claim"], "unknown claim id"),
        (["verify", "--examples", "-1"], "--examples"),
        (["verify", "--examples", "many"], "--examples"),
        (["verify", "--json", "/no/such/folder/out.json"], "does not exist"),
        (["verify", "--profile", "quick"], "--profile"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_usage_exits_two_with_one_line(capsys, tmp_path, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("dualgap: error:") and fragment in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_verify_json_path_that_is_a_directory_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "verify", "--json", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_python_dash_m_is_the_same_command_and_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, X=np.eye(2), Y=np.eye(2), L=3, t=float("inf"))
    proc = subprocess.run(
        [sys.executable, "-m", "verify", "check", "linear-standard-gap", "--instance", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("dualgap: error: t: ")


def strip_timing(value):
    if isinstance(value, dict):
        return {k: strip_timing(v) for k, v in value.items() if k != "elapsed_s"}
    if isinstance(value, list):
        return [strip_timing(v) for v in value]
    return value


def test_verify_with_two_jobs_equals_one_job(capsys, tmp_path):
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"jobs{jobs}.json"
        code, _, _ = run(
            capsys,
            "verify",
            "linear-standard-gap",
            "--examples",
            "2",
            "--jobs",
            jobs,
            "--json",
            str(target),
        )
        assert code == 0
        outputs.append(strip_timing(json.loads(target.read_text())["claims"]))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("kind", ["file", "missing-parent", "readme-without-markers"])
def test_report_refuses_a_bad_destination_and_writes_nothing(capsys, tmp_path, kind):
    if kind == "file":
        (tmp_path / "taken").write_text("x")
        argv = ["report", "--out", str(tmp_path / "taken")]
    elif kind == "missing-parent":
        argv = ["report", "--out", str(tmp_path / "no" / "such" / "dir")]
    else:
        (tmp_path / "README.md").write_text("no markers here\n")
        argv = ["report", "--out", str(tmp_path / "out"), "--readme", str(tmp_path / "README.md")]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.startswith("dualgap: error: --")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "out").exists()


def test_verify_with_zero_examples_runs_only_pinned_examples_and_controls(capsys):
    code, out, _ = run(capsys, "verify", "weight-decay-schatten", "--examples", "0")
    assert code == 0 and "C2 weight-decay-schatten" in out
