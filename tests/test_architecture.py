"""The code's structure, as docs/architecture.md states it, checked on every run.

- The layers are import-linter's contracts (.importlinter), run by `make test` as its own
  step (scripts/test.sh).
- The kit: no module outside ``flow`` uses an underscore name of ``flow`` or ``documents``
  (neither ``from flow.services import _x`` nor ``flow._x``).
- The shell: no app below ``web`` imports ``web``.
- The seams: every dotted path the lower layers name (effects, checks, guards, the clock)
  resolves, so a renamed function fails here and not in an office.
- Every app of ours is in a layer of .importlinter and its tests are in pytest's testpaths
  (pyproject.toml): a new app whose imports nobody checks, or whose tests `make test` never
  collects, fails here.
"""

import ast
import configparser
import tomllib
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "node_modules", "var", "test-artifacts", "static", "migrations", "__pycache__", ".git"}
ENGINE = ("flow", "documents")
# Underscore names that are Django's public API, not the engine's private ones.
DJANGO_PUBLIC = {"_meta", "_default_manager", "_base_manager"}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS & set(rel.parts):
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))


def _is_engine(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in ENGINE


def test_no_underscore_names_of_the_engine_outside_it():
    offences = []
    for rel, tree in _sources():
        top = rel.parts[0]
        if top in ENGINE:
            continue
        aliases = {}  # local name -> engine module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _is_engine(node.module) and node.level == 0:
                for name in node.names:
                    if name.name.startswith("_"):
                        offences.append(f"{rel}:{node.lineno} from {node.module} import {name.name}")
                    aliases[name.asname or name.name] = f"{node.module}.{name.name}"
            elif isinstance(node, ast.Import):
                for name in node.names:
                    if _is_engine(name.name):
                        aliases[name.asname or name.name.split(".")[0]] = name.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and node.attr not in DJANGO_PUBLIC
                    and isinstance(node.value, ast.Name) and node.value.id in aliases):
                offences.append(f"{rel}:{node.lineno} {node.value.id}.{node.attr}")
    assert not offences, "underscore names of flow/documents used outside them:\n" + "\n".join(offences)


def test_no_app_below_web_imports_web():
    offences = []
    for rel, tree in _sources():
        if rel.parts[0] in ("web", "demo", "server") or "tests" in rel.parts or rel.parts[0] in ("tests", "bench",
                                                                                                   "scripts"):
            continue
        for node in ast.walk(tree):
            modules = ([node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else
                       [n.name for n in node.names] if isinstance(node, ast.Import) else [])
            offences += [f"{rel}:{node.lineno} {m}" for m in modules if m and m.split(".")[0] == "web"]
    assert not offences, "\n".join(offences)


def _seam_paths():
    from documents import effects as document_effects
    from flow import clock
    from flow import effects as flow_effects
    from org import services as org_services

    paths = []
    for table_name, table in flow_effects.TABLES.items():
        paths += [(f"flow.effects.{table_name}", p) for p in table]
    for table_name, table in document_effects.TABLES.items():
        paths += [(f"documents.effects.{table_name}", p) for p in table]
    paths += [("org.services.LEAVING_GUARDS", p) for p in org_services.LEAVING_GUARDS]
    paths += [("flow.clock.CLOCK", f"{clock.CLOCK}.{name}") for name in
              ("task_due", "document_due", "first_check", "is_non_working_day", "notify")]
    return paths


@pytest.mark.parametrize(("table", "path"), _seam_paths())
def test_every_seam_path_resolves(table, path):
    assert callable(import_string(path)), f"{table}: {path}"


def test_every_app_is_layered_and_its_tests_collected():
    from tests.helpers import OUR_APPS

    linter = configparser.ConfigParser()
    linter.read(ROOT / ".importlinter", encoding="utf-8")
    roots = set(linter["importlinter"]["root_packages"].split())
    layered = {app.strip() for line in linter["importlinter:contract:layers"]["layers"].split()
               for app in line.split("|") if app.strip()}
    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                    ["tool"]["pytest"]["ini_options"]["testpaths"])
    assert OUR_APPS, "no app of ours found"
    assert [a for a in OUR_APPS if a not in roots] == [], "apps missing from .importlinter root_packages"
    assert [a for a in OUR_APPS if a not in layered] == [], "apps in no layer of .importlinter"
    with_tests = [a for a in OUR_APPS if (ROOT / a / "tests").is_dir()]
    assert [a for a in with_tests if a not in testpaths] == [], "apps whose tests make test never collects"
