"""kube-scheduler: picks a node for every Pending Pod.

* :mod:`.framework` — plugins, extension points, :class:`Status`; :mod:`.plugins` — one
  file per plugin, each naming the Kubernetes source it follows;
* :mod:`.nodeinfo` / :mod:`.snapshot` — the cache of nodes and the Pods on them;
* :mod:`.profile` — which plugins run, with which weights (KubeSchedulerConfiguration);
* :mod:`.cycle` — one scheduling cycle as a pure function;
* :mod:`.queue` — the scheduling queue (priority order, back-off, unschedulable Pods);
* :func:`explain` — that cycle, reported step by step, with no simulation;
* :class:`Scheduler` — the running component.
"""
from .cycle import CycleResult, num_feasible_nodes_to_find, schedule_one
from .explain import Explanation, explain
from .framework import (SKIPPED, CycleState, NodeInfo, Plugin, PodInfo, Status, unresolvable,
                        unschedulable)
from .profile import Profile, default_profile, load_config
from .scheduler import Scheduler
from .snapshot import Snapshot

__all__ = ["CycleResult", "CycleState", "Explanation", "NodeInfo", "Plugin", "PodInfo", "Profile",
           "SKIPPED", "Scheduler", "Snapshot", "Status", "default_profile", "explain",
           "load_config", "num_feasible_nodes_to_find", "schedule_one", "unresolvable",
           "unschedulable"]
