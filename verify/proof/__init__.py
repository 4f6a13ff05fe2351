"""The independent proof checker: exact re-verification of dualgap certificates.

A certificate (format in ``docs/certificates.md``) holds an instance and the witnesses a
verdict rests on — network weights, dual matrices, sign patterns and multipliers — as exact
rationals. This package re-verifies it from the document alone, in exact rational arithmetic
(python-flint ``fmpq``) and ball arithmetic (``arb``), and encloses the primal value ``P``, the
dual value ``D`` and the gap ``P − D``.

It is deliberately small and independent: it imports nothing of ``verify`` but the exact
integer enumeration of hyperplane-arrangement patterns (:mod:`verify.arrangements`); no solver,
no search, no claim module, no floating-point linear algebra. What each check proves, and which
steps are proved inequalities rather than certificates, is stated in the checker modules and in
``docs/certificates.md``.
"""

from verify.proof.checker import check_certificate, check_file, read_certificate
from verify.proof.document import FORMAT, PROBLEMS
from verify.proof.rationals import CertificateError
from verify.proof.result import NOT_PROVED, PROVED, PROVED_WITHIN, STATUSES, Check, ProofResult

__all__ = [
    "FORMAT",
    "NOT_PROVED",
    "PROBLEMS",
    "PROVED",
    "PROVED_WITHIN",
    "STATUSES",
    "CertificateError",
    "Check",
    "ProofResult",
    "check_certificate",
    "check_file",
    "read_certificate",
]
