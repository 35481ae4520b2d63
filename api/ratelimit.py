"""How often the public may file: objections and repair applications without an API key.

Filing is open to anyone (a subject, its agent, a neighbour), so without a limit one script
could bury the reviewers' queue. Callers with a key are known and accountable, and not limited.
The count is per client address over a sliding hour, in memory, per worker: with ``--workers N``
an address may file up to N times the limit. Behind a reverse proxy run uvicorn with
``--proxy-headers --forwarded-allow-ips <proxy>``, or every filer shares the proxy's address.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from credit_scoring.errors import CreditScoringError

__all__ = ["FilingLimit", "TooManyFilings"]

WINDOW_SECONDS = 3600.0
_MAX_CLIENTS = 100_000  # beyond this many addresses, idle ones are forgotten


class TooManyFilings(CreditScoringError):
    """The client has filed as often as the public may within the hour."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FilingLimit:
    """At most ``per_hour`` filings per client address in any hour (0: no limit)."""

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self.clock = clock
        self._filed: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # routes that file run in the thread pool

    def check(self, client: str) -> None:
        """Count one filing by ``client``, or raise :class:`TooManyFilings` without counting."""
        if self.per_hour <= 0:
            return
        with self._lock:
            now = self.clock()
            times = self._filed.setdefault(client, deque())
            while times and now - times[0] >= WINDOW_SECONDS:
                times.popleft()
            if len(times) >= self.per_hour:
                wait = math.ceil(WINDOW_SECONDS - (now - times[0]))
                raise TooManyFilings(
                    f"at most {self.per_hour} filings an hour from one address without an API "
                    f"key; retry in {wait} s, or file through an agent's key",
                    retry_after=wait,
                )
            times.append(now)
            if len(self._filed) > _MAX_CLIENTS:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, t in self._filed.items() if not t or now - t[-1] >= WINDOW_SECONDS]:
            del self._filed[client]
