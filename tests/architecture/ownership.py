"""Finds writes to an app's models made outside that app's actions.

The house rule (CONTRIBUTING.md, "Action"): an app's rows are written by that app's
actions (or its models' methods, or a helper listed in ``WRITERS``); views, middleware,
commands and other apps call the action. This walks the syntax tree of every module under
``groundswell/`` (migrations aside) and follows, well enough for the code as we write it,
what each name holds:

- a model class, resolved through the module's imports (``Petition``, ``pm.Petition``,
  ``apps.get_model("petitions", "Petition")``), so renaming an import does not hide it;
- a manager or queryset (``Petition.objects``, ``….filter(…)``, a related manager such
  as ``petition.signatures``), found from the model's own fields;
- an instance (a parameter annotated with the model, ``Petition(…)``, ``….get(…)``,
  ``….first()``, ``for s in ….filter(…)``, ``delivery.petition``).

A write is ``update``, ``delete``, ``create``, ``get_or_create``, ``update_or_create``,
``bulk_create``, ``bulk_update`` (``F()`` updates are ``update`` calls), ``add``/``remove``/
``clear``/``set`` on a related manager, ``save``/``delete`` on an instance, and raw SQL
strings that ``INSERT INTO``, ``UPDATE`` or ``DELETE FROM`` another app's table.

Run it alone with ``python -m tests.architecture.ownership`` (``make lint`` does).
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "groundswell"

QUERYSET_WRITES = {
    "update", "delete", "create", "get_or_create", "update_or_create", "bulk_create",
    "bulk_update", "add", "remove", "clear", "set", "aupdate", "adelete", "acreate",
    "aget_or_create", "aupdate_or_create", "abulk_create", "abulk_update", "create_user",
    "create_superuser",
}  # fmt: skip
INSTANCE_WRITES = {"save", "delete", "asave", "adelete"}
# Queryset methods that give one row, or something that is neither a row nor a queryset.
QUERYSET_TO_INSTANCE = {
    "get", "first", "last", "latest", "earliest", "create", "aget", "create_user",
    "create_superuser",
}  # fmt: skip
QUERYSET_TO_OTHER = {
    "count", "exists", "aggregate", "values", "values_list", "in_bulk", "iterator",
    "explain", "contains", "acount", "aexists", "aaggregate",
}  # fmt: skip
RAW_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE)


# Where an app writes its own rows: its actions, its models' methods, and these helpers
# of its actions (each runs inside the calling action's transaction).
WRITERS = {
    "groundswell.petitions.counting": "the counter shards, for the signing actions",
    "groundswell.petitions.insights": "the insights' tallies, for the signing actions",
}


def _may_write(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in ("actions", "models") or module in WRITERS


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    model: str  # its label: "petitions.Signature", "otp_totp.TOTPDevice"
    owner: str  # the app whose actions write it
    how: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where}: {self.model} written outside the {self.owner} app's actions ({self.how})"


@dataclass(frozen=True)
class Kind:
    """What an expression holds: a model ``class``, a ``rows`` queryset/manager, or a ``row``."""

    what: str
    model: type[models.Model]


# Third-party models one of our apps looks after: two-factor devices are the accounts app's.
ADOPTED = {"otp_totp": "accounts", "otp_static": "accounts"}


def _owner(model: type[models.Model]) -> str | None:
    """The app whose actions write ``model``; None for Django's own and other third-party
    models (auth groups, the task queue's rows)."""
    if model._meta.app_label in ADOPTED:
        return ADOPTED[model._meta.app_label]
    if not model.__module__.startswith("groundswell."):
        return None
    return model._meta.app_label


def _relations(model: type[models.Model]) -> dict[str, Kind]:
    """Attribute name on an instance → what it holds, from the model's relations."""
    found = {}
    for field in model._meta.get_fields():
        if not field.is_relation or field.related_model in (None, "self"):
            continue
        related = field.related_model
        if field.auto_created and not field.concrete:  # a reverse relation
            name = field.get_accessor_name()
            many = field.one_to_many or field.many_to_many
        else:
            name, many = field.name, field.many_to_many
        if name:
            found[name] = Kind("rows" if many else "row", related)
    return found


class _Module:
    """One module's imports, read from its syntax tree (function-level ones included)."""

    def __init__(self, name: str, tree: ast.Module):
        self.name = name
        self.names: dict[str, str] = {}  # local name → dotted path it was imported as
        package = name.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{base}.{alias.name}"

    def resolve_name(self, name: str):
        """What a module-level name holds: an import, or the module's own definition."""
        if name in self.names:
            return self.resolve_path(self.names[name])
        try:
            return getattr(importlib.import_module(self.name), name, None)
        except Exception:  # a planted module, or one that needs a server around it
            return None

    def resolve_path(self, dotted: str):
        """The object a dotted path names, importing its module if need be; None if unknown."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                value = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    value = getattr(value, attr)
            except AttributeError:
                return None
            return value
        return None


class _Checker:
    def __init__(self, module: _Module, app: str | None, path: str):
        self.module, self.app, self.path = module, app, path
        self.violations: dict[tuple[int, int], Violation] = {}
        self.local_models: dict[str, type[models.Model]] = {}
        if module.name.endswith(".models") or module.name.endswith(".models.__init__"):
            for model in apps.get_models():
                if model.__module__ == module.name:
                    self.local_models[model.__name__] = model

    # --- what an expression holds ------------------------------------------------------

    def kind(self, node: ast.AST, env: dict[str, Kind]) -> Kind | None:
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            return self._model_named(node.id)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        if isinstance(node, ast.Subscript):
            inner = self.kind(node.value, env)
            if inner and inner.what == "rows":
                return inner if isinstance(node.slice, ast.Slice) else Kind("row", inner.model)
            if inner and inner.what == "pair":  # get_or_create(...)[0]
                return Kind("row", inner.model)
            return None
        if isinstance(node, ast.Await):
            return self.kind(node.value, env)
        return None

    def _model_named(self, name: str) -> Kind | None:
        if name in self.local_models:
            return Kind("class", self.local_models[name])
        return self._as_model(self.module.resolve_name(name))

    @staticmethod
    def _as_model(value) -> Kind | None:
        if isinstance(value, type) and issubclass(value, models.Model):
            return Kind("class", value)
        return None

    def _attribute(self, node: ast.Attribute, env) -> Kind | None:
        if isinstance(node.value, ast.Name) and node.value.id not in env:
            dotted = self.module.names.get(node.value.id)
            if dotted:  # pm.Petition, or groundswell.petitions.models.Petition
                found = self._as_model(self.module.resolve_path(f"{dotted}.{node.attr}"))
                if found:
                    return found
        inner = self.kind(node.value, env)
        if inner is None:
            return None
        if inner.what == "class":
            if isinstance(getattr(inner.model, node.attr, None), models.Manager):
                return Kind("rows", inner.model)
            return None
        if inner.what == "row":
            return _relations(inner.model).get(node.attr)
        return None

    def _call(self, node: ast.Call, env) -> Kind | None:
        func = node.func
        if _is_get_model(func):
            return self._get_model(node)
        if not isinstance(func, ast.Attribute):
            inner = self.kind(func, env)
            if inner and inner.what == "class":
                return Kind("row", inner.model)
            return self._returns(func, env)
        inner = self.kind(func.value, env)
        if inner is None:
            return self._returns(func, env)
        method = func.attr
        if inner.what == "rows":
            if method in QUERYSET_WRITES:
                self._found(node, inner.model, f".{method}()")
            if method in ("get_or_create", "update_or_create", "aget_or_create"):
                return Kind("pair", inner.model)
            if method in QUERYSET_TO_INSTANCE:
                return Kind("row", inner.model)
            if method in QUERYSET_TO_OTHER or method in QUERYSET_WRITES:
                return None
            return inner  # filter, select_related, a QuerySet method of our own...
        if inner.what == "row" and method in INSTANCE_WRITES:
            self._found(node, inner.model, f".{method}()")
        if inner.what == "class" and method in ("objects",):
            return Kind("rows", inner.model)
        return None

    def _returns(self, func: ast.AST, env) -> Kind | None:
        """What a function of ours returns, from its return annotation: ``-> Petition``."""
        if isinstance(func, ast.Name) and func.id not in env:
            called = self.module.resolve_name(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in env or func.value.id not in self.module.names:
                return None
            called = self.module.resolve_path(f"{self.module.names[func.value.id]}.{func.attr}")
        else:
            return None
        ours = (getattr(called, "__module__", None) or "").startswith("groundswell.")
        if not callable(called) or not ours:
            return None
        returns = getattr(called, "__annotations__", {}).get("return")
        if isinstance(returns, str):
            try:
                returns = eval(returns, vars(sys.modules[called.__module__]))  # noqa: S307
            except Exception:
                return None
        generic = hasattr(returns, "__origin__")  # list[Signature]
        element = getattr(returns, "__args__", (None,))[0] if generic else None
        if self._as_model(element):
            return Kind("rows", element)
        return Kind("row", returns) if self._as_model(returns) else None

    def _get_model(self, node: ast.Call) -> Kind | None:
        values = [a.value for a in node.args if isinstance(a, ast.Constant)]
        try:
            if len(values) == 2:
                return Kind("class", apps.get_model(values[0], values[1]))
            if len(values) == 1:
                return Kind("class", apps.get_model(values[0]))
        except (LookupError, ValueError):
            return None
        return None

    def _annotation(self, node: ast.AST | None) -> Kind | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._annotation(node.left) or self._annotation(node.right)
        if isinstance(node, ast.Subscript):  # list[Signature], QuerySet[Signature]
            element = self._annotation(node.slice)
            return Kind("rows", element.model) if element else None
        found = self.kind(node, {})
        return Kind("row", found.model) if found and found.what == "class" else None

    def _found(self, node: ast.AST, model: type[models.Model], how: str) -> None:
        owner = _owner(model)
        if owner is None:
            return
        if owner != self.app or not _may_write(self.module.name):
            self.violations[node.lineno, node.col_offset] = Violation(
                self.path, node.lineno, model._meta.label, owner, how
            )

    # --- walking -----------------------------------------------------------------------

    def check(self, tree: ast.Module) -> list[Violation]:
        self._scope(tree.body, {}, [])
        self._raw_sql(tree)
        return sorted(self.violations.values(), key=lambda v: v.line)

    def _scope(self, body: list[ast.stmt], outer: dict[str, Kind], args: list[ast.arg]):
        """Names in one function (or the module) hold one thing each: good enough here."""
        env = dict(outer)
        for arg in args:
            found = self._annotation(arg.annotation)
            if found:
                env[arg.arg] = found
        nested = []
        statements = list(_statements(body, nested, self.local_models))
        for _ in range(2):  # a name may be bound from another bound later in the text
            for node in statements:
                self._bind(node, env)
        for node in statements:
            if isinstance(node, ast.Call):
                self.kind(node, env)
        for function, model in nested:
            arguments = function.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            inner = dict(env)
            if model is not None and every:  # self, in a model's method
                inner[every[0].arg] = Kind("row", model)
            self._scope(function.body, inner, every)

    def _bind(self, node: ast.AST, env: dict[str, Kind]) -> None:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            held = self._annotation(node.annotation) if isinstance(node, ast.AnnAssign) else None
            held = held or (self.kind(value, env) if value is not None else None)
            for target in targets:
                self._assign(target, held, value, env)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            rows = self.kind(node.iter, env)
            if rows and rows.what == "rows" and isinstance(node.target, ast.Name):
                env[node.target.id] = Kind("row", rows.model)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    held = self.kind(item.context_expr, env)
                    if held:
                        env[item.optional_vars.id] = held

    def _assign(self, target, held: Kind | None, value, env) -> None:
        if isinstance(target, ast.Name):
            if held and held.what != "pair":
                env[target.id] = held
        elif isinstance(target, ast.Tuple) and held and held.what == "pair" and target.elts:
            first = target.elts[0]
            if isinstance(first, ast.Name):
                env[first.id] = Kind("row", held.model)

    def _raw_sql(self, tree: ast.Module) -> None:
        tables = {m._meta.db_table: m for m in apps.get_models()}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for match in RAW_WRITE.finditer(node.value):
                    model = tables.get(match.group(1))
                    if model is not None:
                        self._found(node, model, "raw SQL")


def _statements(body, nested, local_models):
    """Every node of a function body, not descending into the functions it defines
    (collected in ``nested``); a class's methods are such functions."""
    for node in body:
        yield from _walk_skipping_functions(node, nested, local_models)


def _walk_skipping_functions(node, nested, local_models, model=None):
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        nested.append((node, model))
        for decorator in node.decorator_list:
            yield from _walk_skipping_functions(decorator, nested, local_models)
        return
    if isinstance(node, ast.ClassDef):
        model = local_models.get(node.name)
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_skipping_functions(child, nested, local_models, model)


def _is_get_model(func: ast.AST) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "get_model"


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def owning_app(name: str) -> str | None:
    config = apps.get_containing_app_config(name)
    return config.label if config else None


def check_source(source: str, *, module: str, path: str = "<planted>") -> list[Violation]:
    """The violations in one module's source, as if it were ``module`` in the tree."""
    tree = ast.parse(source)
    checker = _Checker(_Module(module, tree), owning_app(module), path)
    return checker.check(tree)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def check_tree() -> list[Violation]:
    found = []
    for path in modules():
        source = path.read_text()
        found += check_source(source, module=module_name(path), path=str(path.relative_to(ROOT)))
    return found


def main() -> int:
    import django

    django.setup()
    violations = check_tree()
    for violation in violations:
        print(violation)
    if violations:
        print(f"{len(violations)} writes outside the owning app's actions: call its action.")
    else:
        print("Each app's models are written by its own actions only.")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
