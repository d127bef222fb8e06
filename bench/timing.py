"""Timing helpers of the benchmarks: medians, alternating runs, runs without the cycle collector."""
from __future__ import annotations

import gc
import statistics
import time
from typing import Any, Callable

def median_ms(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def without_gc(fn: Callable[..., float], *args: Any) -> float:
    """``fn(*args)`` after a full collection and with the cycle collector off (as ``timeit`` times)."""
    gc.collect()
    gc.disable()
    try:
        return fn(*args)
    finally:
        gc.enable()


def interleaved_medians(a: Callable[[], Any], b: Callable[[], Any], repeat: int, warmup: int = 3) -> tuple[float, float]:
    """Median ms of ``a`` and of ``b``, timed alternately so that background load affects both alike."""
    for _ in range(warmup):
        a()
        b()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, out in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ta), statistics.median(tb)
