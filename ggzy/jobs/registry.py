"""Task registry: apps declare jobs in their tasks.py with @task or @periodic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TaskFn = Callable[..., Any]


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: int
    fn: Callable[[], Any]


TASKS: dict[str, TaskFn] = {}
PERIODIC: dict[str, Periodic] = {}


def task(name: str) -> Callable[[TaskFn], TaskFn]:
    def register(fn: TaskFn) -> TaskFn:
        if name in TASKS and TASKS[name] is not fn:
            raise RuntimeError(f"job {name} registered twice")
        TASKS[name] = fn
        return fn

    return register


def periodic(*, name: str, every_seconds: int) -> Callable[[TaskFn], TaskFn]:
    def register(fn: TaskFn) -> TaskFn:
        PERIODIC[name] = Periodic(name=name, every_seconds=every_seconds, fn=fn)
        return fn

    return register
