"""The container runtime (containerd) behind the CRI, as kubelet sees it.

kubelet calls ``RunPodSandbox`` (the pause container and the Pod's network namespace),
``PullImage``, ``CreateContainer``, ``StartContainer`` and ``StopContainer``.  Each takes
simulated time; image pulls take ``size / bandwidth`` and happen one at a time per node
(kubelet's default ``serializeImagePulls: true``); a pulled image stays in the node's
image cache, so the next Pod using it starts faster.

The registry is simulated too: :data:`REGISTRY` lists the images that exist and their
sizes.  Anything else fails the way containerd reports a missing image.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import simpy

MB = 1_000_000

#: Images the simulated registry serves: repository -> {tag: compressed size in bytes}.
REGISTRY: dict[str, dict[str, int]] = {
    "docker.io/library/nginx": {"1.25": 67 * MB, "1.26": 68 * MB, "1.27": 70 * MB,
                                "latest": 70 * MB, "1.25-alpine": 17 * MB},
    "docker.io/library/busybox": {"1.36": 2 * MB, "latest": 2 * MB},
    "docker.io/library/redis": {"7.2": 41 * MB, "latest": 41 * MB},
    "docker.io/library/postgres": {"16": 150 * MB, "latest": 150 * MB},
    "docker.io/library/python": {"3.12-slim": 45 * MB, "3.11-slim": 45 * MB},
    "docker.io/library/httpd": {"2.4": 58 * MB, "latest": 58 * MB},
    "docker.io/library/alpine": {"3.20": 3 * MB, "latest": 3 * MB},
    "registry.k8s.io/pause": {"3.10": 1 * MB},
    "registry.k8s.io/e2e-test-images/agnhost": {"2.52": 53 * MB},
    "ghcr.io/kubesim/web": {"v1": 20 * MB, "v2": 21 * MB, "v3": 21 * MB},
    "ghcr.io/kubesim/api": {"v1": 30 * MB, "v2": 31 * MB},
}

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


def normalize_image(image: str) -> str:
    """Docker reference normalization: ``nginx:1.25`` -> ``docker.io/library/nginx:1.25``."""
    name, tag = image, "latest"
    if "@" in name:
        name = name.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif not ("." in first or ":" in first or first == "localhost"):
        name = f"docker.io/{name}"
    return f"{name}:{tag}"


class ImagePullError(Exception):
    """The registry has no such image (containerd's error text)."""


@dataclass
class Container:
    id: str
    name: str
    image: str
    started_at: float = 0.0
    exit_code: int | None = None
    finished_at: float = 0.0
    process: simpy.Process | None = None
    exited: simpy.Event | None = None
    app: object = None          # the simulated program (kubesim.app.App)


@dataclass
class Sandbox:
    id: str
    pod_uid: str
    ip: str
    containers: dict = field(default_factory=dict)


def app_behaviour(container: dict) -> tuple[str, float, int]:
    """What the simulated program in a container does: ("run", 0, 0) forever,
    ("exit", after_seconds, code) for ``exit N`` / ``sleep N`` commands."""
    words = " ".join((container.get("command") or []) + (container.get("args") or []))
    m = re.search(r"sleep (\d+(?:\.\d+)?)\s*(?:;|&&)?\s*exit (\d+)", words)
    if m:
        return "exit", float(m.group(1)), int(m.group(2))
    m = re.search(r"exit (\d+)", words)
    if m:
        return "exit", 0.5, int(m.group(1))
    m = re.search(r"^\s*(?:sh -c\s+)?sleep (\d+(?:\.\d+)?)\s*$", words)
    if m:
        return "exit", float(m.group(1)), 0
    return "run", 0.0, 0


class ContainerRuntime:
    """containerd on one node: image cache, sandboxes and containers (no network of its own)."""

    runtime_version = "containerd://1.7.24"

    def __init__(self, env: simpy.Environment, node: str, rng, bandwidth_mbps: float = 400.0):
        self.env = env
        self.node = node
        self.rng = rng
        self.bandwidth = bandwidth_mbps * 1_000_000 / 8   # bytes per second
        self.images: dict[str, int] = {normalize_image(PAUSE_IMAGE): 1 * MB}
        self.pull_lock = simpy.Resource(env, capacity=1)   # serializeImagePulls
        self.sandboxes: dict[str, Sandbox] = {}
        self.next_ip = 2                # host-local IPAM: the next free host in the Pod CIDR
        self._ids = 0

    def _new_id(self) -> str:
        self._ids += 1
        return f"{self.rng.getrandbits(64):016x}{self._ids:048x}"[:64]

    def reset(self) -> None:
        """The node rebooted: every container is gone (images stay on disk)."""
        for sandbox in self.sandboxes.values():
            for c in sandbox.containers.values():
                if c.process is not None and c.process.is_alive:
                    c.process.interrupt("node down")
        self.sandboxes = {}
        self.next_ip = 2

    # ------------------------------------------------------------------ CRI calls
    def image_present(self, image: str) -> bool:
        return normalize_image(image) in self.images

    def image_size(self, image: str) -> int:
        ref = normalize_image(image)
        repo, tag = ref.rsplit(":", 1)
        size = REGISTRY.get(repo, {}).get(tag)
        if size is None:
            raise ImagePullError(self._not_found(image, ref, repo))
        return size

    @staticmethod
    def _not_found(image: str, ref: str, repo: str) -> str:
        if repo in REGISTRY:
            return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                    f'failed to resolve reference "{ref}": {ref}: not found')
        return (f'rpc error: code = Unknown desc = failed to pull and unpack image "{ref}": '
                f'failed to resolve reference "{ref}": pull access denied, repository does '
                f'not exist or may require authorization: server message: insufficient_scope: '
                f'authorization failed')

    def pull_image(self, image: str):
        """PullImage (a generator): returns ``(size, seconds including waiting)``."""
        asked = self.env.now
        with self.pull_lock.request() as turn:
            yield turn
            yield self.env.timeout(0.2 + self.rng.uniform(0, 0.1))   # resolve the manifest
            size = self.image_size(image)
            # Registry and network throughput vary from pull to pull.
            yield self.env.timeout(size / (self.bandwidth * self.rng.uniform(0.7, 1.3)))
        self.images[normalize_image(image)] = size
        return size, self.env.now - asked

    def run_pod_sandbox(self, pod: dict, ip: str):
        """RunPodSandbox: pause container + network namespace (CNI gives it ``ip``)."""
        yield self.env.timeout(0.3 + self.rng.uniform(0, 0.2))
        sandbox = Sandbox(self._new_id(), pod["metadata"]["uid"], ip)
        self.sandboxes[sandbox.pod_uid] = sandbox
        return sandbox

    def create_container(self, sandbox: Sandbox, spec: dict):
        yield self.env.timeout(0.05 + self.rng.uniform(0, 0.05))
        c = Container(self._new_id(), spec["name"], spec["image"])
        sandbox.containers[spec["name"]] = c
        return c

    def start_container(self, container: Container, spec: dict, ip: str = ""):
        """StartContainer; the simulated program then runs by :func:`app_behaviour`."""
        from .app import App
        yield self.env.timeout(0.1 + self.rng.uniform(0, 0.4))     # runc start, cgroups, exec
        container.started_at = self.env.now
        container.exit_code = None
        container.finished_at = 0.0
        container.exited = self.env.event()
        container.app = App(self.env, spec, ip)
        container.process = self.env.process(self._program(container, spec))
        return container

    def _program(self, container: Container, spec: dict):
        mode, after, code = app_behaviour(spec)
        app = container.app
        try:
            if mode == "run":
                code = yield app.exited          # runs until stopped (or told to crash)
            else:
                done = self.env.timeout(after, value=code)
                code = next(iter((yield done | app.exited).values()))
            self._exit(container, code)
        except simpy.Interrupt as stop:
            signal = stop.cause
            self._exit(container, 137 if signal == "SIGKILL" else 0 if signal == "SIGTERM" else 137)

    def _exit(self, container: Container, code: int) -> None:
        if container.exit_code is None:
            container.exit_code = code
            container.finished_at = self.env.now
            if container.exited is not None and not container.exited.triggered:
                container.exited.succeed(code)
            app = container.app
            if app is not None and not app.exited.triggered:
                app.exited.succeed(code)    # a stopped program no longer listens or answers

    def stop_container(self, container: Container, grace: float):
        """StopContainer: SIGTERM, then SIGKILL after ``grace`` seconds if still running."""
        if container.process is None or not container.process.is_alive:
            return container.exit_code
        # Well-behaved programs (nginx) exit within a fraction of a second of SIGTERM.
        shutdown = 0.1 + self.rng.uniform(0, 0.2)
        if container.app is not None and container.app.shutdown_seconds is not None:
            shutdown = container.app.shutdown_seconds
        if shutdown <= grace:
            yield self.env.timeout(shutdown)
            if container.process.is_alive:
                container.process.interrupt("SIGTERM")
        else:
            yield self.env.timeout(grace)
            if container.process.is_alive:
                container.process.interrupt("SIGKILL")
        yield container.exited
        return container.exit_code

    def remove_pod_sandbox(self, pod_uid: str) -> None:
        self.sandboxes.pop(pod_uid, None)
