"""How often does a rolling update break its availability floor?  Prints one line per run.

    .venv/bin/python bench/rollout_bounds.py [--seeds 8]

For several (replicas, maxSurge, maxUnavailable) settings and seeds it rolls a Deployment
to a new image and samples every 50 ms: the sum of the ReplicaSets' replicas (ceiling:
replicas + maxSurge) and the Deployment's ``availableReplicas`` and the Ready Pods (floor:
replicas − maxUnavailable).  Expected: 0 runs outside their bounds.  (Kubernetes v1.33's
controller trusts a lagging ReplicaSet status and could dip one Pod below the floor for a
moment; kubesim counts an old ReplicaSet's available Pods as at most its replicas — see
``kubesim.controllers.deployment.settled_available``.)
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kubesim  # noqa: E402
from kubesim import seed  # noqa: E402
from kubesim.api.podutil import is_pod_ready  # noqa: E402

CASES = [(10, "25%", "25%"), (4, "25%", "25%"), (3, 1, 0), (5, 0, 1), (7, "50%", "10%"),
         (6, "100%", 0), (1, "25%", "25%"), (20, "25%", "25%")]


def resolve(value, replicas: int, round_up: bool) -> int:
    if isinstance(value, str):
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return value


def manifest(replicas: int, surge, unavailable) -> str:
    q = lambda v: f'"{v}"' if isinstance(v, str) else str(v)
    strategy = (f"  strategy:\n    rollingUpdate:\n      maxSurge: {q(surge)}\n"
                f"      maxUnavailable: {q(unavailable)}\n")
    return seed.DEPLOYMENT.replace("replicas: 3", f"replicas: {replicas}").replace(
        "spec:\n  replicas", f"spec:\n{strategy}  replicas", 1)


def run(replicas: int, surge, unavailable, seed_value: int) -> tuple[int, int, int]:
    """(peak RS replicas, lowest Deployment availableReplicas, lowest Ready Pods)."""
    c = kubesim.Cluster(seed=seed_value, nodes_per_zone=4)
    c.apply(manifest(replicas, surge, unavailable))
    c.run_until(lambda cl: cl.get("Deployment", "web-app")["status"].get("availableReplicas", 0)
                == replicas, timeout=60)
    c.kubectl("set image deployment/web-app web=nginx:1.26")
    peak, low_status, low_ready = 0, replicas, replicas
    for _ in range(400):
        c.run(0.05)
        peak = max(peak, sum(rs["spec"]["replicas"] for rs in c.list("ReplicaSet", "default")))
        low_status = min(low_status, c.get("Deployment", "web-app")["status"].get("availableReplicas", 0))
        low_ready = min(low_ready, sum(is_pod_ready(p) for p in c.list("Pod", "default")
                                       if not p["metadata"].get("deletionTimestamp")))
    return peak, low_status, low_ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    runs = dips = 0
    for replicas, surge, unavailable in CASES:
        ceiling = replicas + resolve(surge, replicas, True)
        max_unavailable = resolve(unavailable, replicas, False)
        if ceiling == replicas and max_unavailable == 0:
            max_unavailable = 1
        floor = replicas - max_unavailable
        for s in range(args.seeds):
            peak, low_status, low_ready = run(replicas, surge, unavailable, s)
            bad = peak > ceiling or low_status < floor or low_ready < floor
            runs += 1
            dips += bad
            print(f"replicas={replicas:<3} surge={surge!s:<5} unavailable={unavailable!s:<4} "
                  f"seed={s}: peak {peak}/{ceiling}  available >= {low_status}  "
                  f"ready >= {low_ready}  (floor {floor}){'  <- below the floor' if bad else ''}")
    print(f"{dips} of {runs} rollouts went outside their bounds")


if __name__ == "__main__":
    main()
