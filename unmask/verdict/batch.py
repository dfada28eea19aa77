"""Running one task per item with a scanner: :class:`InProcess` runs them here, one after another;
:class:`unmask.cluster.Cluster` runs them on a Dask cluster, a scanner loaded once per worker. Both follow
:class:`Runner`, so ``unmask scan --output`` and ``unmask eval`` take either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from unmask.verdict.scanner import Scanner

T = TypeVar("T")
R = TypeVar("R")


class Runner(Protocol):
    def map(self, task: Callable[[Scanner, T], R], items: Iterable[T]) -> Iterator[tuple[T, R | Exception]]:
        """Run ``task(scanner, item)`` for each item and yield ``(item, result)`` as each finishes (in no set
        order); a task that could not be run gives an exception in place of its result."""
        ...


class InProcess:
    """Runs each task here, in order, with one scanner (a task's exception propagates: it is a bug here)."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner

    def map(self, task: Callable[[Scanner, T], R], items: Iterable[T]) -> Iterator[tuple[T, R | Exception]]:
        for item in items:
            yield item, task(self.scanner, item)
