"""bin/serve keeps the site up when a background process dies, and stops it all on TERM."""

# ruff: noqa: S603, S607 (fixed commands: ps, manage.py, bin/serve)

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90  # collectstatic and Granian's warm-up on a busy two-core machine
RESTART_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> dict[int, str]:
    """{pid: command line} of every live process below ``pid``."""
    out = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid=,stat=,args="], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split(None, 3) for line in out.splitlines() if line.strip()]
    children: dict[int, list] = {}
    for row in rows:
        if len(row) == 4 and not row[2].startswith("Z"):
            children.setdefault(int(row[1]), []).append((int(row[0]), row[3]))
    found, todo = {}, [pid]
    while todo:
        for child, args in children.get(todo.pop(), []):
            found[child] = args
            todo.append(child)
    return found


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not exited, not a zombie)."""
    out = subprocess.run(
        ["ps", "-o", "pid=,stat=", "-p", ",".join(map(str, pids)) or "0"],
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return {int(pid) for pid, stat in rows if not stat.startswith("Z")}


BACKGROUND = ["manage.py db_worker", "manage.py scheduler", "manage.py signing_service"]


def background(pid: int) -> dict[str, set[int]]:
    """The task worker, scheduler and signing service below ``pid``, by command."""
    found = descendants(pid)
    return {name: {p for p, args in found.items() if name in args} for name in BACKGROUND}


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    return condition()


@pytest.fixture
def serve(tmp_path, request):
    """bin/serve on a free port with a SQLite database of its own, in a new session; a
    test's indirect parameter adds to its environment."""
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "",
        "VAR_DIR": str(tmp_path),
        "SIGN_WRITER_SOCKET": str(tmp_path / "signing.sock"),
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "WEB_THREADS": "4",
        "ACCESS_LOG": "0",
        "EMAIL_URL": "",
        "REDIS_URL": "",
        **getattr(request, "param", {}),
    }
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        ["bin/serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: answers(port), STARTUP_SECONDS), (
            tmp_path / "serve.log"
        ).read_text()
        yield proc, port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever a failed test left running
        proc.wait(10)
        log.close()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="runs its own SQLite site once")
def test_a_killed_worker_scheduler_and_signing_service_start_again_while_the_site_answers(
    serve,
):
    proc, port = serve
    before = wait_for(lambda: all(background(proc.pid).values()) and background(proc.pid), 60)
    assert before, background(proc.pid)
    killed = set().union(*before.values())
    for pid in killed:
        os.kill(pid, signal.SIGKILL)

    def replaced():
        now = background(proc.pid)
        return proc.poll() is not None or all(pids - killed for pids in now.values())

    assert wait_for(replaced, RESTART_SECONDS)
    assert proc.poll() is None  # the site did not go down with them
    now = background(proc.pid)
    assert all(pids and not pids & killed for pids in now.values()), now
    assert answers(port)

    # TERM still stops everything, and cleanly.
    everything = set(descendants(proc.pid))
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(30) == 0
    assert wait_for(lambda: not running(everything), 10), running(everything)


def started_at(pid: int) -> float:
    """When a process started, in seconds since the epoch (to the clock tick)."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])  # btime is whole s
    return boot + ticks / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="runs its own SQLite site once")
def test_the_web_server_starts_after_the_background_processes_have_loaded_django(serve, tmp_path):
    """Their starts (a second of CPU each, niced) are not taken from a surge's first seconds."""
    proc, _port = serve
    web = min(
        started_at(pid) for pid, args in descendants(proc.pid).items() if "bin/granian " in args
    )
    started = {path.name: path.stat().st_mtime for path in (tmp_path / "started").iterdir()}
    assert sorted(started) == ["scheduler", "task-worker", "webhook-worker"]
    tick = 2 / os.sysconf("SC_CLK_TCK")  # and /proc/uptime's hundredth
    assert all(when <= web + tick for when in started.values()), (started, web)
    assert "still starting" not in (tmp_path / "serve.log").read_text()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="runs its own SQLite site once")
@pytest.mark.parametrize(
    "serve",
    [{"SIGN_WRITER_SOCKET": "/nonexistent/groundswell/signing.sock", "SIGN_SERVICE_WAIT": "2"}],
    indirect=True,
)
def test_the_web_server_waits_a_while_for_the_signing_service_then_starts_without_it(
    serve, tmp_path
):
    _proc, port = serve  # the service cannot listen there: it never will
    assert answers(port)
    assert "no signing service yet; the web processes write" in (tmp_path / "serve.log").read_text()
