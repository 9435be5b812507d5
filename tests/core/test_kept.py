"""What a process keeps for itself (core/cache.Kept): made once a while, one key at a time."""

import threading

from groundswell.core.cache import KEPT, Kept


def kept(**options) -> Kept:
    return Kept("a test's", seconds=60, forgotten_by="the test", **options)


def test_kept_values_are_made_once_a_while_and_none_only_if_asked():
    made = []

    def nothing():
        made.append(1)

    assert kept(keep_none=True).get("x", nothing) is None
    remembering = kept(keep_none=True)
    remembering.get("a slug nobody has", nothing)
    remembering.get("a slug nobody has", nothing)
    forgetting = kept()
    forgetting.get("a page that failed", nothing)
    forgetting.get("a page that failed", nothing)
    assert len(made) == 1 + 1 + 2
    small = kept(max_entries=2)
    for key in "abc":
        small.get(key, lambda key=key: key.upper())
    assert list(small.values) == ["c"] and small.get("c", nothing) == "C"


def test_a_slow_first_look_up_holds_up_only_its_own_key():
    values, release = kept(keep_none=True), threading.Event()
    slow = threading.Thread(target=values.get, args=("made-up", lambda: release.wait(30)))
    slow.start()
    got = []
    real = threading.Thread(target=lambda: got.append(values.get("real", lambda: "a petition")))
    real.start()
    real.join(2)  # with one lock for all keys it would wait for the slow one (up to 30 s)
    held_up = real.is_alive()
    release.set()
    slow.join(5)
    real.join(5)
    assert not held_up and got == ["a petition"]


def test_a_lifetime_can_be_a_setting_read_each_time(settings):
    values = Kept("a test's setting", seconds="WEBHOOK_LISTENERS_SECONDS", forgotten_by="it")
    settings.WEBHOOK_LISTENERS_SECONDS = 0
    values.get("k", lambda: 1)
    assert values.get("k", lambda: 2) == 2  # already out of date


def test_every_per_process_entry_has_a_name_a_lifetime_and_who_forgets_it():
    import groundswell.integrations.actions
    import groundswell.petitions.fastpath  # noqa: F401

    names = {"signing-petitions", "fast-answer-headers", "webhook-listeners"}  # at import
    assert names <= set(KEPT)
    assert all(entry.seconds and entry.forgotten_by for entry in KEPT.values())
