"""Every audit action the code can record, read from the source (for the label tests).

``audit.services.record(action=…)`` is called in about a hundred places, mostly with a
literal; a few build the action: a conditional between literals, or an f-string over a
parameter of a small wrapper (``flow.services._audit(actor, "send_on", …)``,
``supervision.services._record(item, Kind.OPEN, …)``) or over a local taken from a table
(``drafting.output``'s ``kind``). The scanner expands each of these from the source; what it
cannot expand it reports, so that a new way of building an action name makes the label test
fail until it is taught here (or the action is written as a literal).
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "var", "test-artifacts", "tests", "migrations", "node_modules", "static"}

# f-string parameters that no call site in the module fixes: (module, name) → the values
# the function accepts (it refuses any other), read from the module at run time.
TABLES = {
    ("drafting.output", "kind"): lambda module: list(module.KINDS),
}


@dataclass
class Scan:
    actions: dict[str, list[str]] = field(default_factory=dict)  # action → where it is recorded
    unexpanded: list[str] = field(default_factory=list)  # "path:line expression"
    target_types: dict[str, list[str]] = field(default_factory=dict)  # literal ("Type", id) targets
    keys: dict[str, list[str]] = field(default_factory=dict)  # literal keys of old/new dicts


def source_files():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS.intersection(rel.parts) or rel.name in ("manage.py", "conftest.py"):
            continue
        yield rel


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)


def _module_name(rel: Path) -> str:
    return ".".join(rel.with_suffix("").parts)


class _Expander:
    def __init__(self, rel: Path, tree: ast.Module):
        self.rel, self.tree = rel, tree
        self._module = None
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent

    @property
    def module(self):
        if self._module is None:
            self._module = importlib.import_module(_module_name(self.rel))
        return self._module

    def function_of(self, node) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def values(self, expr, scope) -> list[str] | None:
        """The strings ``expr`` can be, or None when it cannot be told from the source."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [expr.value]
        if isinstance(expr, ast.IfExp):
            a, b = self.values(expr.body, scope), self.values(expr.orelse, scope)
            return None if a is None or b is None else a + b
        if isinstance(expr, ast.Attribute):  # an enum member such as Kind.OPEN
            try:
                return [format(eval(ast.unparse(expr), vars(self.module)), "")]  # noqa: S307
            except Exception:
                return None
        if isinstance(expr, ast.JoinedStr):
            results = [""]
            for part in expr.values:
                if isinstance(part, ast.Constant):
                    options = [str(part.value)]
                else:
                    options = self.values(part.value, scope)
                    if options is None:
                        return None
                results = [r + o for r in results for o in options]
            return results
        if isinstance(expr, ast.Name) and scope is not None:
            return self.parameter_values(scope, expr.id)
        return None

    def parameter_values(self, function: ast.FunctionDef, name: str) -> list[str] | None:
        table = TABLES.get((_module_name(self.rel), name))
        if table is not None:
            return [str(v) for v in table(self.module)]
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        kwonly = [a.arg for a in function.args.kwonlyargs]
        if name not in params + kwonly:
            return None
        index = params.index(name) if name in params else None
        found: list[str] = []
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and _name(n) == function.name]
        if not calls:
            return None
        for call in calls:
            arg = next((k.value for k in call.keywords if k.arg == name), None)
            if arg is None and index is not None and index < len(call.args):
                arg = call.args[index]
            if arg is None:
                return None
            options = self.values(arg, self.function_of(call))
            if options is None:
                return None
            found += options
        return found


_TYPE_NAME = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]+)*$")


def _in_target_context(expander: _Expander, node) -> bool:
    """A ("Type", id) tuple given as a target: the ``target=`` of a call, a value assigned to
    a name ``target``, or returned by a function whose name says target."""
    while node in expander.parents:
        parent = expander.parents[node]
        if isinstance(parent, ast.keyword):
            return parent.arg == "target"
        if isinstance(parent, ast.Assign):
            return any(isinstance(t, ast.Name) and "target" in t.id for t in parent.targets)
        if isinstance(parent, ast.Return):
            function = expander.function_of(parent)
            return function is not None and "target" in function.name
        if isinstance(parent, (ast.stmt, ast.Call)):
            return False
        node = parent
    return False


def _target_tuples(expander: _Expander):
    for node in ast.walk(expander.tree):
        if not (isinstance(node, ast.Tuple) and len(node.elts) == 2
                and isinstance(node.elts[0], (ast.Constant, ast.IfExp))):
            continue
        names = expander.values(node.elts[0], None) or []
        if names and all(_TYPE_NAME.match(n) for n in names) and _in_target_context(expander, node):
            for name in names:
                yield name, node.lineno


def scan() -> Scan:
    result = Scan()
    for rel in source_files():
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        expander = _Expander(rel, tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node) == "record"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if "action" not in keywords or "actor" not in keywords:
                continue
            where = f"{rel}:{node.lineno}"
            options = expander.values(keywords["action"], expander.function_of(node))
            if options is None:
                result.unexpanded.append(f"{where} {ast.unparse(keywords['action'])}")
            else:
                for action in options:
                    result.actions.setdefault(action, []).append(where)
            for name in ("old", "new"):
                for value in ast.walk(keywords[name]) if name in keywords else ():
                    if isinstance(value, ast.Dict):
                        for key in value.keys:
                            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                result.keys.setdefault(key.value, []).append(where)
        if any(isinstance(n, ast.Call) and _name(n) == "record" for n in ast.walk(tree)):
            for type_name, line in _target_tuples(expander):
                result.target_types.setdefault(type_name, []).append(f"{rel}:{line}")
        # keyword arguments of the small wrappers end up as keys of ``new``
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) in ("_audit", "_record"):
                for k in node.keywords:
                    if k.arg and k.arg not in ("actor", "text", "recipients", "old", "new"):
                        result.keys.setdefault(k.arg, []).append(f"{rel}:{node.lineno}")
                    if k.arg in ("old", "new"):
                        for value in ast.walk(k.value):
                            if isinstance(value, ast.Dict):
                                for key in value.keys:
                                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                        result.keys.setdefault(key.value, []).append(f"{rel}:{node.lineno}")
    return result
