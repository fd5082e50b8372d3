"""Process supervision for the servers: PyPI's supervisord, driven as a program.

A `Supervisor` writes supervisord's configuration for its programs, starts it (it dies with
its parent, even on kill -9), and talks to it over its XML-RPC socket. Every program is
restarted when it crashes, stopped with its children, and appends to a log rotated at 10 MB
(5 kept). The embedded assistant (bot/assistant.py) and the production mode
(bot/production.py) both run under one.
"""

from __future__ import annotations

import ctypes
import os
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

SUPERVISORD = Path(sys.executable).parent / "supervisord"

CONF = """\
[supervisord]
nodaemon=true
logfile={logs}/supervisord-{name}.log
logfile_maxbytes=10MB
logfile_backups=5
pidfile={run}/supervisord.pid

[unix_http_server]
file={run}/supervisor.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

PROGRAM = """
[program:{name}]
command={command}
directory={directory}
autostart={autostart}
autorestart=true
startsecs={startsecs}
startretries=100
stopsignal={stopsignal}
stopasgroup=true
killasgroup=true
stopwaitsecs=20
redirect_stderr=true
stdout_logfile={log}
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=5
"""


@dataclass
class Program:
    name: str
    command: list[str]
    log: str  # file name in the logs folder
    autostart: bool = True  # False: started when the caller says (after what it depends on)
    user: str | None = None
    startsecs: int = 5
    stopsignal: str = "TERM"  # PostgreSQL: INT, its fast shutdown (TERM waits for every client to leave)

    def conf(self, directory: Path, logs: Path) -> str:
        text = PROGRAM.format(name=self.name, command=shlex.join(self.command), directory=directory, log=logs / self.log,
                              autostart=str(self.autostart).lower(), startsecs=self.startsecs, stopsignal=self.stopsignal)
        return text + (f"user={self.user}\n" if self.user else "")


def _die_with_parent() -> None:
    """Run in the child before exec: supervisord gets SIGTERM when its parent dies, even by kill -9."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Supervisor:
    name: str
    programs: list[Program]
    logs: Path
    run_dir: Path
    directory: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], timeout: float = 30) -> "Supervisor":
        self.logs.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "supervisord.conf"
        conf.write_text(CONF.format(logs=self.logs, run=self.run_dir, name=self.name)
                        + "".join(p.conf(self.directory, self.logs) for p in self.programs))
        self.process = subprocess.Popen([str(SUPERVISORD), "-c", str(conf)], cwd=self.directory, env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(self.logs / f"supervisord-{self.name}.err", "a"),
                                        start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while True:  # ready when its control socket answers
            try:
                self.control().getState()
                return self
            except (OSError, xmlrpc.client.Error):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise OSError(f"le superviseur ne démarre pas : voir {self.logs}/supervisord-{self.name}.err") from None
                time.sleep(0.1)

    def control(self):
        """supervisord's XML-RPC interface: getProcessInfo, stopProcess, startProcess..."""
        transport = SupervisorTransport(None, None, f"unix://{self.run_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def pid(self, program: str) -> int:
        """The program's pid now (a restart changes it)."""
        return self.control().getProcessInfo(program)["pid"]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.process.terminate()  # supervisord stops every program, their children included
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


class Supervised:
    """What the embedded assistant and the production mode share: their servers under `self.supervisor`."""

    supervisor: Supervisor | None

    def control(self):
        return self.supervisor.control()

    def pid(self, name: str) -> int:
        """The pid of a program now (a restart changes it)."""
        return self.supervisor.pid(name)

    def running(self) -> bool:
        return self.supervisor is not None and self.supervisor.running()

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
