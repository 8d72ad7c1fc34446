"""What ``kubectl get`` prints: tables, ``-o name``, ``-o yaml`` and ``-o json``.

The table of each kind follows the API server's printer for it
(k8s.io/kubernetes pkg/printers/internalversion/printers.go, v1.33): the server always
builds the *wide* row (``GenerateOptions{Wide: true}``) and kubectl drops the columns of
priority 1 unless ``-o wide`` (cli-runtime pkg/printers/tableprinter.go).  Kinds without a
printer (Role, ClusterRole, LimitRange) get the API server's default table, ``NAME`` and
``CREATED AT`` (k8s.io/apiserver pkg/registry/rest/table.go).

Every function is pure: objects are manifest-shaped dicts, ``now`` is simulated seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from ..api.quantity import parse_quantity
from ..api.selectors import selector_to_string
from . import formats
from .formats import age, format_labels, since

# --------------------------------------------------------------------------------------------
# Small accessors
# --------------------------------------------------------------------------------------------


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def _status(obj: dict) -> dict:
    return obj.get("status") or {}


def sort_key(obj: dict) -> tuple[str, str]:
    """The order the API server lists objects in (etcd key order: namespace, then name)."""
    meta = _meta(obj)
    return (meta.get("namespace") or "", meta.get("name") or "")


def _selector_string(selector: Optional[dict]) -> str:
    """``metav1.FormatLabelSelector`` (``<none>`` for an empty selector)."""
    return selector_to_string(selector)


def _quantity_string(value: Any) -> str:
    """``resource.Quantity.String()``: the canonical form of a quantity (``0.5`` -> ``500m``)."""
    if value is None or value == "":
        return "0"
    return str(parse_quantity(value))


def _containers_cells(template_spec: dict) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, comma-joined."""
    containers = template_spec.get("containers") or []
    return (",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers))


# --------------------------------------------------------------------------------------------
# Table definitions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A ``TableColumnDefinition``: header text (upper-cased when printed) and priority
    (1 = only with ``-o wide``).  ``is_name`` marks the column ``--show-kind`` prefixes."""

    name: str
    priority: int = 0
    is_name: bool = False


RowFunc = Callable[[dict, float], list]
_TABLES: dict[str, tuple[tuple[Column, ...], RowFunc]] = {}

_NAME = Column("Name", is_name=True)
_AGE = Column("Age")


def _table(kind: str, *columns: Column):
    """Register the row function of ``kind`` with its columns (in printers.go order)."""
    def register(fn: RowFunc) -> RowFunc:
        _TABLES[kind] = (columns, fn)
        return fn
    return register


def columns_for(kind: str) -> tuple[Column, ...]:
    """The columns ``kubectl get`` shows for ``kind`` (all priorities)."""
    return _TABLES.get(kind, _DEFAULT_TABLE)[0]


# --- Pod --------------------------------------------------------------------------------------


def _is_restartable_init(container: Optional[dict]) -> bool:
    """A sidecar: an init container with ``restartPolicy: Always``."""
    return bool(container) and container.get("restartPolicy") == "Always"


def _condition_true(status: dict, cond_type: str) -> bool:
    for cond in status.get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond.get("status") == "True"
    return False


def _later(current: Optional[float], ts: Optional[str]) -> Optional[float]:
    """``lastRestartDate.Before(&terminatedDate)``: keep the later of two times (None is
    Go's zero time, earlier than any other)."""
    moment = formats.sim_seconds(ts)
    if moment is None:
        return current
    return moment if current is None or current < moment else current


def _terminated_reason(term: dict, prefix: str = "") -> str:
    if term.get("reason"):
        return prefix + term["reason"]
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


@dataclass
class PodSummary:
    """The READY, STATUS and RESTARTS cells of a pod, and when a container last restarted."""

    ready: int
    total: int
    status: str
    restarts: int
    last_restart: Optional[float]  # simulated seconds; None if never (or unknown)

    def restarts_cell(self, now: float) -> str:
        """``3`` or ``3 (12s ago)`` (kubectl >= 1.22)."""
        if self.restarts != 0 and self.last_restart is not None:
            return f"{self.restarts} ({formats.human_duration(now - self.last_restart)} ago)"
        return str(self.restarts)


def summarize_pod(pod: dict) -> PodSummary:
    """printPod's derivation of READY, STATUS and RESTARTS (printers.go).

    STATUS starts as ``status.reason`` or the phase; ``SchedulingGated``; then the first init
    container that has not finished (``Init:1/2``, ``Init:CrashLoopBackOff``,
    ``Init:ExitCode:1``); then -- once initialized -- the *first* container with a waiting or
    terminated reason (``ContainerCreating``, ``CrashLoopBackOff``, ``Completed``,
    ``ExitCode:137``); ``Completed`` with a container still running turns back into
    ``Running`` (or ``NotReady``); a deleted pod is ``Terminating`` (``Unknown`` if its node was
    lost).
    """
    spec, status = _spec(pod), _status(pod)
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = spec.get("initContainers") or []
    init_by_name = {c.get("name"): c for c in init_specs}
    total = len(spec.get("containers") or []) + sum(1 for c in init_specs if _is_restartable_init(c))
    ready = restarts = sidecar_restarts = 0
    last_restart = last_sidecar_restart = None

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        last_term = (cs.get("lastState") or {}).get("terminated")
        if last_term is not None:
            last_restart = _later(last_restart, last_term.get("finishedAt"))
        sidecar = _is_restartable_init(init_by_name.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            if last_term is not None:
                last_sidecar_restart = _later(last_sidecar_restart, last_term.get("finishedAt"))
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if term is not None:
            reason = _terminated_reason(term, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(status, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            last_term = (cs.get("lastState") or {}).get("terminated")
            if last_term is not None:
                last_restart = _later(last_restart, last_term.get("finishedAt"))
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None:
                reason = _terminated_reason(term)
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if _meta(pod).get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return PodSummary(ready, total, reason, restarts, last_restart)


def pod_status(pod: dict) -> str:
    """The STATUS column of ``kubectl get pods`` for one pod."""
    return summarize_pod(pod).status


def _pod_ip(pod: dict) -> str:
    status = _status(pod)
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    return (ips[0].get("ip") if ips else "") or "<none>"


def _readiness_gates(pod: dict) -> str:
    gates = _spec(pod).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {}
    for cond in _status(pod).get("conditions") or []:
        conditions.setdefault(cond.get("type"), cond.get("status"))
    true = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{true}/{len(gates)}"


@_table("Pod", _NAME, Column("Ready"), Column("Status"), Column("Restarts"), _AGE,
        Column("IP", 1), Column("Node", 1), Column("Nominated Node", 1), Column("Readiness Gates", 1))
def _pod_row(pod: dict, now: float) -> list:
    s = summarize_pod(pod)
    return [_meta(pod).get("name"), f"{s.ready}/{s.total}", s.status, s.restarts_cell(now), age(pod, now),
            _pod_ip(pod), _spec(pod).get("nodeName") or "<none>",
            _status(pod).get("nominatedNodeName") or "<none>", _readiness_gates(pod)]


# --- Workloads --------------------------------------------------------------------------------


@_table("Deployment", _NAME, Column("Ready"), Column("Up-to-date"), Column("Available"), _AGE,
        Column("Containers", 1), Column("Images", 1), Column("Selector", 1))
def _deployment_row(d: dict, now: float) -> list:
    spec, status = _spec(d), _status(d)
    names, images = _containers_cells(_spec(spec.get("template") or {}))
    # printDeployment uses selector.String(): "" rather than "<none>" for an empty selector.
    selector = _selector_string(spec.get("selector"))
    return [_meta(d).get("name"), f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), age(d, now),
            names, images, "" if selector == "<none>" else selector]


@_table("ReplicaSet", _NAME, Column("Desired"), Column("Current"), Column("Ready"), _AGE,
        Column("Containers", 1), Column("Images", 1), Column("Selector", 1))
def _replicaset_row(rs: dict, now: float) -> list:
    spec, status = _spec(rs), _status(rs)
    names, images = _containers_cells(_spec(spec.get("template") or {}))
    return [_meta(rs).get("name"), spec.get("replicas", 1), status.get("replicas", 0),
            status.get("readyReplicas", 0), age(rs, now), names, images,
            _selector_string(spec.get("selector"))]


# --- Nodes and namespaces ---------------------------------------------------------------------


def node_roles(node: dict) -> list[str]:
    """``findNodeRoles``: sorted roles from ``node-role.kubernetes.io/<role>`` labels and a
    non-empty ``kubernetes.io/role`` label."""
    roles = set()
    for key, value in (_meta(node).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def node_status(node: dict) -> str:
    """The STATUS column of ``kubectl get nodes``: ``Ready``/``NotReady`` from the Ready
    condition (``NotReady`` for status Unknown too), ``Unknown`` when there is none, plus
    ``,SchedulingDisabled`` for a cordoned node."""
    status = []
    for cond in _status(node).get("conditions") or []:
        if cond.get("type") == "Ready":
            status = ["Ready" if cond.get("status") == "True" else "NotReady"]
    if not status:
        status = ["Unknown"]
    if _spec(node).get("unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_address(node: dict, kind: str) -> str:
    for address in _status(node).get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address", "")
    return "<none>"


@_table("Node", _NAME, Column("Status"), Column("Roles"), _AGE, Column("Version"),
        Column("Internal-IP", 1), Column("External-IP", 1), Column("OS-Image", 1),
        Column("Kernel-Version", 1), Column("Container-Runtime", 1))
def _node_row(node: dict, now: float) -> list:
    info = _status(node).get("nodeInfo") or {}
    return [_meta(node).get("name"), node_status(node), ",".join(node_roles(node)) or "<none>",
            age(node, now), info.get("kubeletVersion", ""),
            _node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


@_table("Namespace", _NAME, Column("Status"), _AGE)
def _namespace_row(ns: dict, now: float) -> list:
    return [_meta(ns).get("name"), _status(ns).get("phase", ""), age(ns, now)]


# --- Services and endpoints -------------------------------------------------------------------


def _service_external_ip(svc: dict) -> str:
    """``getServiceExternalIP`` (never clipped: the server builds the wide row)."""
    spec = _spec(svc)
    svc_type, external = spec.get("type", "ClusterIP"), spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        ingress = (_status(svc).get("loadBalancer") or {}).get("ingress") or []
        lb_ips = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        if external:
            return ",".join(lb_ips + external)
        return ",".join(lb_ips) or "<pending>"
    if svc_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_ports(svc: dict) -> str:
    """``makePortString``: ``80/TCP``, ``80:30080/TCP``, comma-joined (``<none>``)."""
    pieces = []
    for port in _spec(svc).get("ports") or []:
        proto = port.get("protocol", "TCP")
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{proto}")
        else:
            pieces.append(f"{port.get('port')}/{proto}")
    return ",".join(pieces) or "<none>"


@_table("Service", _NAME, Column("Type"), Column("Cluster-IP"), Column("External-IP"),
        Column("Port(s)"), _AGE, Column("Selector", 1))
def _service_row(svc: dict, now: float) -> list:
    spec = _spec(svc)
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [_meta(svc).get("name"), spec.get("type", "ClusterIP"), cluster_ips[0] if cluster_ips else "<none>",
            _service_external_ip(svc), service_ports(svc), age(svc, now),
            format_labels(spec.get("selector"))]


def _join_host_port(host: str, port: Any) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _list_with_more(items: list[str], count: int, limit: int = 3, empty: str = "<unset>") -> str:
    """``listWithMoreString``: the first three, then ``+ N more...``."""
    text = ",".join(items[:limit])
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or empty


def format_endpoints(ep: dict) -> str:
    """``formatEndpoints`` (all ports): ``10.244.1.5:80,10.244.2.3:80 + 1 more...``."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    items, count = [], 0
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            items += addresses
            count += len(addresses)
            continue
        for port in ports:
            items += [_join_host_port(ip, port.get("port")) for ip in addresses]
            count += len(addresses)
    return _list_with_more(items, count, empty="")


@_table("Endpoints", _NAME, Column("Endpoints"), _AGE)
def _endpoints_row(ep: dict, now: float) -> list:
    return [_meta(ep).get("name"), format_endpoints(ep), age(ep, now)]


@_table("EndpointSlice", _NAME, Column("AddressType"), Column("Ports"), Column("Endpoints"), _AGE)
def _endpointslice_row(eps: dict, now: float) -> list:
    ports = [str(p["port"]) if p.get("port") is not None else (p.get("name") if p.get("name") is not None else "*")
             for p in eps.get("ports") or []]
    addresses = [a for e in eps.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_meta(eps).get("name"), eps.get("addressType", ""), _list_with_more(ports, len(ports)),
            _list_with_more(addresses, len(addresses)), age(eps, now)]


# --- Config and access ------------------------------------------------------------------------


@_table("ConfigMap", _NAME, Column("Data"), _AGE)
def _configmap_row(cm: dict, now: float) -> list:
    return [_meta(cm).get("name"), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), age(cm, now)]


@_table("Secret", _NAME, Column("Type"), Column("Data"), _AGE)
def _secret_row(secret: dict, now: float) -> list:
    return [_meta(secret).get("name"), secret.get("type", "Opaque"), len(secret.get("data") or {}),
            age(secret, now)]


@_table("ServiceAccount", _NAME, Column("Secrets"), _AGE)
def _serviceaccount_row(sa: dict, now: float) -> list:
    return [_meta(sa).get("name"), len(sa.get("secrets") or []), age(sa, now)]


def _subjects(binding: dict) -> list[str]:
    """``rbac.SubjectsStrings``: users, groups and service accounts (``ns/name``)."""
    users, groups, sas = [], [], []
    for subject in binding.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "ServiceAccount":
            sas.append(f"{subject.get('namespace', '')}/{subject.get('name', '')}")
        elif kind == "User":
            users.append(subject.get("name", ""))
        elif kind == "Group":
            groups.append(subject.get("name", ""))
    return [", ".join(users), ", ".join(groups), ", ".join(sas)]


def _binding_row(binding: dict, now: float) -> list:
    ref = binding.get("roleRef") or {}
    return [_meta(binding).get("name"), f"{ref.get('kind', '')}/{ref.get('name', '')}", age(binding, now),
            *_subjects(binding)]


_BINDING_COLUMNS = (_NAME, Column("Role"), _AGE, Column("Users", 1), Column("Groups", 1),
                    Column("ServiceAccounts", 1))
_table("RoleBinding", *_BINDING_COLUMNS)(_binding_row)
_table("ClusterRoleBinding", *_BINDING_COLUMNS)(_binding_row)


@_table("ResourceQuota", _NAME, Column("Request"), Column("Limit"), _AGE)
def _resourcequota_row(quota: dict, now: float) -> list:
    # v1.33 moved AGE last (kubernetes/kubernetes#129419); older servers print it second.
    hard, used = _status(quota).get("hard") or {}, _status(quota).get("used") or {}
    requests, limits = [], []
    for name in sorted(hard):
        column = limits if name.split(".")[0] == "limits" and "." in name else requests
        column.append(f"{name}: {_quantity_string(used.get(name))}/{_quantity_string(hard[name])}")
    return [_meta(quota).get("name"), ", ".join(requests), ", ".join(limits), age(quota, now)]


@_table("Lease", _NAME, Column("Holder"), _AGE)
def _lease_row(lease: dict, now: float) -> list:
    return [_meta(lease).get("name"), _spec(lease).get("holderIdentity") or "", age(lease, now)]


@_table("NetworkPolicy", _NAME, Column("Pod-Selector"), _AGE)
def _networkpolicy_row(np: dict, now: float) -> list:
    return [_meta(np).get("name"), _selector_string(_spec(np).get("podSelector") or {}), age(np, now)]


@_table("PriorityClass", _NAME, Column("Value"), Column("Global-Default"), _AGE, Column("PreemptionPolicy"))
def _priorityclass_row(pc: dict, now: float) -> list:
    return [_meta(pc).get("name"), pc.get("value", 0), bool(pc.get("globalDefault", False)), age(pc, now),
            pc.get("preemptionPolicy") or ""]


# --- Events -----------------------------------------------------------------------------------


def event_source(event: dict) -> str:
    """``formatEventSource``: ``component, host`` (falling back to reportingComponent and
    reportingInstance of events written through the new Events API)."""
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    host = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {host}" if host else component


@_table("Event", Column("Last Seen"), Column("Type"), Column("Reason"), Column("Object"),
        Column("Subobject", 1), Column("Source", 1), Column("Message"), Column("First Seen", 1),
        Column("Count", 1), Column("Name", 1, is_name=True))
def _event_row(event: dict, now: float) -> list:
    first = event.get("firstTimestamp")
    first_seen = since(first, now) if first else since(event.get("eventTime"), now)
    last = event.get("lastTimestamp")
    last_seen = since(last, now) if last else first_seen
    count = event.get("count") or 0
    series = event.get("series")
    if series:
        last_seen = since(series.get("lastObservedTime"), now)
        count = series.get("count", 0)
    elif count == 0:
        count = 1  # singleton events of the new Events API carry no count
    involved = event.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    return [last_seen, event.get("type", ""), event.get("reason", ""), target,
            involved.get("fieldPath", ""), event_source(event), (event.get("message") or "").strip(),
            first_seen, count, _meta(event).get("name")]


# --- The API server's default table -----------------------------------------------------------


def _created_at(obj: dict, now: float) -> list:
    moment = formats.parse_time(_meta(obj).get("creationTimestamp"))
    created = moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "0001-01-01T00:00:00Z"
    return [_meta(obj).get("name"), created]


_DEFAULT_TABLE = ((_NAME, Column("Created At")), _created_at)


# --------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------


def no_resources_message(namespace: Optional[str]) -> str:
    """What ``kubectl get`` writes to *stderr* when nothing matched: ``No resources found in
    default namespace.`` for namespaced kinds, ``No resources found`` for cluster-scoped
    ones or with ``-A`` (pass ``namespace=None`` for those)."""
    if namespace:
        return f"No resources found in {namespace} namespace.\n"
    return "No resources found\n"


def _cell_text(value: Any) -> str:
    """How tableprinter.go prints a cell: strings cut at the first line break (with
    ``...``), terminal escapes neutralized; numbers and booleans as Go's ``fmt`` does."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return formats.escape_terminal(str(value))
    for i, ch in enumerate(value):
        if ch in "\n\r\f":
            return formats.escape_terminal(value[:i]) + "..."
    return formats.escape_terminal(value)


def kind_prefix(rt) -> str:
    """``deployment.apps`` / ``pod``: how kubectl names a kind in ``kind/name``."""
    return f"{rt.kind.lower()}.{rt.group}" if rt.group else rt.kind.lower()


def _ordered(objects: Iterable[dict], keep_order: bool) -> list[dict]:
    return list(objects) if keep_order else sorted(objects, key=sort_key)


def table_rows(rt, objects: Iterable[dict], now: float, *, wide: bool = False,
               all_namespaces: bool = False, show_labels: bool = False,
               with_kind: bool = False, keep_order: bool = False,
               label_columns: Iterable[str] = ()) -> tuple[list[str], list[list[str]]]:
    """The header and the cell texts of a ``kubectl get`` table (objects sorted as the API
    server lists them, unless ``keep_order``).  ``label_columns`` (``-L``) adds one column per
    label key, headed by the key's last path segment in capitals (formatLabelHeaders)."""
    label_columns = list(label_columns)
    columns, row_fn = _TABLES.get(rt.kind, _DEFAULT_TABLE)
    shown = [i for i, c in enumerate(columns) if wide or c.priority == 0]
    with_namespace = all_namespaces and rt.namespaced
    header = (["NAMESPACE"] if with_namespace else []) + [columns[i].name.upper() for i in shown]
    header += [key.split("/")[-1].upper() for key in label_columns]
    header += ["LABELS"] if show_labels else []
    rows = []
    for obj in _ordered(objects, keep_order):
        cells = row_fn(obj, now)
        if with_kind:
            for i, column in enumerate(columns):
                if column.is_name:
                    cells[i] = f"{kind_prefix(rt)}/{cells[i]}"
                    break
        row = ([_meta(obj).get("namespace", "")] if with_namespace else []) + [cells[i] for i in shown]
        labels = _meta(obj).get("labels") or {}
        row += [labels.get(key, "") for key in label_columns]
        row += [format_labels(_meta(obj).get("labels"))] if show_labels else []
        rows.append([_cell_text(cell) for cell in row])
    return header, rows


def print_table(rt, objects: list[dict], now: float, *, wide: bool = False, all_namespaces: bool = False,
                show_labels: bool = False, no_headers: bool = False, with_kind: bool = False,
                namespace: Optional[str] = "default", keep_order: bool = False,
                label_columns: Iterable[str] = ()) -> str:
    """``kubectl get <kind>`` (``-o wide``, ``-A``, ``--show-labels``, ``-L``, ``--no-headers``,
    ``--show-kind``/several kinds via ``with_kind``) for objects of the ResourceType ``rt``.

    Returns the text kubectl writes to stdout, ending in a newline.  With no objects it
    returns :func:`no_resources_message` instead (kubectl writes that to *stderr*): give
    ``namespace`` (``None`` for ``-A``; cluster-scoped kinds never name one).

    Rows come in the API server's list order (namespace, then name); pass ``keep_order``
    for objects named on the command line, which kubectl prints in the order given.
    """
    if not objects:
        scoped = rt.namespaced and not all_namespaces
        return no_resources_message(namespace if scoped else None)
    header, rows = table_rows(rt, objects, now, wide=wide, all_namespaces=all_namespaces,
                              show_labels=show_labels, with_kind=with_kind, keep_order=keep_order,
                              label_columns=label_columns)
    lines = ([] if no_headers else [header]) + rows
    return formats.tabwrite_get("".join("\t".join(line) + "\n" for line in lines))


def print_name(rt, objects: list[dict], *, keep_order: bool = False) -> str:
    """``kubectl get -o name``: one ``kind[.group]/name`` per line (``pod/web-1``,
    ``deployment.apps/web``), ordered like :func:`print_table`."""
    return "".join(f"{kind_prefix(rt)}/{_meta(obj).get('name')}\n" for obj in _ordered(objects, keep_order))


def as_list(objects: list[dict]) -> dict:
    """The ``v1/List`` kubectl wraps several objects in for ``-o yaml|json``; items in the
    order given (kubectl's: each requested kind in turn, in the API server's order)."""
    return {"apiVersion": "v1", "items": list(objects), "kind": "List", "metadata": {"resourceVersion": ""}}


def print_yaml(objects: list[dict], single: bool) -> str:
    """``kubectl get -o yaml``: the object itself when one object was named (``single``),
    else a ``List`` of all of them (even of one, or none)."""
    return formats.to_yaml(objects[0] if single and len(objects) == 1 else as_list(objects))


def print_json(objects: list[dict], single: bool) -> str:
    """``kubectl get -o json``, like :func:`print_yaml` (4-space indentation, sorted keys)."""
    return formats.to_json(objects[0] if single and len(objects) == 1 else as_list(objects))
