"""Python's cyclic garbage collector paused for a piece of work that allocates hundreds of
thousands of short-lived objects and builds no cycles.

A check of 1,000 subjects makes tuples, dicts and strings by the hundred thousand; each
700 allocations start a collection, and about once a check a full one walks everything the
process made since it started serving (`gc.freeze()` in portal/wsgi.py): some 50 ms of a
scored check of 1,000 names. Reference counting still frees all of it as before; what only
the collector could free waits for its next run, once the work is done.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    if not gc.isenabled():  # paused already (another thread's check, a caller): leave it so
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
