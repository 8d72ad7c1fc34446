"""kube-scheduler: picks a node for every Pending Pod.

* :mod:`.framework` — plugins and extension points; :mod:`.plugins` — one file each;
* :mod:`.cycle` — one scheduling cycle as a pure function;
* :func:`explain` — that cycle, reported step by step, with no simulation;
* :class:`Scheduler` — the running component.
"""
from .cycle import Profile, default_profile, num_feasible_nodes_to_find
from .explain import Explanation, explain
from .framework import NodeInfo, Plugin, Unschedulable
from .scheduler import Scheduler

__all__ = ["Explanation", "NodeInfo", "Plugin", "Profile", "Scheduler", "Unschedulable",
           "default_profile", "explain", "num_feasible_nodes_to_find"]
