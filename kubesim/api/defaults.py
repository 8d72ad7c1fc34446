"""The API server's defaulting: the fields that appear in ``kubectl get -o yaml`` although
nobody wrote them.

Sources (v1.33): pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
pkg/apis/rbac/v1/defaults.go, pkg/apis/networking/v1/defaults.go,
pkg/apis/scheduling/v1/defaults.go, pkg/apis/discovery/v1/defaults.go, and for the few
values set on create by a registry strategy (Namespace finalizers, Service IP families)
the files named next to them.  :func:`apply_defaults` also puts quantities in canonical
form and whole-number floats into ints, as the round trip through Go types does.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from kubesim.api.quantity import parse_quantity

RBAC_GROUP = "rbac.authorization.k8s.io"

# ---------------------------------------------------------------------------- tables
DEPLOYMENT_DEFAULTS = {              # apps/v1 SetDefaults_Deployment
    "replicas": 1,
    "revisionHistoryLimit": 10,
    "progressDeadlineSeconds": 600,
}
ROLLING_UPDATE_DEFAULTS = {"maxUnavailable": "25%", "maxSurge": "25%"}
REPLICASET_DEFAULTS = {"replicas": 1}  # apps/v1 SetDefaults_ReplicaSet

POD_SPEC_DEFAULTS = {                # core/v1 SetDefaults_PodSpec (pods and templates)
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "terminationGracePeriodSeconds": 30,
}
CONTAINER_DEFAULTS = {               # core/v1 SetDefaults_Container
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
}
PROBE_DEFAULTS = {                   # core/v1 SetDefaults_Probe
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
HTTP_GET_DEFAULTS = {"path": "/", "scheme": "HTTP"}     # SetDefaults_HTTPGetAction
VOLUME_DEFAULT_MODE = 0o644          # SetDefaults_{Secret,ConfigMap,DownwardAPI,Projected}VolumeSource
SERVICE_DEFAULTS = {                 # core/v1 SetDefaults_Service
    "type": "ClusterIP",
    "sessionAffinity": "None",
}


# ---------------------------------------------------------------------------- helpers
def _fill(target: dict, table: dict) -> None:
    for key, value in table.items():
        if target.get(key) in (None, ""):
            target[key] = value


def image_tag(image: str) -> str:
    """The tag kubelet would pull (parsers.ParseImageName): ``latest`` when none is given,
    ``""`` for a digest-only or unparseable reference."""
    m = _IMAGE_REF.fullmatch(image or "")
    if not m or len(m.group("name")) > 255:
        return ""
    if m.group("tag"):
        return m.group("tag")
    return "" if m.group("digest") else "latest"


_DOMAIN = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
_IMAGE_REF = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)


def _canonical_quantities(resources: Optional[dict]) -> None:
    """SetDefaults_ResourceList: round up to milli, then serialize canonically."""
    for key, value in list((resources or {}).items()):
        try:
            resources[key] = str(parse_quantity(value).round_up_milli())
        except ValueError:
            pass   # decode already rejected it; leave validation to report


# ---------------------------------------------------------------------------- pods
def default_container(c: dict, is_pod: bool, host_network: bool) -> None:
    """SetDefaults_Container and the defaults of what a container holds."""
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = "Always" if image_tag(c.get("image", "")) == "latest" else "IfNotPresent"
    _fill(c, CONTAINER_DEFAULTS)
    for port in c.get("ports") or []:
        port.setdefault("protocol", "TCP")                      # SetDefaults_ContainerPort
        if is_pod and host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")        # defaultHostNetworkPorts
    for env in c.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")            # SetDefaults_ObjectFieldSelector
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if c.get(probe) is not None:
            _fill(c[probe], PROBE_DEFAULTS)
            if c[probe].get("httpGet") is not None:
                _fill(c[probe]["httpGet"], HTTP_GET_DEFAULTS)
    for hook in ("postStart", "preStop"):
        handler = (c.get("lifecycle") or {}).get(hook) or {}
        if handler.get("httpGet") is not None:
            _fill(handler["httpGet"], HTTP_GET_DEFAULTS)
    resources = c.setdefault("resources", {})   # a struct: always serialized, even empty
    for kind in ("limits", "requests"):
        _canonical_quantities(resources.get(kind))
    if is_pod and resources.get("limits"):
        # SetDefaults_Pod: requests default to limits -- on Pods only, not in templates.
        requests = resources.setdefault("requests", {})
        for name, value in resources["limits"].items():
            requests.setdefault(name, value)


def default_pod_spec(spec: dict, is_pod: bool) -> None:
    """SetDefaults_PodSpec (+ SetDefaults_Pod's extras when ``is_pod``)."""
    _fill(spec, POD_SPEC_DEFAULTS)
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if is_pod and spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True                      # v1.DefaultEnableServiceLinks
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(field) or []:
            default_container(c, is_pod, bool(spec.get("hostNetwork")))
    for vol in spec.get("volumes") or []:
        for source in ("secret", "configMap", "downwardAPI", "projected"):
            if vol.get(source) is not None:
                vol[source].setdefault("defaultMode", VOLUME_DEFAULT_MODE)
        for item in (vol.get("downwardAPI") or {}).get("items") or []:
            if item.get("fieldRef") is not None:
                item["fieldRef"].setdefault("apiVersion", "v1")
        if vol.get("hostPath") is not None:
            vol["hostPath"].setdefault("type", "")              # SetDefaults_HostPathVolumeSource
        empty_dir = vol.get("emptyDir")
        if empty_dir and empty_dir.get("sizeLimit") is not None:
            empty_dir["sizeLimit"] = str(parse_quantity(empty_dir["sizeLimit"]))
    _canonical_quantities(spec.get("overhead"))


def _default_template(spec: dict) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        default_pod_spec(template.setdefault("spec", {}), is_pod=False)


# ---------------------------------------------------------------------------- kinds
def _deployment(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    _fill(spec, {"replicas": DEPLOYMENT_DEFAULTS["replicas"]})
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        if strategy.get("rollingUpdate") is None:
            strategy["rollingUpdate"] = {}
        _fill(strategy["rollingUpdate"], ROLLING_UPDATE_DEFAULTS)
    _fill(spec, {k: v for k, v in DEPLOYMENT_DEFAULTS.items() if k != "replicas"})
    _default_template(spec)


def _replicaset(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    _fill(spec, REPLICASET_DEFAULTS)
    _default_template(spec)


def _service(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    _fill(spec, SERVICE_DEFAULTS)
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)
    stype = spec["type"]
    externally_accessible = stype in ("NodePort", "LoadBalancer") or (stype == "ClusterIP" and spec.get("externalIPs"))
    if externally_accessible and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and stype in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if stype != "ExternalName":
        # pkg/registry/core/service/storage/alloc.go: a single-stack (IPv4) cluster; a
        # headless Service without selector asks for every family the cluster has.
        headless_no_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
        spec.setdefault("ipFamilyPolicy", "RequireDualStack" if headless_no_selector else "SingleStack")
        spec.setdefault("ipFamilies", ["IPv4"])


def _namespace(obj: dict) -> None:
    meta = obj.setdefault("metadata", {})
    if meta.get("name"):   # SetDefaults_Namespace: the immutable name label
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    # pkg/registry/core/namespace/strategy.go PrepareForCreate
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")   # SetDefaults_NamespaceStatus


def _binding(obj: dict) -> None:
    ref = obj.setdefault("roleRef", {})
    if not ref.get("apiGroup"):
        ref["apiGroup"] = RBAC_GROUP
    for subject in obj.get("subjects") or []:   # SetDefaults_Subject
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = RBAC_GROUP


def _node(obj: dict) -> None:
    status = obj.get("status") or {}
    for field in ("capacity", "allocatable"):
        _canonical_quantities(status.get(field))
    if status.get("capacity") and status.get("allocatable") is None:
        status["allocatable"] = dict(status["capacity"])   # SetDefaults_NodeStatus


def _limit_range(obj: dict) -> None:
    for item in (obj.get("spec") or {}).get("limits") or []:
        for field in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            _canonical_quantities(item.get(field))
        if item.get("type") != "Container":
            continue
        # SetDefaults_LimitRangeItem: default <- max, defaultRequest <- default, then <- min
        default = dict(item.get("default") or {})
        for k, v in (item.get("max") or {}).items():
            default.setdefault(k, v)
        request = dict(item.get("defaultRequest") or {})
        for source in (default, item.get("min") or {}):
            for k, v in source.items():
                request.setdefault(k, v)
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request


def _resource_quota(obj: dict) -> None:
    _canonical_quantities((obj.get("spec") or {}).get("hard"))
    for field in ("hard", "used"):
        _canonical_quantities((obj.get("status") or {}).get(field))


def _network_policy(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
        for port in rule.get("ports") or []:
            port.setdefault("protocol", "TCP")                  # SetDefaults_NetworkPolicyPort
    if not spec.get("policyTypes"):                             # SetDefaults_NetworkPolicy
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])


def _endpoints(obj: dict) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            port.setdefault("protocol", "TCP")


def _endpoint_slice(obj: dict) -> None:
    for port in obj.get("ports") or []:                         # discovery/v1 SetDefaults_EndpointPort
        port.setdefault("name", "")
        port.setdefault("protocol", "TCP")


KIND_DEFAULTERS = {
    "Pod": lambda o: default_pod_spec(o.setdefault("spec", {}), is_pod=True),
    "Deployment": _deployment,
    "ReplicaSet": _replicaset,
    "Service": _service,
    "Namespace": _namespace,
    "RoleBinding": _binding,
    "ClusterRoleBinding": _binding,
    "Node": _node,
    "LimitRange": _limit_range,
    "ResourceQuota": _resource_quota,
    "NetworkPolicy": _network_policy,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
    "Secret": lambda o: o.setdefault("type", "Opaque"),             # SetDefaults_Secret
    "PriorityClass": lambda o: o.setdefault("preemptionPolicy", "PreemptLowerPriority"),
}


def _integral_floats(node: Any) -> Any:
    """A YAML ``3.0`` reaches Go as the JSON number 3: store it as an int."""
    if isinstance(node, dict):
        for k, v in node.items():
            node[k] = _integral_floats(v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            node[i] = _integral_floats(v)
    elif isinstance(node, float) and node.is_integer():
        return int(node)
    return node


def apply_defaults(obj: dict, rt) -> None:
    """Fill in what the API server defaults for ``rt`` (mutates ``obj`` in place)."""
    _integral_floats(obj)
    defaulter = KIND_DEFAULTERS.get(rt.kind)
    if defaulter is not None:
        defaulter(obj)
