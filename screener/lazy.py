"""Names a package exports but imports only when first used (PEP 562), so importing the
package stays cheap: ``import screener`` does not load pandas, and the PDF worker's process
imports :mod:`screener.report` without the briefing's builder."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, table: Mapping[str, str], namespace: dict[str, Any]) -> Callable:
    """A module ``__getattr__`` for ``package``: a name of ``table`` (name -> the module,
    relative to the package, that defines it) is imported on first use and kept in
    ``namespace`` (the package's globals), so the next access is a plain attribute."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    return __getattr__
