"""Judging a file's chunks of rows in worker processes: in the file's order, with few in flight.

Judging is pure computation (rows.chunk_judge touches no database), so a large file is split
between processes; the process that reads the file keeps the checks against the registry, the
counts and the spool. A small file, or a process that may not start others, judges alone.
"""

import marshal
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import astuple

from django.utils import translation

from blacklist.importing.rows import ChunkJudge, FileRules, Problem, RowOutcome, chunk_judge

Chunk = list[tuple[int, list[object]]]

WORKERS = min(2, os.cpu_count() or 1)
# Starting the processes costs about as much as judging this many rows alone.
PARALLEL_MIN_ROWS = 20_000


@contextmanager
def judged_chunks(
    rules: FileRules, chunks: Iterable[Chunk], *, seal: Callable[[], bool], rows: int | None
) -> Iterator[Iterator[list[RowOutcome]]]:
    """The judged rows of each chunk, in order. `seal` is asked as each chunk is handed out."""
    if not _parallel(rows):
        judge = chunk_judge(rules)
        yield (judge(chunk, seal()) for chunk in chunks)
        return
    # fork: the workers start at once with this process's settings, translations and modules.
    # They never touch its database connection, and they leave through os._exit.
    with ProcessPoolExecutor(
        WORKERS,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(rules, translation.get_language()),
    ) as pool:
        try:
            yield _in_order(pool, chunks, seal)
        finally:
            pool.shutdown(cancel_futures=True)


def _parallel(rows: int | None) -> bool:
    return (
        WORKERS > 1
        and (rows or 0) >= PARALLEL_MIN_ROWS
        and sys.platform == "linux"  # fork is unsafe on macOS, and Windows has none
        and not multiprocessing.current_process().daemon  # which may not have children
    )


def _in_order(
    pool: ProcessPoolExecutor, chunks: Iterable[Chunk], seal: Callable[[], bool]
) -> Iterator[list[RowOutcome]]:
    # A few chunks in flight keep the workers busy; more would only hold memory.
    pending: deque[Future[bytes]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(_judge_in_worker, chunk, seal()))
        if len(pending) > 2 * WORKERS:
            yield _received(pending.popleft().result())
    while pending:
        yield _received(pending.popleft().result())


_judge: ChunkJudge | None = None  # in a worker: the judge of the file being read


def _start_worker(rules: FileRules, language: str | None) -> None:
    global _judge  # one judge per worker process, set as it starts
    if language:
        translation.activate(language)  # messages in the language of whoever imports
    _judge = chunk_judge(rules)


def _judge_in_worker(chunk: Chunk, seal: bool) -> bytes:
    assert _judge is not None, "the worker was started without its judge"  # noqa: S101
    # marshal: plain tuples of strings travel several times faster than pickled objects.
    return marshal.dumps(
        [
            (number, seq, ready, [astuple(p) for p in errors], [astuple(p) for p in warnings])
            for number, seq, ready, errors, warnings in _judge(chunk, seal)
        ]
    )


def _received(data: bytes) -> list[RowOutcome]:
    # From our own worker process, never from input.
    return [
        RowOutcome(
            number,
            seq,
            ready,
            [Problem(*p) for p in errors] if errors else (),
            [Problem(*p) for p in warnings] if warnings else (),
        )
        for number, seq, ready, errors, warnings in marshal.loads(data)  # noqa: S302
    ]
