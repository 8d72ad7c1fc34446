"""The kinds kubesim serves: group/version, REST resource name, scope, short names.

This is kubesim's RESTMapper (k8s.io/apimachinery/pkg/api/meta): it turns what a learner
types (``po``, ``deploy``, ``deployments.apps``) or what a manifest says
(``apiVersion: apps/v1``, ``kind: Deployment``) into one :class:`ResourceType`.
Short names follow ``kubectl api-resources``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ResourceType:
    kind: str
    group: str          # "" for the core group
    version: str
    plural: str         # REST resource name, e.g. "deployments"
    namespaced: bool
    short_names: tuple = ()

    @property
    def api_version(self) -> str:
        """``apiVersion`` as written in manifests (``v1``, ``apps/v1``)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified_plural(self) -> str:
        """``deployments.apps`` for grouped resources, ``pods`` for core (as in errors)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps`` / ``Pod``: how StatusError messages name a kind."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType("Namespace", "", "v1", "namespaces", False, ("ns",)),
    ResourceType("Node", "", "v1", "nodes", False, ("no",)),
    ResourceType("Pod", "", "v1", "pods", True, ("po",)),
    ResourceType("Service", "", "v1", "services", True, ("svc",)),
    ResourceType("Endpoints", "", "v1", "endpoints", True, ("ep",)),
    ResourceType("ConfigMap", "", "v1", "configmaps", True, ("cm",)),
    ResourceType("Secret", "", "v1", "secrets", True, ()),
    ResourceType("ServiceAccount", "", "v1", "serviceaccounts", True, ("sa",)),
    ResourceType("Event", "", "v1", "events", True, ("ev",)),
    ResourceType("ResourceQuota", "", "v1", "resourcequotas", True, ("quota",)),
    ResourceType("LimitRange", "", "v1", "limitranges", True, ("limits",)),
    ResourceType("Deployment", "apps", "v1", "deployments", True, ("deploy",)),
    ResourceType("ReplicaSet", "apps", "v1", "replicasets", True, ("rs",)),
    ResourceType("Lease", "coordination.k8s.io", "v1", "leases", True, ()),
    ResourceType("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", True, ()),
    ResourceType("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True, ("netpol",)),
    ResourceType("PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", False, ("pc",)),
    ResourceType("Role", "rbac.authorization.k8s.io", "v1", "roles", True, ()),
    ResourceType("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", False, ()),
    ResourceType("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", True, ()),
    ResourceType("ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", False, ()),
)

_BY_KIND = {rt.kind: rt for rt in RESOURCE_TYPES}


def for_kind(kind: str) -> Optional[ResourceType]:
    """The resource type of a manifest ``kind`` (exact, case-sensitive as in manifests)."""
    return _BY_KIND.get(kind)


def for_manifest(api_version: str, kind: str) -> Optional[ResourceType]:
    """The resource type for ``apiVersion``/``kind``; None when the pair is not served."""
    rt = _BY_KIND.get(kind)
    if rt is None or rt.api_version != api_version:
        return None
    return rt


def lookup(name: str) -> Optional[ResourceType]:
    """Resolve what a learner types after ``kubectl get``: plural, singular, short name,
    kind, or ``plural.group`` (``deployments.apps``); case-insensitive like kubectl."""
    key = name.lower()
    for rt in RESOURCE_TYPES:
        names = {rt.plural, rt.singular, rt.kind.lower(), *rt.short_names}
        if key in names or key == rt.qualified_plural or key == f"{rt.singular}.{rt.group}":
            return rt
    return None
