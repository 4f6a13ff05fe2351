"""Entry points: check a certificate document or file with the independent checker alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from verify.proof import linear, rank1, relu, ridge
from verify.proof.balls import working_precision
from verify.proof.document import Certificate, parse
from verify.proof.rationals import CertificateError
from verify.proof.result import Ledger, ProofResult, Refuted

CHECKERS: dict[str, Callable[[Certificate, Ledger], ProofResult]] = {
    "linear-standard-t": linear.check_standard,
    "linear-weight-decay": linear.check_weight_decay,
    "linear-parallel-t": linear.check_parallel,
    "relu-parallel-t": relu.check_parallel,
    "relu-rank1-t": rank1.check_rank1,
    "linear-ridge": ridge.check_ridge,
}


def check_certificate(document: Any) -> ProofResult:
    """Re-verify a certificate (the parsed JSON document) in exact and ball arithmetic.

    Raises :class:`CertificateError` (one line naming the field) when the document is malformed;
    a well-formed certificate that proves nothing gives status ``not proved`` with the first
    failing check named.
    """
    certificate = parse(document)
    ledger = Ledger(certificate.claim)
    with working_precision():
        try:
            return CHECKERS[certificate.problem](certificate, ledger)
        except Refuted as error:
            return ledger.refuted(error)


def read_certificate(path: str | Path) -> Any:
    """The JSON document of a certificate file (no validation beyond JSON syntax)."""
    path = Path(path)
    if not path.is_file():
        raise CertificateError("certificate", f"file {str(path)!r} does not exist")
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CertificateError("certificate", f"{path} is not readable JSON ({exc})") from None


def check_file(path: str | Path) -> ProofResult:
    return check_certificate(read_certificate(path))
