"""How fast does kubesim's scheduler schedule?  Pods per wall second, and peak memory.

    .venv/bin/python bench/scheduler_scale.py [--nodes 5000] [--pods 10000] [--fill 150000]

The shape of kube-scheduler's ``SchedulingBasic/5000Nodes_10000Pods`` benchmark
(test/integration/scheduler_perf/config/performance-config.yaml, templates
node-default.yaml and pod-default.yaml): 5,000 nodes with 4 CPUs, 32 GiB and 110 Pods
each; 1,000 Pods placed first, then 10,000 measured Pods (``pause``, requests 100m /
500Mi).  Then scheduling continues until ``--fill`` Pods are placed (150,000 by default:
~30 per node, CPU fills at 40).  kube-scheduler's CI floor for the measured phase is 270
Pods/s; kubesim's goal is 1,000 Pods/s.

**What is measured** (like scheduler_perf, which measures scheduling throughput with the
API server and etcd running but no kubelets): for each Pod, the real code the running
:class:`kubesim.scheduler.Scheduler` runs — pop from the :class:`SchedulingQueue`, parse
it (:class:`PodInfo`), run :func:`schedule_one` with the default profile over the live
NodeInfo cache (:class:`Snapshot`: incremental updates, zone-ordered node list, the
``percentageOfNodesToScore`` early stop — 500 of 5,000 nodes — and a moving start
index), then *assume* it on the chosen node (the cache update the next cycle sees).

**What is not**: simpy, the simulated network, the API server, etcd and the Binding
request (in the running cluster those take simulated time, not this wall time), informer
event handling, and Pod creation (the manifests are built before the clock starts).
"""
from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import resource
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubesim.scheduler import PodInfo, default_profile, num_feasible_nodes_to_find, schedule_one  # noqa: E402
from kubesim.scheduler.queue import SchedulingQueue  # noqa: E402
from kubesim.scheduler.snapshot import Snapshot  # noqa: E402

CONTAINERS = [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
               "ports": [{"containerPort": 80}],
               "resources": {"limits": {"cpu": "100m", "memory": "500Mi"},
                             "requests": {"cpu": "100m", "memory": "500Mi"}}}]


def make_node(i: int) -> dict:
    """node-default.yaml (capacity only: allocatable defaults to it)."""
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": f"scheduler-perf-{i:05d}", "uid": f"node-{i}", "labels": {}},
            "spec": {},
            "status": {"capacity": {"pods": "110", "cpu": "4", "memory": "32Gi"},
                       "conditions": [{"type": "Ready", "status": "True"}], "phase": "Running"}}


def make_pod(i: int) -> dict:
    """pod-default.yaml; every Pod shares the same (read-only) container list."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:06d}", "namespace": "default", "uid": f"pod-uid-{i}",
                         "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"containers": CONTAINERS, "schedulerName": "default-scheduler", "priority": 0},
            "status": {"phase": "Pending"}}


def schedule(pods: list, snapshot: Snapshot, profile, queue: SchedulingQueue, rng, state: dict) -> int:
    """The scheduler's loop without simpy: queue → cycle → assume.  Returns how many fit."""
    now = state["now"]
    for pod in pods:
        queue.add(pod, now)
    placed = 0
    while True:
        qpi = queue.pop(now)
        if qpi is None:
            break
        info = PodInfo(qpi.pod)
        result = schedule_one(qpi.pod, snapshot, profile, rng, state["start"], pod_info=info)
        state["start"] = (state["start"] + result.evaluated) % snapshot.num_nodes
        if result.selected is None:
            queue.add_unschedulable(qpi, now, result.unschedulable_plugins)
            continue
        snapshot.add_pod(info, result.selected)     # assume (binding is not timed)
        queue.done(qpi.key)
        placed += 1
    state["now"] = now + 1.0
    return placed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--init-pods", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10000, help="measured Pods")
    parser.add_argument("--fill", type=int, default=150000, help="total Pods to reach at the end")
    parser.add_argument("--chunk", type=int, default=10000)
    args = parser.parse_args(argv)

    snapshot = Snapshot(make_node(i) for i in range(args.nodes))
    profile = default_profile()
    queue = SchedulingQueue()
    rng = random.Random(0)
    state = {"now": 0.0, "start": 0}
    print(f"{args.nodes} nodes; numFeasibleNodesToFind = {num_feasible_nodes_to_find(args.nodes)}")

    count = 0
    schedule([make_pod(i) for i in range(args.init_pods)], snapshot, profile, queue, rng, state)
    count = args.init_pods

    pods = [make_pod(count + i) for i in range(args.pods)]
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    placed = schedule(pods, snapshot, profile, queue, rng, state)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    count += args.pods
    print(f"SchedulingBasic {args.nodes}Nodes_{args.pods}Pods: {placed} Pods in {elapsed:.2f} s "
          f"= {placed / elapsed:,.0f} pods/s (wall); {placed / cpu:,.0f} pods per CPU-second")

    fill_placed, fill_elapsed, fill_cpu = 0, 0.0, 0.0
    while count < args.fill:
        n = min(args.chunk, args.fill - count)
        pods = [make_pod(count + i) for i in range(n)]
        t, c = time.perf_counter(), time.process_time()
        done = schedule(pods, snapshot, profile, queue, rng, state)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        fill_placed, fill_elapsed, fill_cpu, count = (fill_placed + done, fill_elapsed + dt,
                                                      fill_cpu + dc, count + n)
        print(f"  fill to {count:>7,} Pods: {done / dt:,.0f} pods/s (wall), {done / dc:,.0f} per CPU-second")
    total = sum(len(i.pods) for i in snapshot.node_infos)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if fill_placed:
        print(f"fill phase: {fill_placed:,} Pods in {fill_elapsed:.1f} s = "
              f"{fill_placed / fill_elapsed:,.0f} pods/s (wall, scheduling only); "
              f"{fill_placed / fill_cpu:,.0f} pods per CPU-second")
    print(f"filled to {total:,} Pods on {args.nodes} nodes ({total / args.nodes:.1f} per node)")
    print(f"peak memory (max RSS of this process): {peak_kib / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
