"""The documentation cites only what the repository holds.

Every repository path cited in a docstring of ``verify/``, in a claim's ``source``, in the
README, CONTRIBUTING.md or a document under ``docs/`` exists; every relative Markdown link
resolves; every ``:mod:``/``:func:``/… reference to ``verify`` names something importable;
nothing mentions the working-notes folder outside the repository; and every claim cites its
formulation file. A self-check shows that the path checker reports a fabricated path.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from verify.claims import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
SOURCES = sorted((ROOT / "verify").rglob("*.py"))
FORMULATIONS = ROOT / "docs" / "formulations"

#: A repository path as text: it starts with a top-level folder of the repository and runs to the
#: end of the token. A token that continues with a template character (``<``, ``*``, ``{``) is a
#: pattern such as ``properties/test_<claim_id>.py``, not a citation.
REPOSITORY_PATH = re.compile(
    r"(?<![\w/.-])((?:docs|verify|benchmarks|properties)/[\w./-]*)(?![\w./<*{-])"
)
#: ``[text](target)``: a Markdown link (the target is relative to the document)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
#: ``:mod:`verify.x```, ``:func:`verify.x.f```, …: a Sphinx-style cross-reference into verify
CROSS_REFERENCE = re.compile(r":(?:mod|func|class|data|meth|attr):`~?(verify(?:\.\w+)+)`")
#: the folder of working notes that lives outside the repository (a clone has no such folder)
OUTSIDE_FOLDER = "shared" + "/"


def cited_paths(text: str) -> list[str]:
    """Repository paths cited in ``text`` (a trailing full stop ends a sentence, not the path)."""
    return [match.rstrip(".") for match in REPOSITORY_PATH.findall(text)]


def missing_paths(text: str) -> list[str]:
    """The cited repository paths of ``text`` that do not exist under the repository root."""
    return [path for path in cited_paths(text) if not (ROOT / path).exists()]


def docstrings(path: Path) -> list[str]:
    """The module, class and function docstrings of a Python source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *ast.walk(tree)]
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return [doc for node in nodes if isinstance(node, kinds) and (doc := ast.get_docstring(node))]


def resolves(reference: str) -> bool:
    """Whether a dotted name ``verify.module[.attribute…]`` names a module or an attribute."""
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def test_the_path_checker_reports_a_fabricated_path():
    text = (
        "See ``docs/formulations/C9-no-such-claim.md`` and `verify/claims/base.py`; the pattern "
        "`properties/test_<claim_id>.py` is a template, and verify/rank1.py ends a sentence."
    )
    assert cited_paths(text) == [
        "docs/formulations/C9-no-such-claim.md",
        "verify/claims/base.py",
        "verify/rank1.py",
    ]
    assert missing_paths(text) == ["docs/formulations/C9-no-such-claim.md"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docstring_paths_and_references_exist(path):
    for doc in docstrings(path):
        assert not missing_paths(doc), (missing_paths(doc), doc[:200])
        broken = [ref for ref in CROSS_REFERENCE.findall(doc) if not resolves(ref)]
        assert not broken, (broken, doc[:200])


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_document_paths_and_links_exist(path):
    text = path.read_text(encoding="utf-8")
    assert not missing_paths(text), missing_paths(text)
    links = [link.split("#")[0] for link in MARKDOWN_LINK.findall(text)]
    local = [link for link in links if link and not re.match(r"[a-z]+:", link)]
    broken = [link for link in local if not (path.parent / link).exists()]
    assert not broken, broken


def test_nothing_mentions_the_folder_outside_the_repository():
    mentions = []
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        hidden = any(part.startswith(".") and part != ".github" for part in parts)
        generated = any(part == "__pycache__" or part.endswith(".egg-info") for part in parts)
        if path.is_file() and not hidden and not generated:
            if OUTSIDE_FOLDER in path.read_text(encoding="utf-8", errors="ignore"):
                mentions.append(str(path.relative_to(ROOT)))
    assert not mentions, mentions


@pytest.mark.parametrize("claim", list(REGISTRY.values()), ids=list(REGISTRY))
def test_every_claim_cites_its_formulation(claim):
    relative = f"docs/formulations/{claim.number}-{claim.id}.md"
    assert (ROOT / relative).is_file(), relative
    module_doc = importlib.import_module(type(claim).__module__).__doc__
    assert relative in module_doc
    assert relative in claim.source
    assert not missing_paths(claim.source), claim.source


def test_the_formulation_index_lists_every_file():
    index = (FORMULATIONS / "README.md").read_text(encoding="utf-8")
    listed = {link for link in MARKDOWN_LINK.findall(index)}
    files = {path.name for path in FORMULATIONS.glob("*.md") if path.name != "README.md"}
    assert files <= listed, files - listed
