"""bot/supervision.py with a small program: restarted when it crashes, its log appended, and
nothing left running when the parent that started the supervisor dies (kill -9)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.supervision import Program, Supervisor
from conftest import ROOT


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_for(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def ticking(tmp_path) -> Supervisor:
    program = Program("tic", [sys.executable, "-u", "-c", "import itertools, time; [print('tic', flush=True) or time.sleep(0.2) for _ in itertools.count()]"],
                      "tic.log", startsecs=1)
    return Supervisor("test", [program], tmp_path / "log", tmp_path / "run", tmp_path)


def test_a_crashed_program_is_restarted_and_its_log_appended(tmp_path):
    supervisor = ticking(tmp_path).start(dict(os.environ))
    try:
        assert wait_for(lambda: supervisor.control().getProcessInfo("tic")["statename"] == "RUNNING")
        first = supervisor.pid("tic")
        log = tmp_path / "log" / "tic.log"
        assert wait_for(lambda: log.exists() and log.stat().st_size > 0)
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: supervisor.control().getProcessInfo("tic")["pid"] not in (0, first))
        before = log.stat().st_size
        assert wait_for(lambda: log.stat().st_size > before)  # the new process writes after the old one's lines
        assert log.read_text().count("tic") > 2
    finally:
        supervisor.stop()


def test_nothing_outlives_the_parent_killed_with_sigkill(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", (
        "import json, os, sys, time\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from pathlib import Path\n"
        "from tests.test_supervision import ticking, wait_for\n"
        "s = ticking(Path(sys.argv[2])).start(dict(os.environ))\n"
        "wait_for(lambda: s.control().getProcessInfo('tic')['statename'] == 'RUNNING')\n"
        "print(json.dumps([s.process.pid, s.pid('tic')]), flush=True)\n"
        "time.sleep(600)\n"), str(ROOT), str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}"))
    supervisord, program = json.loads(parent.stdout.readline())
    assert alive(supervisord) and alive(program)
    parent.kill()
    parent.wait()
    assert wait_for(lambda: not alive(supervisord) and not alive(program))
