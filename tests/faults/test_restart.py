"""A crashed server restarts cleanly, the way deploy/examapp.service and the README runbook say.

kill -9 of the gunicorn *master* alone (a crash, an OOM kill) can leave its workers running as orphans holding
the port: idle workers of recent gunicorn notice the dead master at once and exit, but a worker kept busy by
arriving requests goes on accepting, and a plain new start meanwhile fails with "Connection in use". The unit's KillMode=control-group makes systemd end
every process left in the service's cgroup before Restart=on-failure starts it again. There is no systemd
here, so the service runs in its own process group (the cgroup's stand-in), started with the unit's own
ExecStart, and the restart does what systemd does: SIGTERM to the whole group, wait, start. Every save the
server acknowledged is in the database afterwards. SQLite and PostgreSQL."""
from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from examapp.exams.models import Answer
from examapp.extensions import db
from tests.faults.helpers import REPO, candidate_session, correct_answers

DEPLOY = REPO / "deploy"
CANDIDATES = [f"sj{n:02d}" for n in range(1, 9)]


def unit_settings(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


def test_unit_files_restart_on_failure_and_kill_the_whole_control_group():
    service = unit_settings(DEPLOY / "examapp.service")
    assert service["KillMode"] == "control-group" and service["Restart"] == "on-failure"
    assert shlex.split(service["ExecStart"])[1:] == ["-c", "gunicorn.conf.py", "wsgi:app"]
    assert int(service["TimeoutStopSec"]) > 30     # longer than gunicorn.conf.py's graceful_timeout
    finalise = unit_settings(DEPLOY / "examapp-finalise.service")
    assert shlex.split(finalise["ExecStart"])[1:] == ["exams", "finalise-overdue"]
    timer = unit_settings(DEPLOY / "examapp-finalise.timer")
    assert timer["OnCalendar"] == "*-*-* *:*:00" and timer["Unit"] == "examapp-finalise.service"
    cron = (DEPLOY / "examapp.cron").read_text(encoding="utf-8")
    assert "* * * * * examapp cd /srv/examapp" in cron and "flask exams finalise-overdue" in cron


def test_unit_files_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    root = tmp_path / "srv"
    (root / ".venv/bin").mkdir(parents=True)
    for tool in ("gunicorn", "flask"):
        (root / ".venv/bin" / tool).write_text("#!/bin/sh\n")
        (root / ".venv/bin" / tool).chmod(0o755)
    for name in ("examapp.service", "examapp-finalise.service", "examapp-finalise.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8").replace("/srv/examapp", str(root))
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in (
        "examapp.service", "examapp-finalise.service", "examapp-finalise.timer"))],
        capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0 and problems == [], problems


class Service:
    """deploy/examapp.service's ExecStart in its own process group (what the unit's cgroup is to systemd)."""

    def __init__(self, database_url: str, log: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        exec_start = shlex.split(unit_settings(DEPLOY / "examapp.service")["ExecStart"])
        assert exec_start[0].endswith("/gunicorn")
        self.command = [sys.executable, "-m", "gunicorn", *exec_start[1:]]
        self.env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret-key-" + "x" * 32,
                        PYTHONPATH=str(REPO), GUNICORN_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY="2",
                        GUNICORN_ACCESS_LOG="/dev/null")
        self.log = log
        self.groups: list[int] = []
        self.processes: list[subprocess.Popen] = []

    def launch(self) -> subprocess.Popen:
        with open(self.log, "ab") as log:
            process = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=log, stderr=log,
                                       start_new_session=True)
        self.groups.append(process.pid)
        self.processes.append(process)
        return process

    def wait_ready(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:     # not listening yet, or workers still booting
                pass
            assert process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def stop_group(self, group: int, timeout: float = 40) -> None:
        """systemd's stop with KillMode=control-group: SIGTERM to all, SIGKILL to what is left after the timeout."""
        signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        signal_group(group, signal.SIGKILL)

    def cleanup(self) -> None:
        """Whatever a failed assertion left running: killed and reaped (no Popen left to warn in a later test)."""
        for group in self.groups:
            signal_group(group, signal.SIGKILL)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)


def signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


class Saver:
    """One candidate's exam page: saves in a loop, keeps what the server acknowledged, waits while paused."""

    def __init__(self, url: str, username: str, exam_id: int):
        self.url = url
        self.session = candidate_session(url, username)
        paper = self.session.post(f"{url}/api/v1/exams/{exam_id}/attempts", json={}, timeout=30).json()
        self.attempt, self.items = paper["attempt"], [i["item"] for i in paper["items"]]
        self.key: dict[int, object] = {}
        self.acknowledged: dict[int, tuple[int, object]] = {}
        self.acks = {"before": 0, "orphans": 0, "after": 0}
        self.seq = 0

    def run(self, phase: dict, stop: threading.Event, running: threading.Event) -> None:
        while not stop.is_set():
            running.wait(timeout=0.2)
            if not running.is_set():
                continue
            self.seq += 1
            item = self.items[self.seq % len(self.items)]
            value = self.key[item] if self.seq % 3 else None
            try:
                response = self.session.post(f"{self.url}/api/v1/attempts/{self.attempt}/answers",
                                             json={"item": item, "answer": value, "seq": self.seq}, timeout=10)
            except requests.RequestException:
                time.sleep(0.05)
                continue
            if response.status_code == 200:
                self.acknowledged[item] = (self.seq, value)
                self.acks[phase["now"]] += 1


def test_after_kill_9_of_the_master_the_runbook_restart_serves_and_leaves_no_old_process(tmp_path):
    """Whether the orphans notice the dead master at once (idle workers of recent gunicorn) or keep the port
    while requests keep coming (busy workers, the next test), the runbook's restart does not depend on it: end
    the whole old group, then start. Nothing of the old group is left and the new service answers."""
    service = Service(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "gunicorn.log")
    try:
        master = service.launch()
        service.wait_ready(master)
        os.kill(master.pid, signal.SIGKILL)
        master.wait(timeout=30)
        service.stop_group(master.pid)
        assert not group_alive(master.pid)
        restarted = service.launch()
        service.wait_ready(restarted)
        assert requests.get(f"{service.url}/healthz", timeout=10).status_code == 200
        service.stop_group(restarted.pid)
        assert restarted.wait(timeout=30) == 0
        assert not group_alive(restarted.pid)
        # No control socket in the user's home, shared by every gunicorn of the machine (gunicorn.conf.py).
        assert "Control socket listening" not in service.log.read_text()
    finally:
        service.cleanup()


def test_kill_9_of_the_master_during_autosave_then_the_runbook_restart_loses_no_acknowledged_save(
        app, exam, tmp_path):
    service = Service(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log")
    stop = threading.Event()
    try:
        master = service.launch()
        service.wait_ready(master)
        savers = [Saver(service.url, username, exam) for username in CANDIDATES]
        with app.app_context():
            for saver in savers:
                saver.key = correct_answers(saver.attempt)
            db.session.remove()
        phase, running = {"now": "before"}, threading.Event()
        threads = [threading.Thread(target=s.run, args=(phase, stop, running), daemon=True) for s in savers]
        running.set()
        for thread in threads:
            thread.start()
        time.sleep(1.5)

        # The crash, in the middle of the autosaves: the master alone dies; its workers carry on as orphans
        # for as long as requests keep coming.
        os.kill(master.pid, signal.SIGKILL)
        master.wait(timeout=30)
        phase["now"] = "orphans"
        time.sleep(1)
        running.clear()          # the pages keep their unsent answers while the server is down

        # The runbook (and systemd with KillMode=control-group): end the old group, then start again.
        service.stop_group(master.pid)
        assert not group_alive(master.pid)
        restarted = service.launch()
        service.wait_ready(restarted)
        phase["now"] = "after"
        running.set()
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert sum(s.acks["before"] for s in savers) > 0 and sum(s.acks["after"] for s in savers) > 0

        with app.app_context():
            for saver in savers:
                stored = {item: (seq, value) for item, seq, value in db.session.execute(
                    select(Answer.item_id, Answer.seq, Answer.value).where(Answer.attempt_id == saver.attempt))}
                for item, (seq, value) in saver.acknowledged.items():
                    assert item in stored, f"acknowledged save lost: attempt {saver.attempt} item {item}"
                    assert stored[item][0] >= seq and (stored[item][0] > seq or stored[item][1] == value)
            db.session.remove()
        service.stop_group(restarted.pid)
        assert restarted.wait(timeout=30) == 0      # a clean stop of the new service: SIGTERM, graceful
    finally:
        stop.set()
        service.cleanup()
