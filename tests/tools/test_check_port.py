"""`make run` checks the port first: a busy port is explained in Chinese (PORT=, HOST=) and make stops."""
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port():
    """A port some other program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def check(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "check_port.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=30)


def test_a_busy_port_is_explained_in_chinese_with_port_and_host(busy_port):
    result = check("127.0.0.1", busy_port)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"端口 {busy_port} 已被占用，可用 make run PORT={busy_port + 1} 换一个端口；"
                                     "在局域网中让手机访问用 HOST=0.0.0.0")


def test_a_port_busy_on_loopback_is_busy_for_the_whole_lan_too(busy_port):
    result = check("0.0.0.0", busy_port)
    assert result.returncode == 1
    assert result.stderr.strip() == f"端口 {busy_port} 已被占用，可用 make run PORT={busy_port + 1} 换一个端口"


def test_a_free_port_passes_silently(busy_port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    result = check("127.0.0.1", free)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_nonsense_port_is_refused_in_chinese():
    result = check("127.0.0.1", "五千")
    assert result.returncode == 1 and "端口应为 1–65535 的整数，现在是“五千”" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_stops_before_installing_when_the_port_is_busy(busy_port, tmp_path):
    # VENV points at a directory that does not exist: had make gone on, it would have created it.
    venv = tmp_path / "venv"
    result = subprocess.run(["make", "-C", str(ROOT), "run", f"PORT={busy_port}", f"VENV={venv}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"端口 {busy_port} 已被占用" in result.stderr and not venv.exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_installs_without_the_test_tools_and_make_test_with_them(tmp_path):
    def planned(target):
        return subprocess.run(["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}"],
                              capture_output=True, text=True, timeout=60, check=True).stdout

    run = planned("run")
    assert "pip install --quiet -e .\n" in run and "[test]" not in run
    assert "tools/check_port.py 127.0.0.1 5000" in run
    assert "pip install --quiet -e '.[test]'" in planned("test")
