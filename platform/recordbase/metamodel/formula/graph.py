"""Cycle detection over a dependency graph (field -> fields it reads)."""
from __future__ import annotations

from typing import Hashable, Iterable, Mapping, Optional, TypeVar

K = TypeVar("K", bound=Hashable)


def find_cycle(graph: Mapping[K, Iterable[K]]) -> Optional[list[K]]:
    """A dependency cycle as a path that starts and ends with the same node
    (``['a', 'b', 'a']``; a field reading itself gives ``['a', 'a']``), or None.

    Nodes are visited in sorted order, so the answer is the same every time.
    Iterative, so long chains cannot hit the recursion limit.
    """
    done: set[K] = set()
    for start in sorted(graph, key=str):
        if start in done:
            continue
        path: list[K] = [start]
        on_path = {start}
        stack = [iter(sorted(graph.get(start, ()), key=str))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                node = path.pop()
                on_path.discard(node)
                done.add(node)
                continue
            if nxt in on_path:
                return path[path.index(nxt):] + [nxt]
            if nxt in done:
                continue
            path.append(nxt)
            on_path.add(nxt)
            stack.append(iter(sorted(graph.get(nxt, ()), key=str)))
    return None


def cycle_message(path: list, label=str) -> str:
    """'reference cycle: a → b → a' for a path from :func:`find_cycle`."""
    return "reference cycle: " + " → ".join(label(p) for p in path)
