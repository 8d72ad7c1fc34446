"""The RBAC objects a new cluster starts with (kube-apiserver's ``rbac/bootstrap-roles`` hook).

Kubernetes creates these ClusterRoles and ClusterRoleBindings when the API server first
starts, so that the control plane's own components may do their jobs and users have the
four user-facing roles:

* ``cluster-admin`` — everything, bound to the group ``system:masters``;
* ``admin`` / ``edit`` / ``view`` — *aggregated* roles: their rules are collected from every
  ClusterRole labelled ``rbac.authorization.k8s.io/aggregate-to-<role>: "true"`` (by the
  clusterrole-aggregation controller, :mod:`kubesim.controllers.clusterrole_aggregation`);
* ``system:basic-user`` / ``system:discovery`` / ``system:public-info-viewer`` — what every
  authenticated user may do (ask "can I?", read discovery and health endpoints);
* one role per component: ``system:kube-scheduler``, ``system:kube-controller-manager``,
  ``system:node``, ``system:node-proxier`` (kube-proxy), ``system:controller:<name>`` for
  each controller.

Source: plugin/pkg/auth/authorizer/rbac/bootstrappolicy (policy.go, controller_policy.go and
their testdata/*.yaml), kubeadm's CoreDNS role. Rules are copied for the resources kubesim
serves and the ones learners see in ``kubectl get clusterrole -o yaml``; rules that only
concern features kubesim does not model (CSI, certificates, DRA …) are left out.

kubesim simplifications, stated where they matter:

* kube-controller-manager runs without ``--use-service-account-credentials``: every
  controller uses the manager's own identity, so each ``system:controller:<name>`` binding
  also names the user ``system:kube-controller-manager`` (Kubernetes binds it to the
  controller's ServiceAccount only; the docs say the manager's identity "must be granted
  all the relevant roles" in this mode).
* Kubelets are authorized by :mod:`kubesim.apiserver.authz`'s Node authorizer with the
  rules of ``system:node`` — which is what the real Node authorizer does for everything
  outside its object graph. The ``system:node`` ClusterRoleBinding has no subjects, as in
  Kubernetes.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..api import clock
from ..rbac import aggregate

RBAC = "rbac.authorization.k8s.io"
RBAC_API = f"{RBAC}/v1"
READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def rule(verbs, groups=None, resources=None, names=None, urls=None) -> dict:
    """One PolicyRule dict, fields in the order ``kubectl get -o yaml`` prints them."""
    out: dict = {}
    if groups is not None:
        out["apiGroups"] = list(groups)
    if urls is not None:
        out["nonResourceURLs"] = list(urls)
    if names is not None:
        out["resourceNames"] = list(names)
    if resources is not None:
        out["resources"] = list(resources)
    out["verbs"] = list(verbs)
    return out


def events_rule() -> dict:
    return rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"])


def cluster_role(name: str, rules: Optional[list] = None, labels: Optional[dict] = None,
                 aggregate_to: Optional[str] = None) -> dict:
    obj = {"apiVersion": RBAC_API, "kind": "ClusterRole",
           "metadata": {"name": name, "labels": {**LABELS, **(labels or {})},
                        "annotations": dict(ANNOTATIONS)},
           "rules": rules or []}
    if aggregate_to:
        obj["aggregationRule"] = {"clusterRoleSelectors": [
            {"matchLabels": {f"{RBAC}/aggregate-to-{aggregate_to}": "true"}}]}
    return obj


def cluster_role_binding(name: str, role: str, subjects: Iterable[tuple[str, str]]) -> dict:
    """``subjects``: ``("User", name)``, ``("Group", name)`` or ``("ServiceAccount", "ns:name")``."""
    subs = []
    for kind, who in subjects:
        if kind == "ServiceAccount":
            ns, sa = who.split(":", 1)
            subs.append({"kind": kind, "name": sa, "namespace": ns})
        else:
            subs.append({"apiGroup": RBAC, "kind": kind, "name": who})
    obj = {"apiVersion": RBAC_API, "kind": "ClusterRoleBinding",
           "metadata": {"name": name, "labels": dict(LABELS), "annotations": dict(ANNOTATIONS)},
           "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role}}
    if subs:
        obj["subjects"] = subs
    return obj


# ============================================================================ user-facing
def _user_facing_roles() -> list[dict]:
    to = lambda role: {f"{RBAC}/aggregate-to-{role}": "true"}
    return [
        cluster_role("cluster-admin", [rule(["*"], ["*"], ["*"]), rule(["*"], urls=["*"])]),
        cluster_role("admin", aggregate_to="admin"),
        cluster_role("edit", labels=to("admin"), aggregate_to="edit"),
        cluster_role("view", labels=to("edit"), aggregate_to="view"),
        cluster_role("system:aggregate-to-admin", labels=to("admin"), rules=[
            rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
            rule(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                 [RBAC], ["rolebindings", "roles"]),
        ]),
        cluster_role("system:aggregate-to-edit", labels=to("edit"), rules=[
            rule(READ, [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets",
                              "services/proxy"]),
            rule(["impersonate"], [""], ["serviceaccounts"]),
            rule(WRITE, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
            rule(["create"], [""], ["pods/eviction"]),
            rule(WRITE, [""], ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                               "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
                               "services/proxy"]),
            rule(["create"], [""], ["serviceaccounts/token"]),
            rule(WRITE, ["apps"], ["daemonsets", "deployments", "deployments/rollback",
                                   "deployments/scale", "replicasets", "replicasets/scale",
                                   "statefulsets", "statefulsets/scale"]),
            rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
            rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
            rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
            rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
            rule(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                 ["coordination.k8s.io"], ["leases"]),
        ]),
        cluster_role("system:aggregate-to-view", labels=to("view"), rules=[
            rule(READ, [""], ["configmaps", "endpoints", "persistentvolumeclaims",
                              "persistentvolumeclaims/status", "pods", "replicationcontrollers",
                              "replicationcontrollers/scale", "serviceaccounts", "services",
                              "services/status"]),
            rule(READ, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log",
                              "pods/status", "replicationcontrollers/status", "resourcequotas",
                              "resourcequotas/status"]),
            rule(READ, [""], ["namespaces"]),
            rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
            rule(READ, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
                                  "deployments/scale", "deployments/status", "replicasets",
                                  "replicasets/scale", "replicasets/status", "statefulsets",
                                  "statefulsets/scale", "statefulsets/status"]),
            rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
            rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
            rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
            rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
        ]),
        cluster_role("system:basic-user", [
            rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews",
                                                        "selfsubjectrulesreviews"]),
            rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
        ]),
        cluster_role("system:discovery", [rule(["get"], urls=[
            "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
            "/readyz", "/version", "/version/"])]),
        cluster_role("system:public-info-viewer", [rule(["get"], urls=[
            "/healthz", "/livez", "/readyz", "/version", "/version/"])]),
        cluster_role("system:monitoring", [rule(["get"], urls=[
            "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz",
            "/readyz/*"])]),
        cluster_role("system:service-account-issuer-discovery", [rule(["get"], urls=[
            "/.well-known/openid-configuration", "/.well-known/openid-configuration/",
            "/openid/v1/jwks", "/openid/v1/jwks/"])]),
    ]


# ============================================================================ components
#: ``system:node`` — also what kubesim's Node authorizer allows a kubelet (authz.py).
NODE_RULES = [
    rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
    rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews", "subjectaccessreviews"]),
    rule(READ, [""], ["services"]),
    rule(["create", "get", "list", "watch"], [""], ["nodes"]),
    rule(["patch", "update"], [""], ["nodes/status"]),
    rule(["patch", "update"], [""], ["nodes"]),
    rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
    rule(READ, [""], ["pods"]),
    rule(["create", "delete"], [""], ["pods"]),
    rule(["patch", "update"], [""], ["pods/status"]),
    rule(["create"], [""], ["pods/eviction"]),
    rule(READ, [""], ["configmaps", "secrets"]),
    rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
    rule(["get"], [""], ["endpoints"]),
    rule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]),
    rule(["create"], [""], ["serviceaccounts/token"]),
]


def _component_roles() -> list[dict]:
    return [
        cluster_role("system:kube-scheduler", [
            events_rule(),
            rule(["create"], ["coordination.k8s.io"], ["leases"]),
            rule(["get", "update"], ["coordination.k8s.io"], ["leases"], names=["kube-scheduler"]),
            rule(READ, [""], ["nodes"]),
            rule(["delete", "get", "list", "watch"], [""], ["pods"]),
            rule(["create"], [""], ["bindings", "pods/binding"]),
            rule(["patch", "update"], [""], ["pods/status"]),
            rule(READ, [""], ["replicationcontrollers", "services"]),
            rule(READ, ["apps", "extensions"], ["replicasets"]),
            rule(READ, ["apps"], ["statefulsets"]),
            rule(READ, ["policy"], ["poddisruptionbudgets"]),
            rule(READ, [""], ["persistentvolumeclaims", "persistentvolumes"]),
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
            rule(READ, [""], ["namespaces"]),
        ]),
        cluster_role("system:volume-scheduler", [
            rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumes"]),
            rule(READ, ["storage.k8s.io"], ["storageclasses"]),
            rule(["get", "list", "patch", "update", "watch"], [""], ["persistentvolumeclaims"]),
        ]),
        cluster_role("system:kube-controller-manager", [
            events_rule(),
            rule(["create"], ["coordination.k8s.io"], ["leases"]),
            rule(["get", "update"], ["coordination.k8s.io"], ["leases"], names=["kube-controller-manager"]),
            rule(["create"], [""], ["secrets", "serviceaccounts"]),
            rule(["delete"], [""], ["secrets"]),
            rule(["get"], [""], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
            rule(["update"], [""], ["secrets", "serviceaccounts"]),
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
            rule(["list", "watch"], ["*"], ["*"]),
            rule(["create"], [""], ["serviceaccounts/token"]),
        ]),
        cluster_role("system:node", NODE_RULES),
        cluster_role("system:node-proxier", [
            rule(["list", "watch"], [""], ["endpoints", "services"]),
            rule(READ, [""], ["nodes"]),
            events_rule(),
            rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
        ]),
        cluster_role("system:kube-dns", [rule(["list", "watch"], [""], ["endpoints", "services"])]),
        # kubeadm's CoreDNS role (cmd/kubeadm/app/phases/addons/dns/manifests.go).
        cluster_role("system:coredns", [
            rule(["list", "watch"], [""], ["endpoints", "services", "pods", "namespaces"]),
            rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
        ]),
        # The CNI plugin's node agent (as kindnet / calico-node roles): it enforces
        # NetworkPolicies, so it reads them with the Pods and Namespaces they select.
        cluster_role("kubesim:cni-agent", [
            rule(READ, [""], ["pods", "namespaces", "nodes"]),
            rule(["list", "watch"], ["networking.k8s.io"], ["networkpolicies"]),
        ]),
    ]


#: The controllers kubesim runs and their roles (controller_policy.go).
CONTROLLER_ROLES = {
    "clusterrole-aggregation-controller": [
        rule(["escalate", "get", "list", "watch", "update", "patch"], [RBAC], ["clusterroles"])],
    "deployment-controller": [
        rule(["get", "list", "watch", "update"], ["extensions", "apps"], ["deployments"]),
        rule(["update"], ["extensions", "apps"], ["deployments/status"]),
        rule(["update"], ["extensions", "apps"], ["deployments/finalizers"]),
        rule(["get", "list", "watch", "create", "update", "patch", "delete"], ["apps", "extensions"],
             ["replicasets"]),
        rule(["get", "list", "watch", "update"], [""], ["pods"]),
        events_rule()],
    "endpointslice-controller": [
        rule(READ, [""], ["services", "pods", "nodes"]),
        rule(["update"], [""], ["services/finalizers"]),
        rule(["get", "list", "watch", "create", "update", "delete"], ["discovery.k8s.io"],
             ["endpointslices"]),
        events_rule()],
    "generic-garbage-collector": [
        rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]),
        events_rule()],
    "namespace-controller": [
        rule(["get", "list", "watch", "delete"], [""], ["namespaces"]),
        rule(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
        rule(["get", "list", "watch", "delete", "deletecollection"], ["*"], ["*"])],
    "node-controller": [
        rule(["get", "list", "watch", "update", "delete", "patch"], [""], ["nodes"]),
        rule(["patch", "update"], [""], ["nodes/status"]),
        rule(["patch", "update"], [""], ["pods/status"]),
        rule(["list", "watch", "get", "delete"], [""], ["pods"]),
        events_rule()],
    "replicaset-controller": [
        rule(["get", "list", "watch", "update"], ["apps", "extensions"], ["replicasets"]),
        rule(["update"], ["apps", "extensions"], ["replicasets/status"]),
        rule(["update"], ["apps", "extensions"], ["replicasets/finalizers"]),
        rule(["list", "watch", "patch", "create", "delete"], [""], ["pods"]),
        events_rule()],
    "resourcequota-controller": [
        rule(["list", "watch"], ["*"], ["*"]),
        rule(["update"], [""], ["resourcequotas/status"]),
        events_rule()],
}


def default_objects(cni_service_accounts: Iterable[str] = ()) -> list[dict]:
    """Every bootstrap ClusterRole and ClusterRoleBinding, aggregated roles filled in.

    ``cni_service_accounts`` are the ``system:serviceaccount:kube-system:<name>`` users of
    the cluster's CNI agents (bound to ``kubesim:cni-agent``).
    """
    roles = _user_facing_roles() + _component_roles()
    bindings = [
        cluster_role_binding("cluster-admin", "cluster-admin", [("Group", "system:masters")]),
        cluster_role_binding("system:basic-user", "system:basic-user",
                             [("Group", "system:authenticated")]),
        cluster_role_binding("system:discovery", "system:discovery",
                             [("Group", "system:authenticated")]),
        cluster_role_binding("system:public-info-viewer", "system:public-info-viewer",
                             [("Group", "system:authenticated"), ("Group", "system:unauthenticated")]),
        cluster_role_binding("system:monitoring", "system:monitoring",
                             [("Group", "system:monitoring")]),
        cluster_role_binding("system:service-account-issuer-discovery",
                             "system:service-account-issuer-discovery",
                             [("Group", "system:serviceaccounts")]),
        cluster_role_binding("system:kube-controller-manager", "system:kube-controller-manager",
                             [("User", "system:kube-controller-manager")]),
        cluster_role_binding("system:kube-scheduler", "system:kube-scheduler",
                             [("User", "system:kube-scheduler")]),
        cluster_role_binding("system:volume-scheduler", "system:volume-scheduler",
                             [("User", "system:kube-scheduler")]),
        cluster_role_binding("system:node", "system:node", []),
        cluster_role_binding("system:node-proxier", "system:node-proxier",
                             [("User", "system:kube-proxy")]),
        cluster_role_binding("system:kube-dns", "system:kube-dns",
                             [("ServiceAccount", "kube-system:kube-dns")]),
        cluster_role_binding("system:coredns", "system:coredns",
                             [("ServiceAccount", "kube-system:coredns")]),
    ]
    cni = []
    for user in cni_service_accounts:
        sa = user.split(":")[-1]
        if ("ServiceAccount", f"kube-system:{sa}") not in cni:
            cni.append(("ServiceAccount", f"kube-system:{sa}"))
    if cni:
        bindings.append(cluster_role_binding("kubesim:cni-agent", "kubesim:cni-agent", cni))
    for name, rules in CONTROLLER_ROLES.items():
        role_name = f"system:controller:{name}"
        roles.append(cluster_role(role_name, rules))
        bindings.append(cluster_role_binding(role_name, role_name, [
            ("ServiceAccount", f"kube-system:{name}"),
            ("User", "system:kube-controller-manager")]))   # kubesim: one identity (see above)
    for name, rules in aggregate(roles).items():
        next(r for r in roles if r["metadata"]["name"] == name)["rules"] = rules
    stamp = clock.timestamp(0)
    for obj in roles + bindings:
        obj["metadata"]["creationTimestamp"] = stamp
    return roles + bindings
