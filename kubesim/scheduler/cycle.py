"""One scheduling cycle as a pure function: PreFilter → Filter → (PostFilter) → PreScore →
Score → NormalizeScore → weighted sum → pick a node.

:func:`schedule_one` is what the running :class:`~kubesim.scheduler.Scheduler` calls for
every Pod and what :func:`~kubesim.scheduler.explain` calls to show its work — one code
path (k8s.io/kubernetes pkg/scheduler/schedule_one.go: schedulePod, findNodesThatFitPod,
findNodesThatPassFilters, prioritizeNodes, selectHost; framework/runtime/framework.go:
RunFilterPluginsWithNominatedPods, RunScorePlugins; framework/types.go: FitError).

It changes nothing: it reads a :class:`~kubesim.scheduler.snapshot.Snapshot` and returns a
:class:`CycleResult`; the caller assumes the Pod on the chosen node and binds it — or, if
PostFilter (preemption) chose victims, deletes them.
"""
from __future__ import annotations

import random
from typing import Optional

from .framework import (ERROR, MAX_NODE_SCORE, MIN_NODE_SCORE, SKIP, SUCCESS, UNRESOLVABLE,
                        UNSCHEDULABLE,
                        CycleState, Status, as_status)
from .nodeinfo import PodInfo
from .plugins.node_affinity import PreFilterResult
from .profile import Profile, default_profile  # noqa: F401  (re-exported: kubesim.scheduler.cycle.Profile)

MIN_FEASIBLE_NODES_TO_FIND = 100            # schedule_one.go: minFeasibleNodesToFind
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5   # schedule_one.go: minFeasibleNodesPercentageToFind
NO_NODES = "no nodes available to schedule pods"   # ErrNoNodesAvailable
DEFAULT_UNRESOLVABLE = Status(UNRESOLVABLE)


def num_feasible_nodes_to_find(num_all_nodes: int, percentage_of_nodes_to_score: Optional[int] = 0) -> int:
    """How many feasible nodes kube-scheduler looks for before it stops filtering.

    Adaptive when ``percentage_of_nodes_to_score`` is 0 (the default): 50 % minus 1 % per
    125 nodes, at least 5 %, and never fewer than 100 nodes — 5,000 nodes → 500.
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score or 0
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        percentage = max(percentage, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    num = num_all_nodes * percentage // 100
    return max(num, MIN_FEASIBLE_NODES_TO_FIND)


def fit_error_message(num_nodes: int, statuses: dict, absent: Optional[Status] = None,
                      pre_filter_msg: str = "", post_filter_msg: str = "") -> str:
    """FitError.Error(): ``0/6 nodes are available: 3 Insufficient cpu, … . preemption: …``.

    Reasons are counted over nodes (a node with two reasons counts twice), nodes not
    evaluated get the ``absent`` status, and the "<count> <reason>" strings are sorted.
    """
    msg = f"0/{num_nodes} nodes are available:"
    if pre_filter_msg:
        msg += f" {pre_filter_msg}."
    else:
        histogram: dict = {}
        for status in statuses.values():
            for reason in status.reasons:
                histogram[reason] = histogram.get(reason, 0) + 1
        if absent is not None and len(statuses) < num_nodes:
            for reason in absent.reasons:
                histogram[reason] = histogram.get(reason, 0) + num_nodes - len(statuses)
        parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
        if parts:
            msg += " " + ", ".join(parts) + "."
    if post_filter_msg:
        msg += " " + post_filter_msg
    return msg


class CycleResult:
    """What one cycle found out (the basis of :class:`~kubesim.scheduler.Explanation`).

    * ``feasible`` — nodes that passed every filter (in the order they were examined);
    * ``statuses`` — ``{node: Status}`` for each node a filter rejected;
    * ``raw_scores`` / ``normalized`` — ``{plugin: {node: score}}`` before/after NormalizeScore;
    * ``total`` — ``{node: Σ weight × normalized score}``; ``selected`` — the chosen node;
    * ``post_filter`` — preemption's decision when nothing fitted (nominated node, victims);
    * ``message`` — the FailedScheduling text when nothing fitted.
    """

    def __init__(self, pod_info: PodInfo, num_nodes: int):
        self.pod_info = pod_info
        self.num_nodes = num_nodes
        self.feasible: list = []
        self.statuses: dict = {}
        self.absent_status: Optional[Status] = None
        self.pre_filter_status: Optional[Status] = None
        self.skipped_filter: list = []
        self.skipped_score: list = []
        self._raw: dict = {}
        self._normalized: dict = {}
        self._lazy = None                 # memoized node-local scores, tabled on demand
        self.weights: dict = {}
        self.total: dict = {}
        self.selected: Optional[str] = None
        self.evaluated = 0
        self.post_filter = None
        self.post_filter_status: Optional[Status] = None
        self.error: Optional[str] = None
        self.unschedulable_plugins: set = set()

    def _tables(self) -> None:
        if self._lazy is not None:
            entries, cached = self._lazy
            self._lazy = None
            for j, plugin in enumerate(cached):
                if plugin.name not in self._raw:
                    table = {n: e[1][j] for n, e in zip(self.feasible, entries)}
                    self._raw[plugin.name] = self._normalized[plugin.name] = table

    @property
    def raw_scores(self) -> dict:
        """``{plugin: {node: score}}`` as Score returned them (before NormalizeScore)."""
        self._tables()
        return {p: self._raw[p] for p in self.weights if p in self._raw}

    @property
    def normalized(self) -> dict:
        """``{plugin: {node: score 0-100}}`` after NormalizeScore (before the weights)."""
        self._tables()
        return {p: self._normalized[p] for p in self.weights if p in self._normalized}

    @property
    def scores(self) -> dict:
        """``{node: {plugin: normalized score}}`` (the heatmap)."""
        out = {n: {} for n in self.feasible}
        for plugin, by_node in self.normalized.items():
            for node, s in by_node.items():
                out[node][plugin] = s
        return out

    @property
    def best(self) -> set:
        if not self.total:
            return set()
        top = max(self.total.values())
        return {n for n, s in self.total.items() if s == top}

    @property
    def filtered(self) -> dict:
        """``{node: Status}`` for every node that does not fit (evaluated or not)."""
        return dict(self.statuses)

    @property
    def message(self) -> str:
        """The FailedScheduling event text (empty when a node was selected)."""
        if self.selected is not None:
            return ""
        if self.error:
            return self.error
        post = self.post_filter_status.message if self.post_filter_status is not None else ""
        pre = self.pre_filter_status.message if self.pre_filter_status is not None else ""
        return fit_error_message(self.num_nodes, self.statuses, self.absent_status, pre, post)


def run_filters(plugins: list, state: CycleState, pod: dict, node_info) -> Optional[Status]:
    """Run ``plugins``' filters in order; the first rejection is the verdict."""
    skip = state.skip_filter
    for plugin in plugins:
        if skip and plugin.name in skip:
            continue
        status = plugin.filter(state, pod, node_info)
        if status is not None:
            if status.__class__ is not Status:
                status = as_status(status, plugin.name)
                if status is None:
                    continue
            status.plugin = plugin.name
            return status
    return None


class Cycle:
    """The framework calls of one cycle (what a plugin gets as its ``handle``)."""

    def __init__(self, profile: Profile, snapshot, rng: random.Random, nominator: Optional[dict] = None):
        self.profile = profile
        self.snapshot = snapshot
        self.rng = rng
        self.nominator = nominator or {}
        self.result: Optional[CycleResult] = None
        self.memo_key = None      # set once PreFilter has run (see NodeInfo.memo)
        self.entries = None       # the feasible nodes' memo entries (fast path)

    def status_of(self, node: str) -> Status:
        """The node's Filter status (a default "unresolvable" for nodes never evaluated)."""
        status = self.result.statuses.get(node)
        if status is not None:
            return status
        if node in self.result.feasible:
            return Status(SUCCESS)
        return self.result.absent_status or DEFAULT_UNRESOLVABLE

    def fit_error_message(self, statuses: dict, absent: Optional[Status]) -> str:
        return fit_error_message(self.snapshot.num_nodes, statuses, absent)

    def filter(self, state: CycleState, pod: dict, node_info) -> Optional[Status]:
        """RunFilterPlugins: the first plugin that rejects the node decides.

        The node-local filters' verdict is remembered in ``node_info.memo`` for this Pod
        signature; it is forgotten as soon as the node changes."""
        key = self.memo_key
        if key is None:
            return run_filters(self.profile.filter_plugins, state, pod, node_info)
        memo = node_info.memo
        entry = memo.get(key) if memo is not None else None
        if entry is None:
            entry = self.new_entry(state, pod, node_info)
        if entry[0] is not None:
            return entry[0]
        return run_filters(self.profile.live_filters, state, pod, node_info)

    def new_entry(self, state: CycleState, pod: dict, node_info) -> list:
        """Run the node-local filters and remember ``[verdict, scores, weighted sum]``."""
        entry = [run_filters(self.profile.memo_filters, state, pod, node_info), None, 0]
        memo = node_info.memo
        if memo is None:
            node_info.memo = {self.memo_key: entry}
        else:
            if len(memo) > 32:
                memo.clear()
            memo[self.memo_key] = entry
        return entry

    def memo_entry(self, state: CycleState, pod: dict, node_info) -> list:
        """The node's memo entry for this Pod signature (creating it if needed)."""
        memo = node_info.memo
        entry = memo.get(self.memo_key) if memo is not None else None
        if entry is None:
            entry = self.new_entry(state, pod, node_info)
        return entry

    def add_pod(self, state, pod, pod_info, node_info) -> None:
        """RunPreFilterExtensionAddPod."""
        for plugin in self.profile.extension_plugins:
            if plugin.name not in state.skip_filter:
                plugin.add_pod(state, pod, pod_info, node_info)

    def remove_pod(self, state, pod, pod_info, node_info) -> None:
        """RunPreFilterExtensionRemovePod."""
        for plugin in self.profile.extension_plugins:
            if plugin.name not in state.skip_filter:
                plugin.remove_pod(state, pod, pod_info, node_info)

    def filter_with_nominated_pods(self, state: CycleState, pod: dict, node_info) -> Optional[Status]:
        """RunFilterPluginsWithNominatedPods: first as if the Pods nominated to this node
        with at least our priority were already there, then (if that passed) without them."""
        nominated = self.nominator.get(node_info.name) if self.nominator else None
        if nominated:
            me = state.pod_info
            others = [p for p in nominated if p.priority >= me.priority and p.uid != me.uid]
            if others:
                info, st = node_info.clone(), state.clone()
                for p in others:
                    info.add_pod(p)
                    self.add_pod(st, pod, p, info)
                status = self.filter(st, pod, info)
                if status is not None:
                    return status
        return self.filter(state, pod, node_info)


def schedule_one(pod: dict, snapshot, profile: Optional[Profile] = None,
                 rng: Optional[random.Random] = None, start: int = 0,
                 nominator: Optional[dict] = None, evaluate_all: bool = False,
                 pod_info: Optional[PodInfo] = None) -> CycleResult:
    """Run one scheduling cycle for ``pod`` over ``snapshot`` (see the module docstring).

    ``start`` is where filtering begins in the node list (the scheduler moves it on every
    cycle so all nodes get their turn); ``nominator`` maps node names to the Pods
    nominated there by earlier preemptions; ``evaluate_all`` (used by ``explain``) filters
    and scores every node instead of stopping after ``num_feasible_nodes_to_find``.
    """
    profile = profile or default_profile()
    rng = rng or random.Random(0)
    pod_info = pod_info or PodInfo(pod)
    all_nodes = snapshot.node_infos
    result = CycleResult(pod_info, len(all_nodes))
    cycle = Cycle(profile, snapshot, rng, nominator)
    cycle.result = result
    state = CycleState(pod_info, snapshot)
    if not all_nodes:
        result.error = NO_NODES
        return result

    # ---- PreFilter
    allowed = None
    for plugin in profile.pre_filter_plugins:
        status = plugin.pre_filter(state, pod, all_nodes)
        if status is None:
            continue
        if isinstance(status, PreFilterResult):
            allowed = status.node_names if allowed is None else allowed & status.node_names
            result.unschedulable_plugins.add(plugin.name)
            continue
        if status.code == SKIP:
            state.skip_filter.add(plugin.name)
            result.skipped_filter.append(plugin.name)
            continue
        status.plugin = plugin.name
        result.pre_filter_status = status
        result.absent_status = status
        result.unschedulable_plugins.add(plugin.name)
        return _post_filter(cycle, state, pod, result)
    if profile.memo_plugins:
        cycle.memo_key = (profile.token, pod_info.signature) + tuple(
            k for p in profile.memo_plugins for k in p.cluster_key(state))
    nodes = all_nodes
    if allowed is not None:
        nodes = [n for n in all_nodes if n.name in allowed]
        names = sorted(result.unschedulable_plugins)
        result.absent_status = Status(UNRESOLVABLE, f"node(s) didn't satisfy plugin(s) [{' '.join(names)}]",
                                      plugin=names[0] if names else "")

    # ---- Filter (the nominated node first, then from `start` until enough nodes fit)
    feasible = []
    statuses = result.statuses
    nominated = (pod.get("status") or {}).get("nominatedNodeName")
    if nominated and not evaluate_all and snapshot.get(nominated) is not None:
        info = snapshot.get(nominated)
        status = cycle.filter_with_nominated_pods(state, pod, info)
        if status is None:
            feasible.append(info)
        else:
            statuses[info.name] = status
    if not feasible:
        statuses.clear()
        n = len(nodes)
        want = n if evaluate_all else num_feasible_nodes_to_find(n, profile.percentage_of_nodes_to_score)
        if not profile.score_plugins and not evaluate_all:
            want = 1
        start = start % n if n else 0
        key = cycle.memo_key
        if key is not None and not cycle.nominator:
            # The common case, written out: the node-local verdict from the node's memo,
            # then the filters that depend on other nodes (affinity, spreading), if any.
            live = [p for p in profile.live_filters if p.name not in state.skip_filter]
            entries = cycle.entries = []
            for i in range(n):
                info = nodes[(start + i) % n]
                memo = info.memo
                entry = memo.get(key) if memo is not None else None
                if entry is None:
                    entry = cycle.new_entry(state, pod, info)
                status = entry[0]
                if status is None and live:
                    status = run_filters(live, state, pod, info)
                if status is None:
                    feasible.append(info)
                    entries.append(entry)
                    if len(feasible) >= want:
                        break
                else:
                    statuses[info.name] = status
        else:
            filter_fn = cycle.filter_with_nominated_pods if cycle.nominator else cycle.filter
            for i in range(n):
                info = nodes[(start + i) % n]
                status = filter_fn(state, pod, info)
                if status is None:
                    feasible.append(info)
                    if len(feasible) >= want:
                        break
                else:
                    statuses[info.name] = status
        result.evaluated = len(feasible) + len(statuses)
    else:
        result.evaluated = 1
    result.feasible = [i.name for i in feasible]
    for status in statuses.values():
        result.unschedulable_plugins.add(status.plugin)

    if not feasible:
        return _post_filter(cycle, state, pod, result)
    if len(feasible) == 1 and not evaluate_all:
        result.selected = feasible[0].name        # schedule_one.go: nothing to compare
        result.total = {result.selected: 0}
        return result

    # ---- PreScore, Score, NormalizeScore, weights
    for plugin in profile.pre_score_plugins:
        status = plugin.pre_score(state, pod, feasible)
        if status is not None and status.code == SKIP:
            state.skip_score.add(plugin.name)
            result.skipped_score.append(plugin.name)
        elif status is not None and status.code != SUCCESS:
            raise RuntimeError(f"running PreScore plugin {plugin.name!r}: {status.message}")
    skip = state.skip_score
    names = result.feasible
    scorers = [(p, w) for p, w in profile.score_plugins if p.name not in skip]
    result.weights = {p.name: w for p, w in scorers}
    totals = [0] * len(feasible)
    cached = [(p, w) for p, w in scorers if p.node_local] if cycle.memo_key is not None else []
    if cached:
        # Node-local scores come from each node's memo (computed once per node change);
        # the weighted sum of those that need no normalizing is remembered too.
        plain = [j for j, (p, _) in enumerate(cached) if p.name not in profile.normalizers]
        entries = cycle.entries
        if entries is None or len(entries) != len(feasible):
            entries = [cycle.memo_entry(state, pod, info) for info in feasible]
        for i, entry in enumerate(entries):
            if entry[1] is None:
                entry[1] = tuple(_checked(p, p.score(state, pod, feasible[i])) for p, _ in cached)
                entry[2] = sum(entry[1][j] * cached[j][1] for j in plain)
            totals[i] = entry[2]
        result._lazy = (entries, [p for p, _ in cached])
    done = {p.name for j, (p, _) in enumerate(cached) if p.name not in profile.normalizers}
    for j, (plugin, weight) in enumerate(scorers):
        if plugin.name in done:
            continue
        if plugin.node_local and cached:
            k = [p for p, _ in cached].index(plugin)
            raw = {n: e[1][k] for n, e in zip(names, entries)}
        else:
            score = plugin.score
            raw = {info.name: score(state, pod, info) for info in feasible}
        if plugin.name in profile.normalizers:
            result._raw[plugin.name] = dict(raw)
            plugin.normalize_score(state, pod, raw)
        else:
            result._raw[plugin.name] = raw
        _check_all(plugin, raw)
        result._normalized[plugin.name] = raw
        for i, name in enumerate(names):
            totals[i] += raw[name] * weight
    if not scorers:
        totals = [1] * len(feasible)        # prioritizeNodes: no score plugins, all score 1
    result.total = {info.name: t for info, t in zip(feasible, totals)}

    # ---- selectHost: the highest total; ties broken uniformly at random (seeded)
    best = max(totals)
    ties = [i for i, t in enumerate(totals) if t == best]
    result.selected = feasible[ties[rng.randrange(len(ties))] if len(ties) > 1 else ties[0]].name
    return result


def _checked(plugin, s) -> int:
    """A (normalized) score must be an int in 0..100 (framework.go RunScorePlugins)."""
    if s.__class__ is not int or not MIN_NODE_SCORE <= s <= MAX_NODE_SCORE:
        raise ValueError(f'plugin "{plugin.name}" returns an invalid score {s}, it should '
                         f'in the range of [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing')
    return s


def _check_all(plugin, scores: dict) -> None:
    if scores and (min(scores.values()) < MIN_NODE_SCORE or max(scores.values()) > MAX_NODE_SCORE
                   or (not plugin.node_local and any(s.__class__ is not int for s in scores.values()))):
        for s in scores.values():
            _checked(plugin, s)


def _post_filter(cycle: Cycle, state: CycleState, pod: dict, result: CycleResult) -> CycleResult:
    """No node fits: run PostFilter plugins (DefaultPreemption) until one succeeds."""
    messages = []
    for plugin in cycle.profile.post_filter_plugins:
        outcome, status = plugin.post_filter(state, pod, result.statuses, cycle)
        if status.code == SUCCESS:
            result.post_filter = outcome
            result.post_filter_status = status
            return result
        if outcome is not None and result.post_filter is None:
            result.post_filter = outcome
        if status.message:
            messages.append(status.message)
        if status.code == ERROR:
            break
    if messages:
        result.post_filter_status = Status(UNSCHEDULABLE, *messages)
    return result
