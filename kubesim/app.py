"""The simulated program inside a container: what probes and requests find there.

Real containers run real programs; kubesim's run an :class:`App` that behaves the way the
course needs and that a lesson can steer::

    app = c.app("web-app-5f67959d97-x7k2p")   # the Pod's (first) container
    app.fail_readiness()    # its readiness endpoint now answers 503
    app.hang()              # it stops answering at all: liveness probes time out
    app.crash(1)            # the process exits with code 1
    app.recover()           # healthy again

A manifest can also shape the program with environment variables:
``KUBESIM_STARTUP_SECONDS`` is the time it needs before it listens on its ports (for startup
probes), ``KUBESIM_SHUTDOWN_SECONDS`` the time it takes to exit after SIGTERM (longer than
the grace period, and kubelet's SIGKILL ends it).
"""
from __future__ import annotations

from typing import Optional

import simpy

STARTUP_ENV = "KUBESIM_STARTUP_SECONDS"
SHUTDOWN_ENV = "KUBESIM_SHUTDOWN_SECONDS"


class App:
    """One container's program: listening, ready, alive — and controllable."""

    def __init__(self, env: simpy.Environment, spec: dict, ip: str = ""):
        self.env = env
        self.name = spec.get("name", "")
        self.ip = ip
        self.started_at = env.now
        env_vars = {e.get("name"): e.get("value") for e in spec.get("env") or []}
        self.startup_seconds = float(env_vars.get(STARTUP_ENV) or 0)
        #: Seconds the program takes to exit after SIGTERM (None: a fraction of a second).
        self.shutdown_seconds = float(env_vars[SHUTDOWN_ENV]) if env_vars.get(SHUTDOWN_ENV) else None
        self.unready = False
        self.hung = False
        self.exited = env.event()     # succeeds with the exit code when the program stops
        self.requests = 0

    # ------------------------------------------------------------------ state
    def listening(self) -> bool:
        """Has the program finished starting (does it accept connections)?"""
        return not self.exited.triggered and \
            self.env.now - self.started_at >= self.startup_seconds

    # ------------------------------------------------------------------ controls
    def fail_readiness(self) -> None:
        """The readiness endpoint answers 503 (the program is up but not ready)."""
        self.unready = True

    def hang(self) -> None:
        """The program stops answering: every probe and request times out."""
        self.hung = True

    def recover(self) -> None:
        """Healthy and ready again."""
        self.unready = self.hung = False

    def crash(self, exit_code: int = 1) -> None:
        """The process exits with ``exit_code``."""
        if not self.exited.triggered:
            self.exited.succeed(exit_code)

    # ------------------------------------------------------------------ probes
    def probe(self, probe: dict, kind: str) -> tuple[bool, str]:
        """Run one probe (``kind``: liveness, readiness or startup) against the program.

        Returns ``(success, message)``; messages are kubelet's (pkg/probe/http, tcp).
        """
        if "httpGet" in probe:
            action = probe["httpGet"]
            port = action.get("port", 80)
            url = f"http://{self.ip}:{port}{action.get('path', '/')}"
            if not self.listening():
                return False, f'Get "{url}": dial tcp {self.ip}:{port}: connect: connection refused'
            if self.hung:
                return False, (f'Get "{url}": context deadline exceeded (Client.Timeout exceeded '
                               "while awaiting headers)")
            if self.unready and kind == "readiness":
                return False, "HTTP probe failed with statuscode: 503"
            return True, ""
        if "tcpSocket" in probe:
            port = probe["tcpSocket"].get("port", 80)
            if not self.listening() or self.hung:
                return False, f"dial tcp {self.ip}:{port}: connect: connection refused"
            return True, ""
        # exec (and grpc): succeed while the program is healthy
        if not self.listening() or self.hung or (self.unready and kind == "readiness"):
            return False, "command failed: exit code 1"
        return True, ""

    # ------------------------------------------------------------------ traffic
    def serve(self, path: str = "/") -> tuple[Optional[int], str]:
        """Answer one HTTP request: ``(status, error)``; status None when nothing answers."""
        if not self.listening():
            return None, "connection refused"
        if self.hung:
            return None, "timeout"
        self.requests += 1
        return 200, ""
