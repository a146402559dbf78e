"""Where a function or class is defined: the answer of `inspect.getsourcelines`, without its cost.

`inspect.getsourcelines` tokenizes a function's whole body to return it, and for a class parses the whole
module again for every class asked about (Python before 3.13 keeps no line for a class). Every process that
builds the app asks for about 190 definitions (each route, each GraphQL field): 0.2 s of the start-up of
each server, worker and `rbac-api policy` command. The line is the same: for a function, found as `inspect`
finds it without reading the body; for a class, from one parse of its module for all of its classes.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache


def definition(thing: object) -> tuple[str, int] | None:
    """The source file and first line (of the first decorator) of a function or class; None when it has no
    source file (built in, made by `exec`) or is neither."""
    try:
        unwrapped = inspect.unwrap(thing) if callable(thing) else thing
        source = inspect.getsourcefile(unwrapped)  # type: ignore[arg-type]
        if source is None:
            return None
        if inspect.isclass(unwrapped):
            line = _class_lines(source).get(unwrapped.__qualname__)
            if line is not None:
                return source, line
        # `getsourcelines` is this line plus one, and the function's whole body, tokenized.
        return source, inspect.findsource(unwrapped)[1] + 1  # type: ignore[arg-type]
    except (TypeError, OSError, ValueError, SyntaxError):
        return None


@functools.lru_cache(maxsize=256)
def _class_lines(source: str) -> dict[str, int]:
    """Each class of the module in `source`, by qualified name: the line of its first decorator or its
    `class` statement. Parsed once per module, as `inspect` parses it once per class."""
    lines: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                name = prefix + child.name
                first = child.decorator_list[0].lineno if child.decorator_list else child.lineno
                lines.setdefault(name, first)
                visit(child, name + ".")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, prefix + child.name + ".<locals>.")
            else:
                visit(child, prefix)

    visit(ast.parse("".join(linecache.getlines(source)), source), "")
    return lines
