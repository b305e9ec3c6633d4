"""Every message sitegen can show, as the English template the catalogue's msgids are written in.

The code keeps its messages in English where they are raised; sitegen.messages translates the finished
text at the one place it is shown. This module finds those messages in the source with `ast`, so a
test can tell when one has no translation (or a translation is left over):

- the message and hint of SitegenError(...) and of the calls that carry one on (CARRIERS);
- the strings of every `summary()` method and of what the commands print (PRINTED_IN);
- what these refer to: a local variable, a module constant, a dict's values, the return values of a
  function defined in sitegen, and the values of f-string fields that are such names.

An f-string becomes a template with each field as a named placeholder, spelled as in the code
(f"unknown topic '{name}'" -> "unknown topic '{name}'"); literal braces are doubled, as in str.format.

    python -m sitegen.locale.extract          # the templates the catalogue lacks, as .po entries
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# Calls whose arguments are messages: callee name -> (positions, keywords).
CARRIERS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "SitegenError": ((0, 3), ("message", "hint")),
    "warning": ((0, 3), ("message", "hint")),  # checks.warning(): a SitegenError that stops nothing
    "Outcome": ((1, 2), ("status", "message")),  # a line of the import summary
    "Unusable": ((1,), ("reason",)),  # a source not imported, and why
    "ValueError": ((0,), ()),  # front matter values refused: shown as the message of a SitegenError
    "ConstructorError": ((2,), ()),  # YAML refused by the front matter loader
    "KeyboardInterrupt": ((0,), ()),  # why the program stopped: "interrupted: terminated"
    "refuse": ((1,), ()),  # serve's plain-text answer to a request it does not serve
    "print": ((0,), ()),
    "translated": ((0,), ()),  # sitegen.messages.translated(): a text shown in the reader's language
    "label": ((0,), ()),  # sitegen.messages.label(): 'error: ', 'warning: ', 'hint: '
    "problem": ((2,), ("kind",)),  # sitegen.messages.problem(err, lang, kind): a warning's label
    "add_argument": ((), ("help",)),  # the --help texts
    "add_parser": ((), ("help", "description")),
    "ArgumentParser": ((), ("description",)),
}
# Modules whose every print() is something the user reads (the rest print nothing).
PRINTED_IN = ("cli.py", "commands/")
# A template is worth translating when its fixed text holds a word.
WORD = re.compile(r"[A-Za-z]{2}")
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
MAX_DEPTH = 4


def placeholder(expr: ast.expr) -> str:
    """A field's name in a template: its code, with any braces of its own (a nested f-string) as parentheses."""
    return "{" + ast.unparse(expr).replace("{", "(").replace("}", ")") + "}"


def literal_text(template: str) -> str:
    """A template without its placeholders: what must be translated."""
    return PLACEHOLDER.sub(lambda m: m.group()[0] if m.group(1) is None else "", template)


@dataclass
class Source:
    """The parsed package: every module, every function by name, every module-level assignment by name."""

    modules: dict[Path, ast.Module] = field(default_factory=dict)
    functions: dict[str, list[ast.FunctionDef]] = field(default_factory=dict)
    constants: dict[str, list[ast.expr]] = field(default_factory=dict)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)


def parse(package: Path = PACKAGE) -> Source:
    source = Source()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        source.modules[path] = tree
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                source.parents[child] = node
            if isinstance(node, ast.FunctionDef):
                source.functions.setdefault(node.name, []).append(node)
        for stmt in tree.body:
            for target, value in _assigned(stmt):
                source.constants.setdefault(target, []).append(value)
    return source


def _assigned(stmt: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
        yield stmt.target.id, stmt.value


class Resolver:
    """The templates an expression can stand for; fields of f-strings are resolved too, as templates of their own."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.found: set[str] = set()
        self.busy: set[int] = set()

    def add(self, expr: ast.expr, depth: int = 0, field: bool = False, layout: bool = False) -> None:
        """expr's templates that hold a word; a field's only if they hold words (not a key or a file name);
        with layout (a summary's), also those that only arrange values: "{o.status} {o.source}: {o.message}"."""
        for template in self.templates(expr, depth):
            text = literal_text(template)
            worded = WORD.search(text) is not None and (not field or " " in text.strip())
            arranging = (
                layout and bool(text.strip()) and sum(1 for m in PLACEHOLDER.finditer(template) if m.group(1)) >= 2
            )
            if worded or arranging:
                self.found.add(template.strip())

    def templates(self, expr: ast.expr, depth: int = 0) -> list[str]:
        """Every text expr can be, as templates; a value known only when the program runs is a placeholder."""
        if depth > MAX_DEPTH or id(expr) in self.busy:
            return [placeholder(expr)]
        self.busy.add(id(expr))
        try:
            return self._templates(expr, depth) or [placeholder(expr)]
        finally:
            self.busy.discard(id(expr))

    def _templates(self, expr: ast.expr, depth: int) -> list[str]:
        if isinstance(expr, ast.Constant):
            return [expr.value.replace("{", "{{").replace("}", "}}")] if isinstance(expr.value, str) else []
        if isinstance(expr, ast.JoinedStr):
            return [self._joined(expr, depth)]
        if isinstance(expr, ast.IfExp):
            return self.templates(expr.body, depth) + self.templates(expr.orelse, depth)
        if isinstance(expr, ast.BoolOp):
            return [t for value in expr.values for t in self.templates(value, depth)]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return [a + b for a in self.templates(expr.left, depth) for b in self.templates(expr.right, depth)]
        if isinstance(expr, ast.Name):
            return self._name(expr, depth)
        if isinstance(expr, ast.Attribute):  # a module's constant: messages.ERROR
            return [t for value in self.source.constants.get(expr.attr, []) for t in self.templates(value, depth + 1)]
        if isinstance(expr, ast.Call):
            return self._call(expr, depth)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            return self._dict_values(expr.value, depth)
        return []

    def _joined(self, expr: ast.JoinedStr, depth: int) -> str:
        parts = []
        for value in expr.values:
            if isinstance(value, ast.FormattedValue):
                choice = isinstance(value.value, ast.IfExp)  # f"broken {'image' if is_image else 'link'}": words
                self.add(
                    value.value, depth + 1, field=not choice
                )  # a field's own words: "HTML page" in "no story text in this {kind}"
                parts.append(placeholder(value.value))
            elif isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        return "".join(parts)

    def _name(self, expr: ast.Name, depth: int) -> list[str]:
        function = self._function_of(expr)
        values: list[str] = []
        if function is not None:
            for stmt in ast.walk(function):
                if isinstance(stmt, ast.NamedExpr) and stmt.target.id == expr.id:  # elif page := page_reason(...)
                    values += self.templates(stmt.value, depth + 1)
                elif isinstance(stmt, ast.stmt) and stmt is not function:
                    for target, value in _assigned(stmt):
                        if target != expr.id or _inside(value, expr, self.source):
                            continue
                        found = self.templates(value, depth + 1)
                        if isinstance(stmt, ast.AugAssign):
                            values += [v + f for v in values for f in found]
                        else:
                            values += found
        if not values:
            for value in self.source.constants.get(expr.id, []):
                values += self.templates(value, depth + 1)
        return values

    def _call(self, expr: ast.Call, depth: int) -> list[str]:
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "get" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            default = [t for arg in expr.args[1:] for t in self.templates(arg, depth + 1)]
            return self._dict_values(func.value, depth) + default
        values: list[str] = []
        for function in self.source.functions.get(name, []):
            for node in ast.walk(function):
                returned = node.value if isinstance(node, ast.Return) else None
                if returned is None or (isinstance(returned, ast.Constant) and returned.value is None):
                    continue
                if self._function_of(node) is function:  # not a function's inside it
                    values += [t for t in self.templates(returned, depth + 1) if WORD.search(literal_text(t))]
        return values

    def _dict_values(self, name: ast.Name, depth: int) -> list[str]:
        function = self._function_of(name)
        candidates = (
            [v for stmt in ast.walk(function) if isinstance(stmt, ast.stmt) for t, v in _assigned(stmt) if t == name.id]
            if function
            else []
        )
        candidates += self.source.constants.get(name.id, [])
        return [t for d in candidates for v in self._values_of(d) for t in self.templates(v, depth + 1)]

    def _values_of(self, mapping: ast.expr) -> list[ast.expr]:
        """The value expressions of a dict written out, built by dict.fromkeys(keys, value), or built by a
        comprehension over another's items ({ext: reason for reason, exts in REASONS.items() ...})."""
        if isinstance(mapping, ast.Dict):
            return list(mapping.values)
        if isinstance(mapping, ast.Call) and _callee(mapping) == "fromkeys" and len(mapping.args) == 2:
            return [mapping.args[1]]
        if not (isinstance(mapping, ast.DictComp) and isinstance(mapping.value, ast.Name)):
            return []
        for loop in mapping.generators:
            names = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
            over = loop.iter
            if not (isinstance(over, ast.Call) and _callee(over) == "items" and isinstance(over.func, ast.Attribute)):
                continue
            if not isinstance(over.func.value, ast.Name):
                continue
            for position, bound in enumerate(names):
                if isinstance(bound, ast.Name) and bound.id == mapping.value.id:
                    dicts = [d for d in self.source.constants.get(over.func.value.id, []) if isinstance(d, ast.Dict)]
                    return [k for d in dicts for k in (d.keys if position == 0 else d.values) if k is not None]
        return []

    def _function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.source.parents:
            node = self.source.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None


def _inside(value: ast.expr, node: ast.AST, source: Source) -> bool:
    """Whether node is part of value (x = f(x): the x inside is not what x is assigned)."""
    return any(n is node for n in ast.walk(value))


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def templates(package: Path = PACKAGE) -> set[str]:
    """Every message template the package can show (see the module's docstring)."""
    source = parse(package)
    resolver = Resolver(source)
    for path, tree in source.modules.items():
        rel = path.relative_to(package).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (name := _callee(node)) in CARRIERS:
                if name == "print" and not rel.startswith(PRINTED_IN):
                    continue
                positions, keywords = CARRIERS[name]
                args = [node.args[i] for i in positions if i < len(node.args)]
                args += [k.value for k in node.keywords if k.arg in keywords]
                for arg in args:
                    resolver.add(arg, layout=name == "Outcome")
            elif isinstance(node, ast.FunctionDef) and node.name == "summary":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.JoinedStr | ast.Constant) and _is_text(inner, source):
                        resolver.add(inner, layout=True)
    return resolver.found


def _is_text(node: ast.AST, source: Source) -> bool:
    """A string of a summary that is shown: not a docstring, a key, an index or part of a longer string."""
    parent = source.parents.get(node)
    if isinstance(parent, ast.JoinedStr | ast.FormattedValue | ast.Expr | ast.Subscript | ast.Compare):
        return False
    return not (isinstance(parent, ast.Dict) and any(node is key for key in parent.keys))


def po_entry(template: str) -> str:
    """A template as a .po entry with an empty translation."""
    escaped = template.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'msgid "{escaped}"\nmsgstr ""\n'


def main() -> None:
    from sitegen import messages

    known = set(messages.catalogue().templates)
    for template in sorted(templates() - known):
        sys.stdout.write(po_entry(template) + "\n")


if __name__ == "__main__":
    main()
