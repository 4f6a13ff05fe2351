"""Command line: ``dualgap list | check | verify | report | explore`` (``python -m verify``
is the same).

Exit codes: 0 every outcome is as the project records it; 1 an unexpected outcome (a
counterexample to a claim recorded as holding, a negative control that was not refuted, a failed
certificate); 2 bad usage or bad input (one line on stderr, no traceback, no file written);
3 (``check``) the valid verdict ``infeasible``: no network interpolates the labels (the JSON or
the report is still printed); 4 (``check``) the verdict ``inconclusive``: float64 could not
decide, the reason is in the details.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from pathlib import Path
from typing import Any

from verify import __version__
from verify.claims import REGISTRY, Budget, get
from verify.claims.relu_parallel_zero_gap import ReluParallelZeroGap, SampledBudget
from verify.instances import InstanceError, load
from verify.proof import CertificateError
from verify.result import (
    HOLDS,
    INCONCLUSIVE,
    INFEASIBLE,
    CheckResult,
    dumps_json,
    library_versions,
)
from verify.runner import PROFILES, ClaimRun, SchedulerError, run_claims, worker_pool

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_INCONCLUSIVE = 0, 1, 2, 3, 4


class UsageError(Exception):
    """Bad command-line usage: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the usage block first
        raise UsageError(message)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ {minimum}, got {text!r}")
    return value


def _number(text: str, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else "≥ 0"
        raise argparse.ArgumentTypeError(f"expected a number {bound}, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    return _number(text, positive=False)


def _positive_float(text: str) -> float:
    return _number(text, positive=True)


def _non_negative_int(text: str) -> int:
    return _whole_number(text, 0)


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


#: The claim ``check --sampled`` applies to.
SAMPLED_CLAIM = ReluParallelZeroGap.id


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dualgap",
        description="Numeric proof checker for 'Parallel Deep Neural Networks Have Zero "
        "Duality Gap' (Wang, Ergen, Pilanci, ICLR 2023).",
    )
    parser.add_argument("--version", action="version", version=f"dualgap {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list the claims")
    listing.add_argument("--json", action="store_true", help="print JSON")

    check = commands.add_parser("check", help="check one claim on your own instance")
    check.add_argument("claim", help="claim id (see `dualgap list`)")
    check.add_argument("--instance", required=True, help=".npz (or .json) with X, Y, L, t, …")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--seed", type=_non_negative_int, default=0, help="seed (default 0)")
    check.add_argument("--bias", action="store_true", help="append a column of ones to X")
    check.add_argument(
        "--budget",
        type=_non_negative_float,
        default=1.0,
        help="work of the falsification search, relative to the default (0: none)",
    )
    check.add_argument(
        "--timeout",
        type=_positive_float,
        help="seconds the falsification search may take (its outcome then depends on the machine)",
    )
    check.add_argument(
        "--sampled",
        action="store_true",
        help=f"{SAMPLED_CLAIM} at L = 2 beyond the exact path's size limit: solve over sampled "
        "patterns; the result is labelled NOT CERTIFIED and its verdict is never holds",
    )
    check.add_argument(
        "--proof",
        action="store_true",
        help="also build the exact certificate and re-verify it with the independent checker",
    )
    check.add_argument(
        "--certificate",
        metavar="FILE",
        help="write the exact certificate to FILE (implies --proof; docs/certificates.md)",
    )

    proving = commands.add_parser(
        "prove-certificate",
        help="re-verify a certificate file with the independent exact checker alone",
    )
    proving.add_argument("file", help="certificate (.json) written by `check --certificate`")
    proving.add_argument("--instance", help="also require the certificate to be for this instance")
    proving.add_argument("--claim", help="also require the certificate to be for this claim")
    proving.add_argument("--json", action="store_true", help="print the checker's JSON")

    verify = commands.add_parser("verify", help="explore claims on generated instances")
    verify.add_argument("claims", nargs="*", help="claim ids (default: all)")
    verify.add_argument("--examples", type=_non_negative_int, help="generated instances/claim")
    verify.add_argument("--seed", type=_non_negative_int, default=0, help="seed (default 0)")
    verify.add_argument("--profile", choices=sorted(PROFILES), default="dev")
    verify.add_argument("--json", metavar="FILE", help="write every result to FILE")
    verify.add_argument("--jobs", type=_positive_int, default=1, help="worker processes")
    verify.add_argument("--proof", action="store_true", help="re-verify every check exactly")
    _scheduler_option(verify)

    report = commands.add_parser(
        "report", help="regenerate Table 1 (docs/formulations/table1.md) with figures"
    )
    report.add_argument("--out", default="report", help="output folder (default ./report)")
    report.add_argument(
        "--examples",
        type=_non_negative_int,
        help="instances per Table 1 cell (minimum), and per other claim",
    )
    report.add_argument("--seed", type=_non_negative_int, default=0, help="seed (default 0)")
    report.add_argument("--jobs", type=_positive_int, default=1, help="worker processes")
    report.add_argument("--readme", metavar="FILE", help="also update the results table in FILE")
    report.add_argument("--proof", action="store_true", help="re-verify every check exactly")
    _scheduler_option(report)

    explore = commands.add_parser(
        "explore",
        help="search a certified counterexample to a conjecture (hypothesis: targeted search, "
        "shrinking)",
    )
    explore.add_argument("name", nargs="?", help="conjecture (see `dualgap explore --list`)")
    explore.add_argument("--list", action="store_true", help="list the conjectures")
    explore.add_argument(
        "--examples",
        type=_positive_int,
        default=EXPLORE_EXAMPLES,
        help=f"instances to try at most (default {EXPLORE_EXAMPLES})",
    )
    explore.add_argument("--seed", type=_non_negative_int, default=0, help="seed (default 0)")
    explore.add_argument("--jobs", type=_positive_int, default=1, help="worker processes")
    _scheduler_option(explore)
    explore.add_argument(
        "--out",
        default="counterexamples",
        help="folder for NAME.npz and NAME.json (default ./counterexamples)",
    )
    explore.add_argument("--json", metavar="FILE", help="write the exploration to FILE")
    explore.add_argument(
        "--database",
        metavar="DIR",
        help="hypothesis example database: reruns start from saved counterexamples (default "
        "none: runs are reproducible from the seed)",
    )
    return parser


#: instances ``dualgap explore`` tries at most by default
EXPLORE_EXAMPLES = 200


def _scheduler_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster of this scheduler, e.g. tcp://HOST:8786 (needs "
        "dualgap[dask]; same results as --jobs 1)",
    )


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        commands = {
            "list": cmd_list,
            "check": cmd_check,
            "verify": cmd_verify,
            "report": cmd_report,
            "explore": cmd_explore,
            "prove-certificate": cmd_prove_certificate,
        }
        return commands[args.command](args)
    except (UsageError, InstanceError, CertificateError) as exc:
        print(f"dualgap: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SchedulerError as exc:
        print(f"dualgap: error: --scheduler: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dualgap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`dualgap check … | head`): stop quietly, as shell tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def cmd_list(args: argparse.Namespace) -> int:
    if args.json:
        print(dumps_json([claim.describe() for claim in REGISTRY.values()], indent=2))
        return EXIT_OK
    for claim in REGISTRY.values():
        print(f"{claim.number:<4}{claim.id:<28}{claim.title}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    claim = get(args.claim)
    if args.sampled and claim.id != SAMPLED_CLAIM:
        raise UsageError(f"--sampled applies to {SAMPLED_CLAIM} only; drop it")
    target = _check_output_path(args.certificate, "--certificate") if args.certificate else None
    instance = load(args.instance, required=claim.required, hints=claim.field_hints)
    if args.bias:
        instance = instance.with_bias()
    if sys.stderr.isatty():  # progress of long checks (the search's starts) on a terminal
        logging.basicConfig(level=logging.INFO, format="dualgap: %(message)s", stream=sys.stderr)
    budget = Budget(seed=args.seed, work=args.budget, timeout=args.timeout)
    if args.sampled:
        budget = SampledBudget(seed=args.seed, work=args.budget, timeout=args.timeout)
    result = claim.check(instance, budget)
    if args.proof or target is not None:
        from verify.certificates import prove_check, write_certificate  # exact arithmetic

        document, proof = prove_check(claim, instance, result)
        result.proof = proof.to_json()
        if target is not None:
            if document is None:
                print(f"dualgap: no certificate written: {proof.reason}", file=sys.stderr)
            else:
                write_certificate(document, target)
    if args.json:
        print(result.dumps(indent=2))
    else:
        print(format_result(result, claim.title, claim.shown_fields))
    if result.verdict == INFEASIBLE:
        reason = result.extra.get("infeasible", "the instance is infeasible")
        print(f"dualgap: infeasible: {reason}", file=sys.stderr)
        return EXIT_INFEASIBLE
    if result.verdict == INCONCLUSIVE:
        print("dualgap: inconclusive: see the details for why", file=sys.stderr)
        return EXIT_INCONCLUSIVE
    return EXIT_OK if result.verdict == claim.expected else EXIT_UNEXPECTED


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.10g}" if math.isfinite(value) else ("+inf" if value > 0 else "-inf")


def format_result(result: CheckResult, title: str = "", shown_fields: tuple[str, ...] = ()) -> str:
    """Human-readable rendering of one check; ``shown_fields`` are the claim's ``extra`` keys
    worth a line (:attr:`verify.claims.Claim.shown_fields`)."""
    summary = " ".join(f"{k}={v}" for k, v in result.instance.items())
    lines = [
        f"claim      {result.claim}" + (f" — {title}" if title else ""),
        f"instance   {summary}",
        f"verdict    {result.verdict}  (relative tolerance {result.tolerance:.1e})",
        f"values     primal {_fmt(result.primal_value)}   dual {_fmt(result.dual_value)}   "
        f"gap {_fmt(result.gap)}",
        "predicted  " + "   ".join(f"{k} {_fmt(v)}" for k, v in result.predicted.items()),
        "bounds",
    ]
    for name, bound in result.bounds.items():
        if bound is None:
            lines.append(f"  {name:<28}—")
            continue
        lines.append(
            f"  {name:<28}{_fmt(bound.value):<20}{bound.kind:<12}"
            f"residual {bound.residual:.1e}  {bound.how}"
        )
    for key in shown_fields:
        if key in result.extra:
            lines.append(f"{key:<10} {result.extra[key]}")
    if result.proof is not None:
        lines.append(f"proof      {proof_line(result.proof)}")
    if result.details:
        lines.append("details")
        lines += [f"  - {line}" for line in result.details]
    versions = ", ".join(f"{k} {v}" for k, v in result.versions.items())
    lines.append(f"seed {result.seed}; {result.elapsed_s:.3f} s; {versions}")
    return "\n".join(lines)


def proof_line(proof: dict[str, Any]) -> str:
    """One line for a proof: its status, the gap's enclosure or ε, or why it was not proved."""
    if proof["status"] == "not proved":
        return f"not proved: {proof['reason']}"
    gap = proof["enclosures"].get("gap")
    where = f"gap in [{_short(gap[0])}, {_short(gap[1])}]" if gap else ""
    if proof["epsilon"] is not None:
        return f"{proof['status']} = {_short(proof['epsilon'])}" + (f" ({where})" if where else "")
    return f"{proof['status']} ({where})" if where else proof["status"]


def _short(decimal: str) -> str:
    """An exact decimal string shortened for a human line (the JSON keeps every digit)."""
    return f"{float(decimal):.12g}"


def cmd_prove_certificate(args: argparse.Namespace) -> int:
    """Exit 0 proved (or proved within ε), 1 not proved (the first failing check named), 2 a
    malformed certificate, or one for another instance or claim."""
    from verify.certificates import instance_mismatch
    from verify.proof import check_certificate, read_certificate

    document = read_certificate(args.file)
    if not isinstance(document, dict):
        raise CertificateError("certificate", f"{args.file} must hold a JSON object")
    if args.claim is not None and get(args.claim) is not get(str(document.get("claim"))):
        raise UsageError(
            f"--claim: the certificate is for claim {document.get('claim')!r}, not {args.claim!r}"
        )
    if args.instance is not None:
        mismatch = instance_mismatch(document, load(args.instance))
        if mismatch is not None:
            raise UsageError(f"--instance: {mismatch}")
    proof = check_certificate(document)
    if args.json:
        print(dumps_json(proof.to_json(), indent=2))
    else:
        print(f"{proof.claim}: {proof_line(proof.to_json())}")
        print(f"arithmetic: {proof.arithmetic}")
        for name, (lo, hi) in proof.enclosures.items():
            print(f"  {name:<22}[{lo}, {hi}]")
    return EXIT_OK if proof.proved else EXIT_UNEXPECTED


def _check_output_path(path: str, option: str = "--json") -> Path:
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option}: {path!r} is a directory; give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{option}: folder {str(parent)!r} does not exist; create it first")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"{option}: {path!r} is not writable; choose another path")
    return target


class _Progress:
    """Progress on stderr: a bar on a terminal, one line per finished claim otherwise."""

    WIDTH = 24

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def __call__(self, claim_id: str, done: int, total: int) -> None:
        if self.live:
            filled = self.WIDTH * done // max(total, 1)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            end = "\n" if done == total else ""
            print(f"\r  {claim_id:<28}[{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif done == total:
            print(f"  {claim_id}: {total} checks done", file=sys.stderr, flush=True)


def _run_claims(
    args: argparse.Namespace, profile_name: str, per_cell: bool = False
) -> tuple[list[ClaimRun], int, str]:
    """Explore the requested claims; returns the runs, the example count and the command that
    reproduces them. With ``per_cell``, the claims behind Table 1 check instances drawn per
    cell (at least the example count in each, :func:`verify.table1.cell_instances`); the
    others, and every claim without it, that many instances drawn from their strategy."""
    claims = [get(claim_id) for claim_id in getattr(args, "claims", [])] or list(REGISTRY.values())
    profile = PROFILES[profile_name]
    examples = args.examples if args.examples is not None else profile["examples"]
    budget = Budget(seed=args.seed, restarts=profile["restarts"], proof=args.proof)
    drawn = None
    if per_cell:
        from verify.table1 import cell_instances

        drawn = cell_instances(examples, args.seed, [claim.id for claim in claims])
        counted = f"≥ {examples} generated instances per Table 1 cell, {examples} per other claim"
    else:
        counted = f"{examples} generated instances per claim"
    print(
        f"dualgap {args.command}: seed {args.seed}, profile {profile_name}, {counted}, "
        f"{_workers(args)}",
        file=sys.stderr,
    )
    runs = run_claims(
        claims,
        examples,
        args.seed,
        budget,
        _Progress(),
        jobs=args.jobs,
        instances=drawn,
        scheduler=args.scheduler,
    )
    names = " ".join(c.id for c in claims) if getattr(args, "claims", []) else ""
    command = f"dualgap {args.command} {names} --seed {args.seed} --examples {examples}"
    if args.command == "verify":
        command += f" --profile {profile_name}"
    if args.proof:
        command += " --proof"
    return runs, examples, " ".join(command.split())


def _workers(args: argparse.Namespace) -> str:
    return f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"


def _check_scheduler(args: argparse.Namespace) -> None:
    """Connect to ``--scheduler`` once before any work, so that an unusable one is a one-line
    error (:class:`~verify.runner.SchedulerError`) with nothing printed or written before it."""
    if args.scheduler:
        with worker_pool(scheduler=args.scheduler):
            pass


def cmd_verify(args: argparse.Namespace) -> int:
    for claim_id in args.claims:
        get(claim_id)
    target = _check_output_path(args.json) if args.json else None
    _check_scheduler(args)
    runs, examples, reproduce = _run_claims(args, args.profile)
    print(format_table(runs))
    unexpected = [(run, o) for run in runs for o in run.outcomes if not o.ok]
    for run, outcome in unexpected:
        print(
            f"UNEXPECTED {run.claim.id} {outcome.kind} {outcome.label}: {outcome.verdict} "
            f"(expected {outcome.expected}); instance {outcome.result.instance}; "
            f"details: {'; '.join(outcome.result.details)}"
        )
    print(
        "every outcome as the project records it"
        if not unexpected
        else f"{len(unexpected)} unexpected outcome(s); reproduce with `{reproduce}` "
        "(add --json FILE to get the instances)"
    )
    if target is not None:
        payload: dict[str, Any] = {
            "command": reproduce,
            "seed": args.seed,
            "profile": args.profile,
            "examples": examples,
            "versions": library_versions(),
            "claims": [run.to_json() for run in runs],
        }
        target.write_text(dumps_json(payload, indent=1))
    return EXIT_UNEXPECTED if unexpected else EXIT_OK


def _check_output_folder(path: str, option: str = "--out") -> Path:
    """An output folder (``--out``, ``--database``): created if missing (with its parents only
    if they exist), refused if it is a file or cannot be written. Checked before any work — by
    creating the folder and a probe file in it, since permission bits do not tell (``/proc``
    looks writable to root) — so bad usage writes nothing: what the probe created is removed
    again."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option}: {path!r} is a file; give a folder")
    existing = folder if folder.exists() else folder.parent
    if not existing.is_dir():
        raise UsageError(f"{option}: folder {str(existing)!r} does not exist; create it first")
    created = not folder.exists()
    probe = folder / ".dualgap-write-probe"
    try:
        folder.mkdir(exist_ok=True)
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        if created and folder.is_dir():
            folder.rmdir()
        raise UsageError(
            f"{option}: cannot write in {path!r} ({exc.strerror or exc}); choose another folder"
        ) from None
    if created:
        folder.rmdir()
    return folder


README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def _check_readme(path: str) -> Path:
    readme = Path(path)
    if not readme.is_file():
        raise UsageError(f"--readme: {path!r} is not a file")
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise UsageError(f"--readme: {path!r} has no {README_START} … {README_END} markers")
    if not os.access(readme, os.W_OK):
        raise UsageError(f"--readme: {path!r} is not writable")
    return readme


def cmd_report(args: argparse.Namespace) -> int:
    folder = _check_output_folder(args.out)
    readme = _check_readme(args.readme) if args.readme else None
    _check_scheduler(args)
    from verify.report import readme_results_table, write_report  # matplotlib: only when needed

    runs, examples, command = _run_claims(args, "dev", per_cell=True)
    explorations = _explore_conjectures(args)
    folder.mkdir(exist_ok=True)
    written = write_report(
        folder, runs, seed=args.seed, examples=examples, command=command, explorations=explorations
    )
    for name, path in written.items():
        print(f"{name:<16}{path}")
    if readme is not None:
        text = readme.read_text()
        head, rest = text.split(README_START, 1)
        _, tail = rest.split(README_END, 1)
        table = readme_results_table(runs)
        readme.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}")
        print(f"{'readme':<16}{readme}")
    unexpected = sum(not o.ok for run in runs for o in run.outcomes)
    unexpected += sum(exploration.unexpected for exploration in explorations)
    if unexpected:
        print(f"{unexpected} unexpected outcome(s): see {written.get('report', folder)}")
    return EXIT_UNEXPECTED if unexpected else EXIT_OK


#: examples each conjecture is explored on by ``dualgap report``: one shard, the first shard
#: of ``dualgap explore NAME --seed S`` (so the two agree whenever the explorer stops in it)
REPORT_EXPLORE_EXAMPLES = 50


def _explore_conjectures(args: argparse.Namespace) -> list:
    """Every conjecture explored on :data:`REPORT_EXPLORE_EXAMPLES` examples, for the report."""
    from verify.conjectures import CONJECTURES
    from verify.discovery import explore_all

    print(
        f"dualgap report: exploring {len(CONJECTURES)} conjectures, at most "
        f"{REPORT_EXPLORE_EXAMPLES} examples each",
        file=sys.stderr,
    )
    return explore_all(
        list(CONJECTURES.values()),
        REPORT_EXPLORE_EXAMPLES,
        args.seed,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )


def cmd_explore(args: argparse.Namespace) -> int:
    from verify.conjectures import CONJECTURES, get_conjecture
    from verify.discovery import CheckerCrash, explore, format_exploration, write_files

    if args.list:
        for conjecture in CONJECTURES.values():
            claim = conjecture.claim or "—"
            print(f"{conjecture.name:<30}{conjecture.expected:<7}{claim:<28}{conjecture.statement}")
        return EXIT_OK
    if args.name is None:
        raise UsageError("conjecture: give a name (`dualgap explore --list` lists them)")
    conjecture = get_conjecture(args.name)
    out = _check_output_folder(args.out)
    target = _check_output_path(args.json) if args.json else None
    database = str(_check_output_folder(args.database, "--database")) if args.database else None
    _check_scheduler(args)
    print(
        f"dualgap explore {conjecture.name}: seed {args.seed}, at most {args.examples} examples, "
        f"{_workers(args)}",
        file=sys.stderr,
    )
    try:
        result = explore(
            conjecture,
            args.examples,
            args.seed,
            jobs=args.jobs,
            scheduler=args.scheduler,
            database=database,
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    except CheckerCrash as exc:
        print(
            f"dualgap: error: a checker crashed (a defect, please report it): {exc}",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
    written = write_files(result, out)
    print(format_exploration(result, out if written else None))
    if target is not None:
        target.write_text(dumps_json(result.to_json(out if written else None), indent=1))
    return EXIT_UNEXPECTED if result.unexpected else EXIT_OK


def format_table(runs: list[ClaimRun]) -> str:
    proofs = any(run.proof_counts() for run in runs)
    header = (
        f"{'claim':<32}{'examples':>9}{'holds':>7}{'fails':>7}{'inconcl':>9}{'infeas':>8}"
        f"{'controls':>10}{'max resid':>11}{'time':>8}" + (f"{'proved':>9}" if proofs else "")
    )
    rows = [header, "-" * len(header)]
    for run in runs:
        counts = run.counts()
        refuted, controls = run.controls
        row = (
            f"{run.claim.number + ' ' + run.claim.id:<32}{run.examples:>9}"
            f"{counts.get(HOLDS, 0):>7}{counts.get('fails', 0):>7}"
            f"{counts.get('inconclusive', 0):>9}{counts.get(INFEASIBLE, 0):>8}"
            f"{f'{refuted}/{controls}':>10}{run.largest_residual:>11.1e}{run.elapsed_s:>7.1f}s"
        )
        if proofs:
            statuses = run.proof_counts()
            proved = sum(n for status, n in statuses.items() if status != "not proved")
            row += f"{f'{proved}/{sum(statuses.values())}':>9}"
        rows.append(row)
    if proofs:
        rows.append(
            "proved: checks whose exact certificate the independent checker re-verified (proved "
            "or proved within ε); the others keep their floating-point verdict"
        )
    return "\n".join(rows)
