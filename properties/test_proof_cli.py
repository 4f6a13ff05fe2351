"""Proof mode on the command line: ``check --proof``/``--certificate``, ``prove-certificate``,
``verify --proof``; certificates round-trip through the independent checker alone."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from mpmath import mp

from verify.cli import main
from verify.instances import Instance


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def identity_npz(tmp_path):
    path = tmp_path / "i2.npz"
    Instance(np.eye(2), np.eye(2), L=3, t=1.0).save_npz(path)
    return path


def _encloses(interval: list[str], value: mp.mpf) -> bool:
    with mp.workdps(60):
        return mp.mpf(interval[0]) <= value <= mp.mpf(interval[1])


def test_check_proof_proves_the_identity_gap(capsys, identity_npz):
    """``W* = I₂``, ``L = 3``, ``t = 1``: ``proved``, enclosures containing ``2√2`` and ``2``."""
    code, out, _ = run(
        capsys, "check", "linear-standard-gap", "--instance", str(identity_npz), "--proof", "--json"
    )
    assert code == 0
    proof = json.loads(out)["proof"]
    assert proof["status"] == "proved"
    with mp.workdps(60):
        assert _encloses(proof["enclosures"]["primal"], 2 * mp.sqrt(2))
        assert _encloses(proof["enclosures"]["dual"], mp.mpf(2))
        assert mp.mpf(proof["enclosures"]["gap"][0]) > 0
    code, out, _ = run(capsys, "check", "linear-standard-gap", "--instance", str(identity_npz),
                       "--proof")  # fmt: skip
    assert code == 0 and "proof      proved (gap in [0.828427124746" in out


def test_the_c6_counterexample_gap_is_proved(capsys, tmp_path):
    path = tmp_path / "c6.npz"
    Instance([[1.0], [-1.0]], [1.0, -1.0], L=3, t=1.0).save_npz(path)
    code, out, _ = run(
        capsys, "check", "relu-rank1-three-layer", "--instance", str(path), "--proof", "--json"
    )
    proof = json.loads(out)["proof"]
    assert code == 0 and proof["status"] == "proved"
    with mp.workdps(60):
        assert _encloses(proof["enclosures"]["gap"], 2 * mp.sqrt(2) - 2)


def test_a_certificate_round_trips_through_the_independent_checker(capsys, tmp_path, identity_npz):
    certificate = tmp_path / "i2.cert.json"
    code, _, _ = run(capsys, "check", "linear-standard-gap", "--instance", str(identity_npz),
                     "--certificate", str(certificate))  # fmt: skip
    assert code == 0 and certificate.is_file()
    code, out, _ = run(capsys, "prove-certificate", str(certificate), "--instance",
                       str(identity_npz), "--claim", "linear-standard-gap")  # fmt: skip
    assert code == 0 and out.startswith("linear-standard-gap: proved")
    code, out, _ = run(capsys, "prove-certificate", str(certificate), "--json")
    assert code == 0 and json.loads(out)["status"] == "proved"


def test_a_perturbed_certificate_is_not_proved_naming_the_failing_check(capsys, tmp_path,
                                                                       identity_npz):  # fmt: skip
    certificate = tmp_path / "i2.cert.json"
    run(capsys, "check", "linear-standard-gap", "--instance", str(identity_npz),
        "--certificate", str(certificate))  # fmt: skip
    document = json.loads(certificate.read_text())
    document["dual"]["Lambda"][0][0] = "5"  # ‖XᵀΛ‖₂ > 1: breaks the dual constraint
    certificate.write_text(json.dumps(document))
    code, out, _ = run(capsys, "prove-certificate", str(certificate))
    assert code == 1
    assert "not proved" in out and "dual" in out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("not json", "not readable JSON"), ('{"format": "other"}', "format"), ("[1, 2]", "object")],
)
def test_a_malformed_certificate_is_one_line_and_exit_two(capsys, tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(capsys, "prove-certificate", str(path))
    assert code == 2 and out == ""
    assert err.startswith("dualgap: error:") and fragment in err and err.count("\n") == 1


def test_a_certificate_for_another_instance_or_claim_is_refused(capsys, tmp_path, identity_npz):
    certificate = tmp_path / "i2.cert.json"
    run(capsys, "check", "linear-standard-gap", "--instance", str(identity_npz),
        "--certificate", str(certificate))  # fmt: skip
    other = tmp_path / "other.npz"
    Instance(np.eye(2), 2 * np.eye(2), L=3, t=1.0).save_npz(other)
    code, _, err = run(capsys, "prove-certificate", str(certificate), "--instance", str(other))
    assert code == 2 and "another instance" in err
    code, _, err = run(capsys, "prove-certificate", str(certificate), "--claim",
                       "linear-parallel-zero-gap")  # fmt: skip
    assert code == 2 and "--claim" in err


def test_no_certificate_is_written_when_none_exists(capsys, tmp_path):
    """Float labels not exactly in the range of X (N > d): the exact problem is infeasible, so
    there is no certificate — said, not faked; the floating-point verdict stands."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 2))
    path, certificate = tmp_path / "float.npz", tmp_path / "float.cert.json"
    Instance(X, X @ rng.standard_normal((2, 2)), L=3, t=1.0).save_npz(path)
    code, out, err = run(capsys, "check", "linear-standard-gap", "--instance", str(path),
                         "--certificate", str(certificate), "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["verdict"] == "holds"
    assert json.loads(out)["proof"]["status"] == "not proved"
    assert "no certificate written" in err and not certificate.exists()


def test_verify_proof_adds_a_proved_column(capsys):
    code, out, _ = run(capsys, "verify", "weight-decay-low-rank", "--examples", "2", "--proof")
    assert code == 0
    header, _, row, *_ = out.splitlines()
    assert header.rstrip().endswith("proved")
    proved, total = row.split()[-1].split("/")
    assert int(total) >= 2 and int(proved) == int(total)
    assert math.isfinite(float(row.split()[-2].rstrip("s")))
