"""The gateway's processes keep their garbage collector off the index they hold.

A lineage index and its names are hundreds of thousands of long-lived Python objects; every full
(oldest-generation) collection walks all of them: 50-100 ms at 10k datasets on the benchmark
machine, on the event loop or in a worker, at random moments. Those pauses were the gateway's
p99 (docs/gateway.md). A process that serves and nothing else moves what is alive after reading
an index out of the collector's reach (``gc.freeze``): those objects are still freed when their
last reference goes (reference counting), only no longer walked.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_heap"]


def freeze_heap() -> None:
    """Collect once, then keep everything alive now out of later collections."""
    gc.collect()
    gc.freeze()
