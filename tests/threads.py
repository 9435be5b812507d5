"""Real contention for PostgreSQL tests: threads released together, each with its own
connection committing for real."""

import threading

from django.db import connection


def run_together(threads: int, work) -> list:
    """Call ``work(i)`` for i in range(threads), each in its own thread, all released at once.

    Returns what each call returned, or the exception it raised, in order of ``i``.
    """
    barrier = threading.Barrier(threads)
    outcomes: list = [None] * threads

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except Exception as error:
            outcomes[i] = error
        finally:
            connection.close()

    pool = [threading.Thread(target=run, args=(i,), name=f"racer-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a thread is stuck (a lock wait?)"
    return outcomes
