"""Counting the SQL statements an engine sends: what the benches report per update, and
what a test or a developer reads to see the statements of one update."""

from __future__ import annotations

from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class StatementCounter:
    """While entered, counts every statement `engine` sends to the database (BEGIN
    IMMEDIATE included; COMMIT is a driver call, not a statement, and is not counted);
    with `keep=True` it keeps their texts too, in order."""

    def __init__(self, engine: AsyncEngine, *, keep: bool = False) -> None:
        self._engine = engine.sync_engine
        self._keep = keep
        self.count = 0
        self.texts: list[str] = []

    def __enter__(self) -> Self:
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        # (connection, cursor, statement, parameters, context, executemany)
        self.count += 1
        if self._keep:
            self.texts.append(" ".join(str(args[2]).split()))

    def reset(self) -> None:
        """Start counting (and keeping) from zero."""
        self.count = 0
        self.texts.clear()
