"""The test servers' start-and-stop helper (tests/servers.py) on a busy machine: a server slow to answer its
first request is waited for (not abandoned mid-start and leaked), one that exits is reported at once, and one
that never gets ready is stopped, its whole process group with it."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.servers import ServerProcess, serving

# A stand-in server: listens at once, but its first answer takes SLOW seconds (workers still booting on a
# busy machine); EXIT makes it die before listening; HANG makes it never answer.
SCRIPT = r"""
import http.server, os, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
if mode == "exit":
    sys.exit(3)
os.fork() or time.sleep(3600)          # a child in the same process group, like a gunicorn worker
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(3600 if mode == "hang" else float(mode))
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


class StandIn(ServerProcess):
    def __init__(self, mode: str, tmp_path):
        super().__init__("sqlite://", tmp_path / "server.log")
        self.mode = mode

    def command(self) -> list[str]:
        return [sys.executable, "-c", SCRIPT, self.mode, str(self.port)]


def group_alive(pgid: int) -> bool:
    """Any process of the group still running (a zombie waiting for its reaper is not running)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_a_server_slow_to_answer_its_first_request_is_waited_for(tmp_path):
    server = StandIn("3", tmp_path)
    with serving(server):
        assert server.process.poll() is None
        pgid = server.process.pid
    assert not group_alive(pgid)


def test_a_server_that_exits_fails_the_start_at_once(tmp_path):
    server = StandIn("exit", tmp_path)
    started = time.monotonic()
    with pytest.raises(AssertionError, match="exited with code 3"), serving(server):
        pass
    assert time.monotonic() - started < 10


def test_a_server_that_never_gets_ready_is_stopped_with_its_workers(tmp_path):
    server = StandIn("hang", tmp_path)
    server.wait_ready = lambda timeout=2: ServerProcess.wait_ready(server, timeout)
    with pytest.raises(AssertionError, match="did not answer /healthz within 2 s"), serving(server):
        pass
    assert server.process.poll() is not None
    assert not group_alive(server.process.pid)
