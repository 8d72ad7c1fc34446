"""How fast is kubesim?  Prints simulated events per wall second, next to bare simpy.

    .venv/bin/python bench/engine_throughput.py [--nodes 100] [--pods 1000]

1. *bare simpy*: processes that exchange messages through Stores and wait on timeouts —
   the same kinds of events kubesim schedules, with no Kubernetes logic at all;
2. *kubesim*: a cluster of ``--nodes`` workers, one Deployment of ``--pods`` replicas,
   run until every Pod is Running.

An "event" is one simpy event scheduled (simpy numbers them: ``Environment._eid``).
Goal (issue 3): kubesim's rate ≥ 0.25 × bare simpy's.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kubesim  # noqa: E402

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: load
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: load
  template:
    metadata:
      labels:
        app: load
    spec:
      containers:
      - name: app
        image: nginx:1.25
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
"""


def events_scheduled(env: simpy.Environment) -> int:
    return next(env._eid)


def bare_simpy(seconds: float = 2.0) -> float:
    """Events per wall second for a ping-pong of 200 process pairs over Stores."""
    env = simpy.Environment()
    rng = random.Random(0)

    def pinger(inbox, outbox):
        while True:
            yield env.timeout(rng.uniform(0.0005, 0.0015))
            outbox.put("ping")
            yield inbox.get()

    def ponger(inbox, outbox):
        while True:
            yield inbox.get()
            yield env.timeout(rng.uniform(0.0005, 0.0015))
            outbox.put("pong")

    for _ in range(200):
        a, b = simpy.Store(env), simpy.Store(env)
        env.process(pinger(a, b))
        env.process(ponger(b, a))
    start = time.perf_counter()
    until = 0.0
    while time.perf_counter() - start < seconds:
        until += 1.0
        env.run(until=until)
    wall = time.perf_counter() - start
    return events_scheduled(env) / wall


def kubesim_run(nodes: int, pods: int) -> tuple[float, float, float, int]:
    """(events per wall second, wall seconds, simulated seconds, running pods)."""
    zones = 4 if nodes % 4 == 0 else 1
    start = time.perf_counter()
    c = kubesim.Cluster(seed=0, zones=zones, nodes_per_zone=nodes // zones)
    c.run(1)
    c.apply(DEPLOYMENT.format(replicas=pods))

    def running(cluster) -> bool:
        return sum(1 for p in cluster.list("Pod", "default")
                   if p.get("status", {}).get("phase") == "Running") >= pods

    c.run_until(running, timeout=600, step=5)
    wall = time.perf_counter() - start
    done = sum(1 for p in c.list("Pod", "default") if p.get("status", {}).get("phase") == "Running")
    return events_scheduled(c.env) / wall, wall, c.now, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--pods", type=int, default=1000)
    args = parser.parse_args()
    bare = bare_simpy()
    rate, wall, sim_seconds, done = kubesim_run(args.nodes, args.pods)
    print(f"bare simpy:      {bare:12,.0f} events/s")
    print(f"kubesim:         {rate:12,.0f} events/s")
    print(f"ratio:           {rate / bare:12.2f}   (goal >= 0.25)")
    print(f"{done}/{args.pods} Pods Running on {args.nodes} nodes: {wall:.1f} s wall, "
          f"{sim_seconds:.1f} s simulated")


if __name__ == "__main__":
    main()
