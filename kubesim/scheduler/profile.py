"""Scheduling profiles: which plugins run, at which extension points, with which weights.

A :class:`Profile` is what one ``profiles:`` entry of a KubeSchedulerConfiguration
describes (pkg/scheduler/apis/config/v1/default_plugins.go and types.go).  The default
profile runs kube-scheduler's default plugins, in its order, with its Score weights::

    NodeUnschedulable, NodeName, TaintToleration (3), NodeAffinity (2), NodePorts,
    NodeResourcesFit (1), PodTopologySpread (2), InterPodAffinity (2), DefaultPreemption,
    NodeResourcesBalancedAllocation (1), ImageLocality (1)

(the volume plugins and DRA of the real list have nothing to do in kubesim).  Filters run
in this order and the first rejection wins, so a tainted node full of Pods reports the
taint, not the missing CPU.

Build one in code — ``default_profile().with_plugin(MyPlugin(), weight=2)`` — or from a
KubeSchedulerConfiguration (YAML text or dict) with :func:`load_config`, which supports:
``percentageOfNodesToScore`` (global and per profile), ``profiles[].schedulerName``,
``plugins.<multiPoint|preFilter|filter|postFilter|preScore|score>.enabled/disabled``
(``name``, ``weight``; ``"*"`` disables all defaults) and ``pluginConfig[].args`` for
NodeResourcesFit (``scoringStrategy`` …), NodeResourcesBalancedAllocation, NodeAffinity
(``addedAffinity``), InterPodAffinity, PodTopologySpread (``defaultConstraints``,
``defaultingType``) and DefaultPreemption.  Learner plugins are passed in ``registry``.
"""
from __future__ import annotations

import copy
import itertools
from typing import Iterable, Optional, Union

from .framework import LearnerPlugin, Plugin, implements
from .plugins import REGISTRY

#: (name, weight) of kube-scheduler's default multiPoint plugins (weight 0: no Score).
DEFAULT_PLUGINS = (
    ("NodeUnschedulable", 0), ("NodeName", 0), ("TaintToleration", 3), ("NodeAffinity", 2),
    ("NodePorts", 0), ("NodeResourcesFit", 1), ("PodTopologySpread", 2),
    ("InterPodAffinity", 2), ("DefaultPreemption", 0), ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
)
DEFAULT_WEIGHTS = dict(DEFAULT_PLUGINS)
POINTS = ("preFilter", "filter", "postFilter", "preScore", "score")
#: Which plugin methods make up each extension point (disabling a point disables both).
_tokens = itertools.count(1)
POINT_METHODS = {"preFilter": ("pre_filter",), "filter": ("pre_filter", "filter"),
                 "postFilter": ("post_filter",), "preScore": ("pre_score",),
                 "score": ("pre_score", "score", "normalize_score")}


def _wrap(plugin) -> Plugin:
    """Built-in plugins run as they are; anything else through :class:`LearnerPlugin`."""
    if type(plugin).__module__.startswith("kubesim.scheduler.plugins"):
        return plugin
    return LearnerPlugin(plugin)


def _has(plugin, method: str) -> bool:
    if isinstance(plugin, LearnerPlugin):
        return plugin.has(method)
    return implements(plugin, method)


class Profile:
    """Plugins in order, Score weights, and per-extension-point disabling.

    ``plugins`` is a list of plugins or ``(plugin, weight)`` pairs.  A plugin runs at every
    extension point it implements (like ``multiPoint``) unless ``disabled[point]`` names it.
    """

    def __init__(self, plugins: Iterable = (), percentage_of_nodes_to_score: Optional[int] = None,
                 scheduler_name: str = "default-scheduler", disabled: Optional[dict] = None):
        self.plugins: list = []
        self.weights: dict = {}
        for entry in plugins:
            plugin, weight = entry if isinstance(entry, tuple) else (entry, None)
            plugin = _wrap(plugin)
            if weight is None:
                weight = DEFAULT_WEIGHTS.get(plugin.name) or 1
            self.plugins.append(plugin)
            self.weights[plugin.name] = weight
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.scheduler_name = scheduler_name
        self.disabled = {p: set(names) for p, names in (disabled or {}).items()}
        self._build()

    def _build(self) -> None:
        def at(method: str, point: str) -> list:
            return [p for p in self.plugins if _has(p, method)
                    and not any(p.name in self.disabled.get(pt, ()) for pt in POINTS
                                if method in POINT_METHODS[pt])]
        self.pre_filter_plugins = at("pre_filter", "preFilter")
        self.filter_plugins = at("filter", "filter")
        self.post_filter_plugins = at("post_filter", "postFilter")
        self.pre_score_plugins = at("pre_score", "preScore")
        self.score_plugins = [(p, self.weights.get(p.name) or 1) for p in at("score", "score")]
        self.extension_plugins = [p for p in self.plugins
                                  if _has(p, "add_pod") or _has(p, "remove_pod")]
        self.normalizers = {p.name for p, _ in self.score_plugins if _has(p, "normalize_score")}
        # Node-local plugins' answers are remembered per node (NodeInfo.memo): the filters
        # up to the first one that is not node-local, and the node-local scorers.
        prefix = 0
        while prefix < len(self.filter_plugins) and self.filter_plugins[prefix].node_local:
            prefix += 1
        self.memo_filters = self.filter_plugins[:prefix]
        self.live_filters = self.filter_plugins[prefix:]
        self.memo_scorers = [(p, w) for p, w in self.score_plugins if p.node_local]
        self.memo_plugins = [p for p in self.plugins if p.node_local]
        self.token = next(_tokens)          # a new profile never reuses old memos

    # ------------------------------------------------------------------ reading
    def plugin(self, name: str):
        """The plugin called ``name`` (or None)."""
        return next((p for p in self.plugins if p.name == name), None)

    @property
    def filters(self) -> list:
        return list(self.filter_plugins)

    @property
    def scorers(self) -> list:
        return list(self.score_plugins)

    def __repr__(self) -> str:
        scores = ", ".join(f"{p.name}×{w}" for p, w in self.score_plugins)
        filters = ", ".join(p.name for p in self.filter_plugins)
        return f"<Profile {self.scheduler_name}: filter [{filters}]; score [{scores}]>"

    # ------------------------------------------------------------------ changing (copies)
    def _copy(self) -> "Profile":
        other = copy.copy(self)
        other.plugins = list(self.plugins)
        other.weights = dict(self.weights)
        other.disabled = {p: set(n) for p, n in self.disabled.items()}
        return other

    def with_plugin(self, plugin, weight: Optional[int] = None, before: Optional[str] = None) -> "Profile":
        """A copy with ``plugin`` added (replacing one of the same name), e.g. a learner's."""
        other = self._copy()
        plugin = _wrap(plugin)
        other.plugins = [p for p in other.plugins if p.name != plugin.name]
        index = next((i for i, p in enumerate(other.plugins) if p.name == before), len(other.plugins))
        other.plugins.insert(index, plugin)
        other.weights[plugin.name] = weight if weight is not None else (DEFAULT_WEIGHTS.get(plugin.name) or 1)
        other._build()
        return other

    def without(self, *names: str, point: Optional[str] = None) -> "Profile":
        """A copy without these plugins (or with them disabled at one ``point`` only)."""
        other = self._copy()
        if point is None:
            other.plugins = [p for p in other.plugins if p.name not in names]
        else:
            other.disabled.setdefault(point, set()).update(names)
        other._build()
        return other

    def with_weight(self, name: str, weight: int) -> "Profile":
        """A copy where plugin ``name`` scores with ``weight``."""
        other = self._copy()
        other.weights[name] = weight
        other._build()
        return other


def default_profile(scoring_strategy: str = "LeastAllocated", **kwargs) -> Profile:
    """kube-scheduler's default profile (``scoring_strategy`` of NodeResourcesFit:
    ``LeastAllocated``, ``MostAllocated`` or ``RequestedToCapacityRatio``)."""
    plugins = []
    for name, weight in DEFAULT_PLUGINS:
        cls = REGISTRY[name]
        plugin = cls(strategy=scoring_strategy) if name == "NodeResourcesFit" else cls()
        plugins.append((plugin, weight or 1))
    return Profile(plugins, **kwargs)


def _instantiate(name: str, registry: dict, args: dict):
    factory = registry.get(name)
    if factory is None:
        raise ValueError(f'plugin "{name}" does not exist')
    if isinstance(factory, type):
        if hasattr(factory, "from_args"):
            return factory.from_args(args)
        return factory(**args) if args else factory()
    if callable(factory) and not hasattr(factory, "name"):
        return factory(args)
    return factory          # an instance (a learner's plugin object)


def load_config(config: Union[str, dict], registry: Optional[dict] = None) -> list[Profile]:
    """Profiles from a KubeSchedulerConfiguration (YAML text or dict); see the module
    docstring for the supported subset.  ``registry`` adds plugins by name (classes,
    instances or ``factory(args)`` callables)."""
    if isinstance(config, str):
        import yaml
        config = yaml.safe_load(config) or {}
    reg = dict(REGISTRY)
    reg.update(registry or {})
    global_pct = config.get("percentageOfNodesToScore")
    profiles = []
    for spec in config.get("profiles") or [{}]:
        args = {c["name"]: c.get("args") or {} for c in spec.get("pluginConfig") or []}
        sets = spec.get("plugins") or {}
        multi = sets.get("multiPoint") or {}
        multi_disabled = {p["name"] for p in multi.get("disabled") or []}
        entries: dict = {}           # name -> weight, in order
        if "*" not in multi_disabled:
            for name, weight in DEFAULT_PLUGINS:
                if name not in multi_disabled:
                    entries[name] = weight or 1
        for p in multi.get("enabled") or []:
            entries.pop(p["name"], None)
            entries[p["name"]] = p.get("weight") or DEFAULT_WEIGHTS.get(p["name"]) or 1
        disabled: dict = {}
        for point in POINTS:
            block = sets.get(point) or {}
            names = {p["name"] for p in block.get("disabled") or []}
            if "*" in names:
                names = set(entries) - {p["name"] for p in block.get("enabled") or []}
            if names:
                disabled[point] = names
            for p in block.get("enabled") or []:
                if p["name"] not in entries:
                    entries[p["name"]] = p.get("weight") or 1
                    for other in POINTS:            # enabled only at this point
                        if other != point and not (point == "score" and other == "preScore") \
                                and not (point == "filter" and other == "preFilter"):
                            disabled.setdefault(other, set()).add(p["name"])
                elif p.get("weight"):
                    entries[p["name"]] = p["weight"]
                disabled.get(point, set()).discard(p["name"])
        plugins = [(_instantiate(name, reg, args.get(name, {})), weight)
                   for name, weight in entries.items()]
        pct = spec.get("percentageOfNodesToScore", global_pct)
        profiles.append(Profile(plugins, pct, spec.get("schedulerName", "default-scheduler"),
                                disabled))
    return profiles


def as_profiles(value) -> list[Profile]:
    """Accept what a learner may pass as ``scheduler_profile``: a Profile, a list of them,
    or a KubeSchedulerConfiguration (YAML text or dict); None means the default."""
    if value is None:
        return [default_profile()]
    if isinstance(value, Profile):
        return [value]
    if isinstance(value, (str, dict)):
        return load_config(value)
    return [as_profiles(v)[0] if not isinstance(v, Profile) else v for v in value]
