"""Where per-shard work runs: in this process (``local``) or on a Dask cluster (``dask``).

An :class:`Engine` maps a function over the shards and returns the results in shard order. The
function and what it is given must be importable and picklable (a Dask worker is another
process); objects every task shares — the grader with its models — are sent to each worker once.
``local`` needs no Dask process. ``dask`` uses the scheduler at ``scheduler`` (an existing
cluster, ``tcp://host:8786``) or starts a ``LocalCluster`` of ``workers`` processes, one thread
each, and stops it when the job ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

__all__ = ["ENGINES", "DaskEngine", "Engine", "LocalEngine", "open_engine"]

ENGINES = ("local", "dask")
_SMALL = (str, int, float, bool, type(None), Path, dt.date)
EngineName = Literal["local", "dask"]


class Engine(Protocol):
    name: str

    def map(self, function: Callable[..., Any], items: Sequence[Any], **shared: Any) -> list[Any]:
        """``[function(item, **shared) for item in items]``, wherever the engine runs them."""
        ...


class LocalEngine:
    name = "local"

    def map(self, function: Callable[..., Any], items: Sequence[Any], **shared: Any) -> list[Any]:
        return [function(item, **shared) for item in items]


class DaskEngine:
    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, function: Callable[..., Any], items: Sequence[Any], **shared: Any) -> list[Any]:
        # Shared objects go to every worker once, not once per task; small values travel as is.
        # Each scatter gets a key of its own (hash=False): with keys hashed from the content,
        # the grader scattered for publish took the key of the one scattered for grades, whose
        # release just before then deleted it from the workers ("lost dependencies", seen at
        # 10 million subjects).
        sent = {k: v if isinstance(v, _SMALL) else self._scatter(v, broadcast=True)
                for k, v in shared.items()}  # fmt: skip
        # Large items (a file's rows for one shard) are sent ahead, not embedded in the graph.
        items = [i if _small(i) else self._scatter([i])[0] for i in items]
        futures = self.client.map(function, items, **sent, pure=False)
        return list(self.client.gather(futures))

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info()["workers"])

    def _scatter(self, data: Any, **options: Any) -> Any:
        return self.client.scatter(data, hash=False, **options)


def _small(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_small(v) for v in value)
    return isinstance(value, _SMALL)


@contextlib.contextmanager
def open_engine(
    name: str = "local",
    *,
    scheduler: str | None = None,
    workers: int = 2,
    memory_limit: str | None = None,
) -> Iterator[Engine]:
    """The engine ``name``; for ``dask``, connected to ``scheduler`` or to a LocalCluster of
    ``workers`` processes (each limited to ``memory_limit``, e.g. "4GB"; default: a share of
    the machine's memory) started for the job and stopped after it."""
    if name not in ENGINES:
        from credit_scoring.errors import InvalidInput

        raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}; got {name!r}",
                           field="engine")  # fmt: skip
    if name == "local":
        yield LocalEngine()
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield DaskEngine(client)
        return
    limit = memory_limit or "auto"
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                     memory_limit=limit, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield DaskEngine(client)
