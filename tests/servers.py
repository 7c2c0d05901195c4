"""Real servers (gunicorn, waitress) as subprocesses for the tests: each in its own process group on a free
port, ready when its /healthz answers (however long a busy machine takes, up to READY_TIMEOUT, and failing
at once if the process exits), and always stopped — also when starting it failed."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
# Generous: on a busy 2-core machine a gunicorn master with three workers importing the app can take many
# seconds. The wait ends as soon as the server answers, so a generous bound costs nothing when all is well.
READY_TIMEOUT = float(os.environ.get("TEST_SERVER_READY_TIMEOUT", "60"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies, even if it is killed (no teardown)."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


class ServerProcess:
    """A WSGI server serving wsgi:app from the repository on DATABASE_URL; subclasses give the command."""

    name = "server"

    def __init__(self, database_url: str, log: Path, *, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.log = log
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        """Start and wait until ready; on any failure (or interrupt) the process group is stopped first."""
        env = dict(os.environ, DATABASE_URL=self.database_url, SECRET_KEY="test-secret-key",
                   PYTHONPATH=str(REPO), RATELIMIT_STORAGE_URI="memory://") | self.env
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command(), cwd=REPO, env=env, stdout=log, stderr=log,
                                            start_new_session=True, preexec_fn=_die_with_parent)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with code {self.process.returncode}:\n{self.tail()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.name} did not answer /healthz within {timeout:.0f} s:\n{self.tail()}")
            try:
                # The port answers as soon as the server listens; the reply may take long while workers boot.
                if requests.get(f"{self.url}/healthz", timeout=min(remaining, 10)).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """kill -9 of the whole process group (master and workers)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        # Workers the master left behind (or the whole group after a timeout) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


class Gunicorn(ServerProcess):
    """The production server (by default 2 gthread workers)."""

    name = "gunicorn"

    def __init__(self, database_url: str, log: Path, *, args: tuple[str, ...] = ("-w", "2", "-k", "gthread",
                                                                                  "--threads", "4"), env: dict | None = None):
        super().__init__(database_url, log, env=env)
        self.args = args

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "--chdir", str(REPO), *self.args,
                "-b", f"127.0.0.1:{self.port}", "wsgi:app"]


class Waitress(ServerProcess):
    """The embedded server of `make run` (README)."""

    name = "waitress"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "waitress", "--host", "127.0.0.1", "--port", str(self.port),
                "--threads", "4", "wsgi:app"]


@contextlib.contextmanager
def serving(server: ServerProcess):
    """`with serving(Gunicorn(...)) as server:` — started, ready, and stopped whatever happens."""
    try:
        server.start()
        yield server
    finally:
        server.stop()
