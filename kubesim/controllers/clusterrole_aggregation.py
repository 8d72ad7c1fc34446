"""The ClusterRole aggregation controller (pkg/controller/clusterroleaggregation).

A ClusterRole with an ``aggregationRule`` (``admin``, ``edit``, ``view`` …) holds no rules of
its own: this controller fills its ``rules`` with those of every ClusterRole its selectors
match (:func:`kubesim.rbac.aggregated_rules`), and keeps them up to date when such roles
are added, changed or removed. Label a ClusterRole
``rbac.authorization.k8s.io/aggregate-to-view: "true"`` and everyone bound to ``view``
gains its rules.

Writing the aggregated rules grants permissions the controller does not hold itself, so
its role has the ``escalate`` verb on clusterroles (escalation prevention, authz.py).
"""
from __future__ import annotations

from ..rbac import aggregated_rules
from ..util import deep_copy
from .base import Controller


class ClusterRoleAggregationController(Controller):
    name = "clusterrole-aggregation-controller"

    def __init__(self, manager):
        super().__init__(manager)
        self.informer("clusterroles").add_handlers(
            on_add=self._changed, on_update=lambda old, new: self._changed(new),
            on_delete=self._changed)

    def _changed(self, _obj: dict) -> None:
        """Any ClusterRole changed: every aggregated role may need new rules."""
        for key, role in sorted(self.informer("clusterroles").store.items()):
            if role.get("aggregationRule"):
                self.queue.add(key)

    def reconcile(self, key: str):
        role = self.informer("clusterroles").get(key)
        if role is None:
            return
        rules = aggregated_rules(role, self.informer("clusterroles").list())
        if rules is None or rules == (role.get("rules") or []):
            return
        updated = deep_copy(role)
        updated["rules"] = rules
        yield self.client.update("clusterroles", updated)
