"""The API server's health endpoints: ``/livez``, ``/readyz``, ``/healthz`` and ``/version``.

A load balancer probes ``/readyz`` to decide whether to send traffic to a replica;
``kubectl get --raw='/readyz?verbose'`` lists the individual checks. A replica is *ready*
when it reaches etcd and its watch cache has synced (the ``informer-sync`` and post-start
hooks); it is *live* as long as the process runs.

Source: k8s.io/apiserver/pkg/server/healthz (healthz.go: the ``[+]name ok`` format).
"""
from __future__ import annotations

import json

from ..errors import StatusError

VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "gitCommit": "kubesim",
           "gitTreeState": "clean", "buildDate": "2025-04-23T13:46:57Z", "goVersion": "go1.24.2",
           "compiler": "gc", "platform": "linux/amd64"}


def checks(server, path: str) -> list[tuple[str, bool]]:
    """``(name, passed)`` of each check behind ``/livez`` or ``/readyz``."""
    etcd_ok = any(server.sim.network.can_talk(server.name, m) for m in server.etcd_members)
    out = [("ping", True), ("log", True)]
    if path == "/livez":
        return out + [("etcd", etcd_ok)]
    return out + [("etcd", etcd_ok), ("etcd-readiness", etcd_ok),
                  ("informer-sync", server.ready),
                  ("poststarthook/rbac/bootstrap-roles", server.ready),
                  ("shutdown", server.up)]


def serve(server, req: dict) -> tuple[int, str]:
    """Answer a non-resource GET; raises the 500 a failed check returns."""
    raw = req["options"]["path"]
    path, _, query = raw.partition("?")
    if path == "/version":
        return 200, json.dumps(VERSION, indent=2)
    if path not in ("/livez", "/readyz", "/healthz"):
        raise StatusError("Error from server (NotFound): the server could not find the requested "
                          "resource", code=404, reason="NotFound",
                          status_message="the server could not find the requested resource")
    results = checks(server, "/livez" if path == "/livez" else "/readyz")
    passed = all(ok for _, ok in results)
    name = path.strip("/")
    lines = [f"[+]{n} ok" if ok else f"[-]{n} failed: reason withheld" for n, ok in results]
    if passed:
        return 200, ("\n".join(lines + [f"{name} check passed"]) if "verbose" in query else "ok")
    text = "\n".join(lines + [f"{name} check failed"])
    raise StatusError(f'Error from server (InternalError): an error on the server ("{text}") '
                      "has prevented the request from succeeding", code=500, reason="InternalError",
                      status_message=text)
