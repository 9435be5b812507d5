"""Group commit for the fast paths: a thread that writes whatever is waiting in one go, and
the request that waits for its commit.

Signing and confirming (petitions/fastpath.py, petitions/service.py) and writing to one's
officials (letters/writing/fastpath.py) each subclass ``BatchWriter`` with their action.
"""

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from groundswell.core.edge import BUSY_HTML, busy_response

log = logging.getLogger(__name__)


class BatchWriter:
    """A thread that writes whatever is waiting in one go (group commit): the busier the
    site, the bigger the batch. Subclasses say how (``write``)."""

    name = "batch-writer"

    def __init__(self, *, max_queue: int, max_batch: int = 500):
        self.queue, self.max_batch = queue.Queue(maxsize=max_queue), max_batch
        self.lock, self.thread = threading.Lock(), None

    def put(self, item) -> Future:
        """Queue an item (with a ``future``); raises queue.Full past capacity."""
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()
        self.queue.put_nowait(item)
        return item.future

    def stop(self) -> None:
        """Let the thread finish what is queued, close its connection and end."""
        if self.thread is not None and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(10)

    def _run(self) -> None:
        while (first := self.queue.get()) is not None:
            batch = [first]
            while len(batch) < self.max_batch and not self.queue.empty():  # the one reader
                if (item := self.queue.get_nowait()) is None:
                    self.queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            self.write(batch)  # on one connection, kept: a failed batch closes it
        connection.close()

    def write(self, batch: list) -> None:
        raise NotImplementedError


@dataclass
class Waiting:
    """Work for a writer (an action's attempt, a link's ref_code) and its answer."""

    work: object
    future: Future = field(default_factory=Future)


BUSY = busy_response("text/html; charset=utf-8", BUSY_HTML)  # nothing recorded: try again


def wait_for(submit: Callable[[], Future]):
    """What a writer answered to ``submit()``, or None and a 503 if it could not in time
    (``SIGN_WAIT_SECONDS``, docs/deploy.md)."""
    try:
        return submit().result(timeout=settings.SIGN_WAIT_SECONDS), None
    except (queue.Full, FutureTimeout):
        return None, BUSY  # it may yet be recorded; doing it again is harmless
    except Exception:
        log.exception("a fast-path writer failed")
        return None, BUSY
