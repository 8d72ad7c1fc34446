"""Shared helpers for the engine tests (not a test module)."""
from __future__ import annotations

from pathlib import Path

from kubesim.seed import DEPLOYMENT

SEED_DIR = Path(__file__).parent / "data" / "seed"

#: The seed article's Deployment, verbatim.
WEB_APP = DEPLOYMENT


def phases(cluster, namespace="default", selector=None):
    """{pod name: phase} for the Pods stored right now."""
    return {p["metadata"]["name"]: p.get("status", {}).get("phase")
            for p in cluster.list("Pod", namespace, selector=selector)}


def running(cluster, namespace="default", selector=None) -> int:
    """How many Pods are Running and not being deleted."""
    return sum(1 for p in cluster.list("Pod", namespace, selector=selector)
               if p.get("status", {}).get("phase") == "Running"
               and not p["metadata"].get("deletionTimestamp"))
