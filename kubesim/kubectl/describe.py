"""What ``kubectl describe`` prints (k8s.io/kubectl pkg/describe/describe.go, v1.33).

:func:`describe` takes the object, the simulated time, the Events of the cluster and -- for
kinds whose description shows other objects -- those objects in ``related``:

=============  ====================================================================
kind           ``related`` keys
=============  ====================================================================
Node           ``pods`` (any pods; those on the node and not finished are listed),
               ``lease`` (its Lease in ``kube-node-lease``; absent -> "Failed to get")
Deployment     ``replicasets`` (ReplicaSets of its namespace; its own are picked by
               ownerReference, the new one by pod template)
ReplicaSet     ``pods`` (counted by phase when the ReplicaSet controls them)
Service        ``endpointslices`` (its slices, label ``kubernetes.io/service-name``)
Namespace      ``resourcequotas``, ``limitranges`` (of that namespace)
ServiceAccount ``secrets`` (token Secrets of the account, optional)
=============  ====================================================================

Layout is kubectl's: a ``PrefixWriter`` writes indented, tab-separated lines into Go's
``text/tabwriter`` (padding 2), which aligns each run of consecutive lines that contain tabs
-- and is flushed before the Events table, so that table aligns on its own.
"""
from __future__ import annotations

import base64
from fractions import Fraction
from typing import Any, Iterable, Optional

from ..api.quantity import Quantity, parse_quantity
from ..api.selectors import selector_to_string
from . import formats
from .formats import format_labels, rfc1123z, since
from .printers import _meta, _spec, _status, node_roles

# --------------------------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------------------------


class _Writer:
    """describe.go's ``prefixWriter`` over ``tabbedString``'s tabwriter."""

    def __init__(self):
        self._segments: list[list[str]] = [[]]

    def write(self, level: int, text: str) -> None:
        """``Write(level, ...)``: two spaces per level before the (already formatted) text."""
        self._segments[-1].append(formats.escape_terminal("  " * level + text))

    def line(self, text: str = "") -> None:
        """``WriteLine``: the text and a newline, no indentation."""
        self._segments[-1].append(formats.escape_terminal(text + "\n"))

    def flush(self) -> None:
        """``Flush``: lines after this align independently of those before."""
        self._segments.append([])

    def render(self) -> str:
        return "".join(formats.tabwrite_describe("".join(seg)) for seg in self._segments)


def _bool(value: Any) -> str:
    """describe.go ``printBool``: ``True`` / ``False``."""
    return "True" if value else "False"


def _gobool(value: Any) -> str:
    """Go's ``%v``/``%t`` of a bool: ``true`` / ``false``."""
    return "true" if value else "false"


def _golist(values: Iterable[Any]) -> str:
    """Go's ``%v`` of a slice: ``[a b c]``."""
    return "[" + " ".join(str(v) for v in values) + "]"


def _q(value: Any) -> Quantity:
    """A ``resource.Quantity`` (an absent one is zero)."""
    return parse_quantity(value if value is not None else "0")


def _zero() -> Quantity:
    return Quantity(0)


def _selector(selector: Optional[dict]) -> str:
    """``metav1.FormatLabelSelector``."""
    return selector_to_string(selector)


def _selector_plain(selector: Optional[dict]) -> str:
    """``LabelSelectorAsSelector(...).String()``: like :func:`_selector`, "" when empty."""
    text = _selector(selector)
    return "" if text == "<none>" else text


def _controller_of(obj: dict) -> Optional[dict]:
    for ref in _meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


# --------------------------------------------------------------------------------------------
# Shared pieces (labels, annotations, tolerations, taints, events)
# --------------------------------------------------------------------------------------------

_SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
_MAX_ANNOTATION_LEN = 140


def _labels_multiline(w: _Writer, title: str, labels: Optional[dict], indent: str = "") -> None:
    """``printLabelsMultilineWithIndent``: one ``k=v`` per line, sorted."""
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, f"{indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def _annotations_multiline(w: _Writer, title: str, annotations: Optional[dict]) -> None:
    """``printAnnotationsMultiline``: ``key: value``; long or multi-line values go below."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k not in _SKIP_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = annotations[key][:-1] if annotations[key].endswith("\n") else annotations[key]
        if len(value) + len(key) + 2 > _MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                short = part if len(part) <= _MAX_ANNOTATION_LEN - 2 else part[:_MAX_ANNOTATION_LEN - 2] + "..."
                w.write(0, f"\t  {short}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _tolerations_multiline(w: _Writer, title: str, tolerations: Optional[list], indent: str = "") -> None:
    """``printTolerationsMultilineWithIndent``: ``key=value:Effect op=Exists for 300s``."""
    w.write(0, f"{indent}{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, tol in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, f"{indent}\t")
        text = tol.get("key", "")
        if tol.get("value"):
            text += f"={tol['value']}"
        if tol.get("effect"):
            text += f":{tol['effect']}"
        if tol.get("operator") == "Exists" and not tol.get("value"):
            text += " op=Exists" if tol.get("key") or tol.get("effect") else "op=Exists"
        if tol.get("tolerationSeconds") is not None:
            text += f" for {tol['tolerationSeconds']}s"
        w.write(0, text + "\n")


def _taints_multiline(w: _Writer, title: str, taints: Optional[list]) -> None:
    """``printTaintsMultilineWithIndent``: ``key=value:Effect``, sorted by effect then key."""
    w.write(0, f"{title}:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, taint in enumerate(ordered):
        if i:
            w.write(0, "\t")
        value = f"={taint['value']}" if taint.get("value") else ""
        w.write(0, f"{taint.get('key', '')}{value}:{taint.get('effect', '')}\n")


def _event_time(event: dict) -> float:
    """``eventTime`` of kubectl's SortableEvents: series, lastTimestamp, then eventTime."""
    series = event.get("series") or {}
    for ts in (series.get("lastObservedTime"), event.get("lastTimestamp"), event.get("eventTime")):
        moment = formats.sim_seconds(ts)
        if moment is not None:
            return moment
    return float("-inf")


def events_for(obj: dict, events: Iterable[dict]) -> list[dict]:
    """The Events ``kubectl describe`` finds for ``obj`` (searchEvents: involvedObject name,
    namespace and kind -- any kind for a Pod -- and uid when the Event records one; the
    kubelet uses the node *name* as a Node's uid)."""
    meta, kind = _meta(obj), obj.get("kind")
    found = []
    for event in events:
        inv = event.get("involvedObject") or {}
        if inv.get("name") != meta.get("name"):
            continue
        if (inv.get("namespace") or "") != (meta.get("namespace") or ""):
            continue
        if kind != "Pod" and inv.get("kind") and inv.get("kind") != kind:
            continue
        if inv.get("uid") and meta.get("uid") and inv["uid"] not in (meta["uid"], meta.get("name")):
            continue
        found.append(event)
    return found


def _describe_events(w: _Writer, events: Optional[list], now: float) -> None:
    """``DescribeEvents``: the Events table (oldest first), or ``Events: <none>``."""
    if events is None:
        return
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    # The API server lists events by name; kubectl then sorts them by time (for the few
    # events of one object Go's sort.Sort is an insertion sort, i.e. stable).
    by_name = sorted(events, key=lambda e: ((_meta(e).get("namespace") or ""), _meta(e).get("name") or ""))
    for e in sorted(by_name, key=_event_time):
        first = since(e.get("eventTime"), now) if e.get("eventTime") else since(e.get("firstTimestamp"), now)
        series = e.get("series")
        if series:
            interval = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count', 0)} over {first})"
        elif (e.get("count") or 0) > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t"
                   f"{(e.get('message') or '').strip()}\n")


# --------------------------------------------------------------------------------------------
# Containers and volumes (also used by pod templates)
# --------------------------------------------------------------------------------------------


def _describe_resources(w: _Writer, resources: Optional[dict], level: int) -> None:
    """``describeResources``: Limits then Requests, names sorted, quantities canonical."""
    resources = resources or {}
    for title in ("limits", "requests"):
        values = resources.get(title) or {}
        if values:
            w.write(level, f"{title.capitalize()}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{_q(values[name])}\n")


def _describe_status(w: _Writer, title: str, state: dict, now: float) -> None:
    """``describeStatus``: Running / Waiting / Terminated with their details."""
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        term = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if term.get("reason"):
            w.write(3, f"Reason:\t{term['reason']}\n")
        if term.get("message"):
            w.write(3, f"Message:\t{term['message']}\n")
        w.write(3, f"Exit Code:\t{term.get('exitCode', 0)}\n")
        if (term.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{term['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(term.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(term.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _probe(probe: dict) -> str:
    """``DescribeProbe``: ``http-get http://:8080/healthz delay=0s timeout=1s period=10s ...``
    (unset fields shown with the API server's defaults)."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
             f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
             f"#failure={probe.get('failureThreshold', 3)}")
    if probe.get("exec") is not None:
        return f"exec {_golist(probe['exec'].get('command') or [])} {attrs}"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        port, host = str(get.get("port", "")), get.get("host", "")
        hostport = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        scheme = get.get("scheme", "HTTP").lower()
        return f"http-get {scheme}://{hostport}{get.get('path', '')} {attrs}"
    if probe.get("tcpSocket") is not None:
        sock = probe["tcpSocket"]
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', '')} {attrs}"
    if probe.get("grpc") is not None:
        return f"grpc <pod>:{probe['grpc'].get('port')} {probe['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _field_value(pod: Optional[dict], path: str) -> str:
    """The value a ``fieldRef`` reads from the pod (kubectl's EnvValueRetriever)."""
    if pod is None:
        return ""
    meta, spec, status = _meta(pod), _spec(pod), _status(pod)
    for prefix, source in (("metadata.labels", meta.get("labels")), ("metadata.annotations", meta.get("annotations"))):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return (source or {}).get(path[len(prefix) + 2:-2], "")
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"),
              "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP"),
              "status.podIPs": ",".join(ip.get("ip", "") for ip in status.get("podIPs") or []),
              "status.hostIPs": ",".join(ip.get("ip", "") for ip in status.get("hostIPs") or [])}
    return simple.get(path) or ""


def _resource_field_value(ref: dict, container: dict) -> str:
    """``ExtractContainerResourceValue``: a container's request/limit in units of ``divisor``."""
    resource = ref.get("resource", "")
    kind, _, name = resource.partition(".")
    values = (container.get("resources") or {}).get(kind) or {}
    divisor = _q(ref.get("divisor") or "1")
    if divisor.is_zero():
        divisor = _q("1")
    if kind not in ("limits", "requests") or name not in ("cpu", "memory", "ephemeral-storage"):
        return ""
    quantity = _q(values.get(name, "0"))
    if name == "cpu":
        ratio = Fraction(quantity.milli_value(), divisor.milli_value())
    else:
        ratio = Fraction(quantity.value(), divisor.value())
    value = -((-ratio.numerator) // ratio.denominator)  # math.Ceil
    return str(value)


def _describe_env(w: _Writer, container: dict, pod: Optional[dict]) -> None:
    """``describeContainerEnvVars``."""
    env = container.get("env") or []
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        source = e.get("valueFrom")
        if source is None:
            for i, part in enumerate((e.get("value") or "").split("\n")):
                w.write(3, f"{e.get('name')}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif source.get("fieldRef") is not None:
            ref = source["fieldRef"]
            w.write(3, f"{e.get('name')}:\t{_field_value(pod, ref.get('fieldPath', ''))} "
                       f"({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})\n")
        elif source.get("resourceFieldRef") is not None:
            ref = source["resourceFieldRef"]
            value = _resource_field_value(ref, container)
            if value == "0" and ref.get("resource") in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{e.get('name')}:\t{value} ({ref.get('resource', '')})\n")
        elif source.get("secretKeyRef") is not None:
            ref = source["secretKeyRef"]
            w.write(3, f"{e.get('name')}:\t<set to the key '{ref.get('key', '')}' in secret "
                       f"'{ref.get('name', '')}'>\tOptional: {_gobool(ref.get('optional'))}\n")
        elif source.get("configMapKeyRef") is not None:
            ref = source["configMapKeyRef"]
            w.write(3, f"{e.get('name')}:\t<set to the key '{ref.get('key', '')}' of config map "
                       f"'{ref.get('name', '')}'>\tOptional: {_gobool(ref.get('optional'))}\n")


def _describe_env_from(w: _Writer, container: dict) -> None:
    """``describeContainerEnvFrom``."""
    w.write(2, "Environment Variables from:\n")
    for e in container.get("envFrom") or []:
        ref, source = (e.get("configMapRef"), "ConfigMap") if e.get("configMapRef") is not None \
            else (e.get("secretRef") or {}, "Secret")
        optional = _gobool((ref or {}).get("optional"))
        name = (ref or {}).get("name", "")
        if e.get("prefix"):
            w.write(3, f"{name}\t{source} with prefix '{e['prefix']}'\tOptional: {optional}\n")
        else:
            w.write(3, f"{name}\t{source}\tOptional: {optional}\n")


def _describe_mounts(w: _Writer, container: dict) -> None:
    """``describeContainerVolumes``: ``/path from volume (ro)``, sorted by mount path."""
    mounts = container.get("volumeMounts") or []
    w.write(2, "Mounts:" + ("" if mounts else "\t<none>") + "\n")
    for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")
    devices = container.get("volumeDevices") or []
    if devices:
        w.write(2, "Devices:\n")
        for d in sorted(devices, key=lambda d: d.get("devicePath", "")):
            w.write(3, f"{d.get('devicePath', '')} from {d.get('name', '')}\n")


def _describe_containers(w: _Writer, label: str, containers: list, statuses: Optional[list],
                         pod: Optional[dict], now: float, space: str = "") -> None:
    """``describeContainers``: one section per container, with its status when known."""
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for c in containers:
        status = by_name.get(c.get("name"))
        w.write(1, f"{' ' if space else ''}{c.get('name')}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        ports = c.get("ports") or []
        port_s = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in ports)
        host_s = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
        w.write(2, f"Ports:\t{port_s}\n" if "," in port_s else f"Port:\t{port_s or '<none>'}\n")
        w.write(2, f"Host Ports:\t{host_s}\n" if "," in host_s else f"Host Port:\t{host_s or '<none>'}\n")
        for title, args in (("Command", c.get("command")), ("Args", c.get("args"))):
            if args:
                w.write(2, f"{title}:\n")
                for arg in args:
                    for part in arg.split("\n"):
                        w.write(3, f"{part}\n")
        if status is not None:
            _describe_status(w, "State", status.get("state") or {}, now)
            if (status.get("lastState") or {}).get("terminated") is not None:
                _describe_status(w, "Last State", status["lastState"], now)
            w.write(2, f"Ready:\t{_bool(status.get('ready'))}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        _describe_resources(w, c.get("resources"), 2)
        for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                           ("Startup", "startupProbe")):
            if c.get(key) is not None:
                w.write(2, f"{title}:\t{_probe(c[key])}\n")
        if c.get("envFrom"):
            _describe_env_from(w, c)
        _describe_env(w, c, pod)
        _describe_mounts(w, c)


def _volume_lines(volume: dict) -> list[str]:
    """The lines ``describeVolumes`` prints for one volume source (after its name)."""
    if volume.get("hostPath") is not None:
        hp = volume["hostPath"]
        return ["Type:\tHostPath (bare host directory volume)\n", f"    Path:\t{hp.get('path', '')}\n",
                f"    HostPathType:\t{hp.get('type') or '<none>'}\n"]
    if volume.get("emptyDir") is not None:
        ed = volume["emptyDir"]
        size = str(_q(ed["sizeLimit"])) if ed.get("sizeLimit") and not _q(ed["sizeLimit"]).is_zero() else "<unset>"
        return ["Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n",
                f"    Medium:\t{ed.get('medium', '')}\n", f"    SizeLimit:\t{size}\n"]
    if volume.get("secret") is not None:
        s = volume["secret"]
        return ["Type:\tSecret (a volume populated by a Secret)\n", f"    SecretName:\t{s.get('secretName', '')}\n",
                f"    Optional:\t{_gobool(s.get('optional'))}\n"]
    if volume.get("configMap") is not None:
        cm = volume["configMap"]
        return ["Type:\tConfigMap (a volume populated by a ConfigMap)\n", f"    Name:\t{cm.get('name', '')}\n",
                f"    Optional:\t{_gobool(cm.get('optional'))}\n"]
    if volume.get("persistentVolumeClaim") is not None:
        pvc = volume["persistentVolumeClaim"]
        return ["Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n",
                f"    ClaimName:\t{pvc.get('claimName', '')}\n", f"    ReadOnly:\t{_gobool(pvc.get('readOnly'))}\n"]
    if volume.get("projected") is not None:
        lines = ["Type:\tProjected (a volume that contains injected data from multiple sources)\n"]
        for source in volume["projected"].get("sources") or []:
            if source.get("secret") is not None:
                lines += [f"    SecretName:\t{source['secret'].get('name', '')}\n",
                          f"    Optional:\t{_gobool(source['secret'].get('optional'))}\n"]
            elif source.get("downwardAPI") is not None:
                lines.append("    DownwardAPI:\ttrue\n")
            elif source.get("configMap") is not None:
                lines += [f"    ConfigMapName:\t{source['configMap'].get('name', '')}\n",
                          f"    Optional:\t{_gobool(source['configMap'].get('optional'))}\n"]
            elif source.get("serviceAccountToken") is not None:
                seconds = source["serviceAccountToken"].get("expirationSeconds", 3600)
                lines.append(f"    TokenExpirationSeconds:\t{seconds}\n")
        return lines
    if volume.get("downwardAPI") is not None:
        lines = ["Type:\tDownwardAPI (a volume populated by information about the pod)\n", "    Items:\n"]
        for item in volume["downwardAPI"].get("items") or []:
            if item.get("fieldRef") is not None:
                lines.append(f"      {item['fieldRef'].get('fieldPath', '')} -> {item.get('path', '')}\n")
            if item.get("resourceFieldRef") is not None:
                lines.append(f"      {item['resourceFieldRef'].get('resource', '')} -> {item.get('path', '')}\n")
        return lines
    if volume.get("nfs") is not None:
        nfs = volume["nfs"]
        return ["Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n",
                f"    Server:\t{nfs.get('server', '')}\n",
                f"    Path:\t{nfs.get('path', '')}\n", f"    ReadOnly:\t{_gobool(nfs.get('readOnly'))}\n"]
    if volume.get("csi") is not None:
        csi = volume["csi"]
        attrs = csi.get("volumeAttributes") or {}
        lines = ["Type:\tCSI (a Container Storage Interface (CSI) volume source)\n",
                 f"    Driver:\t{csi.get('driver', '')}\n", f"    FSType:\t{csi.get('fsType', '')}\n",
                 f"    ReadOnly:\t{_gobool(csi.get('readOnly'))}\n"]
        if not attrs:
            return lines + ["    VolumeAttributes:\t<none>\n"]
        for i, key in enumerate(sorted(attrs)):
            lines.append(("    VolumeAttributes:\t" if i == 0 else "    \t") + f"{key}={attrs[key]}\n")
        return lines
    return ["<unknown>\n"]


def _describe_volumes(w: _Writer, volumes: Optional[list], space: str = "") -> None:
    """``describeVolumes``."""
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume.get('name')}:\n")
        lines = _volume_lines(volume)
        w.write(1 if lines == ["<unknown>\n"] else 2, "".join(lines))


def _describe_spread(w: _Writer, constraints: Optional[list], space: str = "") -> None:
    """``describeTopologySpreadConstraints``."""
    if not constraints:
        return
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, tsc in enumerate(sorted(constraints, key=lambda c: c.get("topologyKey", ""))):
        if i:
            w.write(0, f"{space}\t")
        text = (f"{tsc.get('topologyKey', '')}:{tsc.get('whenUnsatisfiable', '')} "
                f"when max skew {tsc.get('maxSkew', 0)} is exceeded")
        if tsc.get("labelSelector") is not None:
            text += f" for selector {_selector(tsc['labelSelector'])}"
        w.write(0, text + "\n")


def _describe_pod_template(w: _Writer, template: Optional[dict], now: float) -> None:
    """``DescribePodTemplate`` (Deployments, ReplicaSets, ...)."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta, spec = _meta(template), _spec(template)
    _labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        _annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        _describe_containers(w, "Init Containers", spec["initContainers"], None, None, now, "  ")
    _describe_containers(w, "Containers", spec.get("containers") or [], None, None, now, "  ")
    _describe_volumes(w, spec.get("volumes"), "  ")
    _describe_spread(w, spec.get("topologySpreadConstraints"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    _labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    _tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


# --------------------------------------------------------------------------------------------
# Resource accounting (k8s.io/kubectl pkg/util/resource, pkg/util/qos)
# --------------------------------------------------------------------------------------------


def _add(total: dict, values: Optional[dict]) -> None:
    for name, value in (values or {}).items():
        total[name] = total[name] + _q(value) if name in total else _q(value)


def _max(total: dict, values: dict) -> None:
    for name, value in values.items():
        if name not in total or value > total[name]:
            total[name] = value


def pod_requests_and_limits(pod: dict) -> tuple[dict, dict]:
    """``PodRequestsAndLimits``: containers summed; each init container counts as the max
    (sidecars add up); pod overhead added.  Maps resource name -> Quantity."""
    spec = _spec(pod)
    result = []
    for kind in ("requests", "limits"):
        total: dict = {}
        for c in spec.get("containers") or []:
            _add(total, (c.get("resources") or {}).get(kind))
        sidecars: dict = {}
        init_max: dict = {}
        for c in spec.get("initContainers") or []:
            values = (c.get("resources") or {}).get(kind)
            if c.get("restartPolicy") == "Always":
                _add(total, values)
                _add(sidecars, values)
                current = dict(sidecars)
            else:
                current = {}
                _add(current, values)
                for name, q in sidecars.items():
                    current[name] = current[name] + q if name in current else q
            _max(init_max, current)
        _max(total, init_max)
        overhead = spec.get("overhead") or {}
        if kind == "limits":  # overhead only raises limits that are set
            overhead = {name: value for name, value in overhead.items() if name in total}
        _add(total, overhead)
        result.append(total)
    return result[0], result[1]


def pod_qos_class(pod: dict) -> str:
    """``qos.GetPodQOS``: ``status.qosClass`` when set, else computed from requests/limits."""
    if _status(pod).get("qosClass"):
        return _status(pod)["qosClass"]
    requests, limits, guaranteed = {}, {}, True
    spec = _spec(pod)
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        for name in ("cpu", "memory"):
            if name in (res.get("requests") or {}) and not _q(res["requests"][name]).is_zero():
                requests[name] = True
            if name in (res.get("limits") or {}) and not _q(res["limits"][name]).is_zero():
                limits[name] = True
        c_limits = {n for n in ("cpu", "memory") if n in (res.get("limits") or {})}
        if c_limits != {"cpu", "memory"}:
            guaranteed = False
        for name, value in (res.get("requests") or {}).items():
            if name in ("cpu", "memory") and _q(value) != _q((res.get("limits") or {}).get(name, "0")):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


# --------------------------------------------------------------------------------------------
# Kinds
# --------------------------------------------------------------------------------------------


def _describe_pod(w: _Writer, pod: dict, now: float, related: dict) -> None:
    meta, spec, status = _meta(pod), _spec(pod), _status(pod)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status['startTime'])}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    seccomp = (spec.get("securityContext") or {}).get("seccompProfile")
    if seccomp is not None:
        w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    if not ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    owner = _controller_of(pod)
    if owner:
        w.write(0, f"Controlled By:\t{owner.get('kind')}/{owner.get('name')}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources") is not None:
        w.write(0, "Resources:\n")
        _describe_resources(w, spec["resources"], 1)
    if spec.get("initContainers"):
        _describe_containers(w, "Init Containers", spec["initContainers"],
                             status.get("initContainerStatuses"), pod, now)
    _describe_containers(w, "Containers", spec.get("containers") or [], status.get("containerStatuses"), pod, now)
    conditions = status.get("conditions") or []
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in spec["readinessGates"]:
            found = next((c.get("status") for c in conditions if c.get("type") == gate.get("conditionType")), "<none>")
            w.write(1, f"{gate.get('conditionType')} \t{found} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    _describe_volumes(w, spec.get("volumes"))
    w.write(0, f"QoS Class:\t{pod_qos_class(pod)}\n")
    _labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    _tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    _describe_spread(w, spec.get("topologySpreadConstraints"))


def _percent(part: int, whole: int) -> int:
    """``int64(float64(part) / float64(whole) * 100)`` (0 when ``whole`` is 0)."""
    return int(float(part) / float(whole) * 100) if whole else 0


def _describe_node_pods(w: _Writer, node: dict, pods: list, now: float) -> None:
    """``describeNodeResource``: the pods table and the Allocated resources summary."""
    status = _status(node)
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    alloc_cpu = _q(allocatable.get("cpu", "0")).milli_value()
    alloc_mem = _q(allocatable.get("memory", "0")).value()
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    totals: tuple[dict, dict] = ({}, {})
    for pod in pods:
        req, lim = pod_requests_and_limits(pod)
        for total, values in zip(totals, (req, lim)):
            for name, q in values.items():
                total[name] = total[name] + q if name in total else q
        cells = []
        for values, name, scale in ((req, "cpu", alloc_cpu), (lim, "cpu", alloc_cpu),
                                    (req, "memory", alloc_mem), (lim, "memory", alloc_mem)):
            q = values.get(name, _zero())
            amount = q.milli_value() if name == "cpu" else q.value()
            cells.append(f"{q} ({_percent(amount, scale)}%)")
        w.write(1, f"{_meta(pod).get('namespace')}\t{_meta(pod).get('name')}\t\t" + "\t".join(cells)
                   + f"\t{since(_meta(pod).get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    reqs, limits = totals
    hugepages = sorted(n for n in allocatable if n.startswith("hugepages-"))
    for name in ["cpu", "memory", "ephemeral-storage"] + hugepages:
        whole = _q(allocatable.get(name, "0"))
        whole_amount = whole.milli_value() if name == "cpu" else whole.value()
        cells = []
        for values in (reqs, limits):
            q = values.get(name, _zero())
            amount = q.milli_value() if name == "cpu" else q.value()
            cells.append(f"{q} ({_percent(amount, whole_amount)}%)")
        w.write(1, f"{name}\t{cells[0]}\t{cells[1]}\n")
    standard = {"cpu", "memory", "ephemeral-storage", "pods"}
    for name in sorted(n for n in allocatable if n not in standard and not n.startswith("hugepages-")
                       and not n.startswith("requests.") and not n.startswith("limits.")):
        w.write(1, f"{name}\t{reqs.get(name, _zero())}\t{limits.get(name, _zero())}\n")


def _describe_node(w: _Writer, node: dict, now: float, related: dict) -> None:
    meta, spec, status = _meta(node), _spec(node), _status(node)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    _taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{_gobool(spec.get('unschedulable'))}\n")
    lease = related.get("lease")
    if lease is None:
        w.write(0, f'Lease:\tFailed to get lease: leases.coordination.k8s.io "{meta.get("name")}" not found\n')
    else:
        lspec = _spec(lease)
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{lspec.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{rfc1123z(lspec['acquireTime']) if lspec.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{rfc1123z(lspec['renewTime']) if lspec.get('renewTime') else '<unset>'}\n")
    conditions = status.get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.write(1, f"{address.get('type')}:\t{address.get('address')}\n")
    for title, values in (("Capacity", status.get("capacity")), ("Allocatable", status.get("allocatable"))):
        if values:
            w.write(0, f"{title}:\n")
            for name in sorted(values):
                w.write(0, f"  {name}:\t{_q(values[name])}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                       ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    pods = [p for p in related.get("pods") or []
            if _spec(p).get("nodeName") == meta.get("name")
            and _status(p).get("phase") not in ("Succeeded", "Failed")]
    pods.sort(key=lambda p: (_meta(p).get("namespace", ""), _meta(p).get("name", "")))
    _describe_node_pods(w, node, pods, now)


def _refers_to(ref: dict, uid: Optional[str], name: Optional[str]) -> bool:
    """Does an ownerReference point at the object with this uid (or, without uids, name)?"""
    if uid and ref.get("uid"):
        return ref["uid"] == uid
    return ref.get("name") == name


def _template_without_hash(template: Optional[dict]) -> dict:
    """A pod template with the ``pod-template-hash`` label removed (EqualIgnoreHash)."""
    template = dict(template or {})
    meta = dict(template.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop("pod-template-hash", None)
    meta["labels"] = labels
    template["metadata"] = meta
    return template


def deployment_replicasets(deployment: dict, replicasets: list) -> tuple[list, Optional[dict]]:
    """(old ReplicaSets, new ReplicaSet) of a Deployment, as deploymentutil finds them: the
    ReplicaSets it controls; the new one has its pod template (ignoring the hash label),
    the oldest such if several."""
    uid, name = _meta(deployment).get("uid"), _meta(deployment).get("name")
    owned = []
    for rs in sorted(replicasets, key=lambda r: _meta(r).get("name", "")):
        ref = _controller_of(rs)
        if ref and ref.get("kind") == "Deployment" and _refers_to(ref, uid, name):
            owned.append(rs)
    wanted = _template_without_hash(_spec(deployment).get("template"))
    matching = [rs for rs in owned if _template_without_hash(_spec(rs).get("template")) == wanted]
    matching.sort(key=lambda r: (formats.sim_seconds(_meta(r).get("creationTimestamp")) or 0, _meta(r).get("name", "")))
    new = matching[0] if matching else None
    return [rs for rs in owned if rs is not new], new


def _rs_summary(replicasets: list) -> str:
    """``printReplicaSetsByLabels``: ``name (2/3 replicas created)``, comma-joined."""
    text = ", ".join(f"{_meta(rs).get('name')} ({_status(rs).get('replicas', 0)}/{_spec(rs).get('replicas', 1)}"
                     f" replicas created)" for rs in replicasets)
    return text or "<none>"


def _describe_conditions_short(w: _Writer, conditions: list) -> None:
    """The Type/Status/Reason table of Deployments and ReplicaSets."""
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")


def _describe_deployment(w: _Writer, d: dict, now: float, related: dict) -> None:
    meta, spec, status = _meta(d), _spec(d), _status(d)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{_selector_plain(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
               f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
               f"{status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', '')} max unavailable, "
                   f"{ru.get('maxSurge', '')} max surge\n")
    _describe_pod_template(w, spec.get("template"), now)
    _describe_conditions_short(w, status.get("conditions") or [])
    old, new = deployment_replicasets(d, related.get("replicasets") or [])
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_rs_summary(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_summary([new] if new else [])}\n")


def _pod_phase_counts(owner: dict, pods: list) -> str:
    """``getPodStatusForController``: pods the object controls, by phase."""
    uid, name = _meta(owner).get("uid"), _meta(owner).get("name")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        ref = _controller_of(pod)
        if not ref or not _refers_to(ref, uid, name):
            continue
        if _meta(pod).get("namespace") != _meta(owner).get("namespace"):
            continue
        phase = _status(pod).get("phase")
        if phase in counts:
            counts[phase] += 1
    return (f"{counts['Running']} Running / {counts['Pending']} Waiting / {counts['Succeeded']} Succeeded / "
            f"{counts['Failed']} Failed")


def _describe_replicaset(w: _Writer, rs: dict, now: float, related: dict) -> None:
    meta, spec, status = _meta(rs), _spec(rs), _status(rs)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    w.write(0, f"Selector:\t{_selector(spec.get('selector'))}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    owner = _controller_of(rs)
    if owner:
        w.write(0, f"Controlled By:\t{owner.get('kind')}/{owner.get('name')}\n")
    w.write(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    w.write(0, "Pods Status:\t")
    w.write(0, _pod_phase_counts(rs, related.get("pods") or []) + "\n")
    _describe_pod_template(w, spec.get("template"), now)
    _describe_conditions_short(w, status.get("conditions") or [])


def format_endpoint_slices(slices: list, port_names: Optional[set]) -> str:
    """``formatEndpointSlices``: ready ``ip:port`` of the named ports, the first three then
    ``+ N more...``; ``<none>`` without slices."""
    if not slices:
        return "<none>"
    items: list[str] = []
    limit, more, count = 3, False, 0
    for eps in slices:
        endpoints = eps.get("endpoints") or []
        ports = eps.get("ports") or []
        groups = [(None, endpoints)] if not ports else \
            [(p, endpoints) for p in ports if port_names is None or (p.get("name") or "") in port_names]
        for port, eps_list in groups:
            for ep in eps_list:
                if len(items) == limit:
                    more = True
                ready = (ep.get("conditions") or {}).get("ready")
                if ready is not None and not ready:
                    continue
                if not more:
                    addr = (ep.get("addresses") or [""])[0]
                    if port is None:
                        items.append(addr)
                    else:
                        items.append(f"[{addr}]:{port.get('port')}" if ":" in addr else f"{addr}:{port.get('port')}")
                count += 1
    text = ",".join(items)
    return f"{text} + {count - limit} more..." if more else text


def _describe_service(w: _Writer, svc: dict, now: float, related: dict) -> None:
    meta, spec, status = _meta(svc), _spec(svc), _status(svc)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', 'ClusterIP')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    w.write(0, f"IPs:\t{','.join(cluster_ips) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        shown = [(i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else "")) if i.get("ip") else i.get("hostname", "")
                 for i in ingress]
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(shown)}\n")
    slices = related.get("endpointslices") or []
    for port in spec.get("ports") or []:
        name, proto = port.get("name") or "<unset>", port.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{port.get('port')}/{proto}\n")
        w.write(0, f"TargetPort:\t{port.get('targetPort', port.get('port'))}/{proto}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, {port.get('name') or ''})}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")


def _describe_namespace(w: _Writer, ns: dict, now: float, related: dict) -> None:
    meta, status = _meta(ns), _status(ns)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')}\t{c.get('status')}\t{rfc1123z(c.get('lastTransitionTime'))}\t"
                       f"{c.get('reason', '')}\t{c.get('message', '')}\n")
    w.write(0, "\n")
    quotas = sorted(related.get("resourcequotas") or [], key=lambda q: _meta(q).get("name", ""))
    if not quotas:
        w.write(0, "No resource quota.\n")
    else:
        w.write(0, "Resource Quotas\n")
        for quota in quotas:
            w.write(1, f"Name:\t{_meta(quota).get('name')}\n")
            scopes = sorted(_spec(quota).get("scopes") or [])
            if scopes:
                w.write(1, f"Scopes:\t{', '.join(scopes)}\n")
                for scope in scopes:
                    if _SCOPE_HELP.get(scope):
                        w.write(1, f"* {_SCOPE_HELP[scope]}\n")
            w.write(1, "Resource\tUsed\tHard\n")
            w.write(1, "--------\t---\t---\n")
            hard, used = _status(quota).get("hard") or {}, _status(quota).get("used") or {}
            for name in sorted(hard):
                w.write(1, f"{name}\t{_q(used.get(name, '0'))}\t{_q(hard[name])}\n")
    w.write(0, "\n")
    ranges = related.get("limitranges") or []
    if not ranges:
        w.write(0, "No LimitRange resource.\n")
        return
    w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
    w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
    for lr in ranges:
        _limit_range_rows(w, lr, " ")


_SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
                   "before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long "
                      "running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have a best effort "
                  "quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These pods have a "
                     "burstable or guaranteed quality of service.",
}


def _limit_range_rows(w: _Writer, lr: dict, prefix: str) -> None:
    """``describeLimitRangeSpec`` (resources sorted; Go iterates a map here)."""
    for item in _spec(lr).get("limits") or []:
        fields = [item.get(k) or {} for k in ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")]
        for name in sorted(set().union(*fields)):
            cells = [str(_q(f[name])) if name in f else "-" for f in fields]
            w.write(0, f"{prefix}{item.get('type', '')}\t{name}\t" + "\t".join(cells) + "\n")


def _describe_limitrange(w: _Writer, lr: dict, now: float, related: dict) -> None:
    w.write(0, f"Name:\t{_meta(lr).get('name')}\n")
    w.write(0, f"Namespace:\t{_meta(lr).get('namespace')}\n")
    w.write(0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
    w.write(0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
    _limit_range_rows(w, lr, "")


def _describe_configmap(w: _Writer, cm: dict, now: float, related: dict) -> None:
    meta = _meta(cm)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "\nData\n====\n")
    data = cm.get("data") or {}
    for key in sorted(data):  # Go ranges over a map here: the order varies run to run
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{data[key]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    for key, value in sorted((cm.get("binaryData") or {}).items()):
        w.write(0, f"{key}: {len(base64.b64decode(value))} bytes\n")
    w.write(0, "\n")


def _describe_secret(w: _Writer, secret: dict, now: float, related: dict) -> None:
    meta = _meta(secret)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"\nType:\t{secret.get('type', 'Opaque')}\n")
    w.write(0, "\nData\n====\n")
    for key, value in sorted((secret.get("data") or {}).items()):
        raw = base64.b64decode(value)
        if key == "token" and secret.get("type") == "kubernetes.io/service-account-token":
            w.write(0, f"{key}:\t{raw.decode('utf-8', 'replace')}\n")
        else:
            w.write(0, f"{key}:\t{len(raw)} bytes\n")


def _describe_serviceaccount(w: _Writer, sa: dict, now: float, related: dict) -> None:
    meta = _meta(sa)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    existing = {_meta(s).get("name") for s in related.get("secrets") or []}
    tokens = [_meta(s).get("name") for s in related.get("secrets") or []
              if s.get("type") == "kubernetes.io/service-account-token"
              and (_meta(s).get("annotations") or {}).get("kubernetes.io/service-account.name") == meta.get("name")]
    sections = {"Image pull secrets:": [s.get("name") for s in sa.get("imagePullSecrets") or []],
                "Mountable secrets: ": [s.get("name") for s in sa.get("secrets") or []],
                "Tokens:            ": tokens}
    for header in sorted(sections):
        names = sections[header]
        if not names:
            w.write(0, f"{header}\t<none>\n")
        prefix = header
        for name in names:
            missing = "secrets" in related and header != "Tokens:            " and name not in existing
            w.write(0, f"{prefix}\t{name}{' (not found)' if missing else ''}\n")
            prefix = " " * 19


def _describe_endpoints(w: _Writer, ep: dict, now: float, related: dict) -> None:
    meta = _meta(ep)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(2, f"{port.get('name') or '<unset>'}\t{port.get('port')}\t{port.get('protocol', 'TCP')}\n")
        w.write(0, "\n")


def _describe_binding(w: _Writer, binding: dict, now: float, related: dict) -> None:
    meta, ref = _meta(binding), binding.get("roleRef") or {}
    w.write(0, f"Name:\t{meta.get('name')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "Role:\n")
    w.write(1, f"Kind:\t{ref.get('kind', '')}\n")
    w.write(1, f"Name:\t{ref.get('name', '')}\n")
    w.write(0, "Subjects:\n")
    w.write(1, "Kind\tName\tNamespace\n")
    w.write(1, "----\t----\t---------\n")
    for s in binding.get("subjects") or []:
        w.write(1, f"{s.get('kind', '')}\t{s.get('name', '')}\t{s.get('namespace', '')}\n")


def _describe_priorityclass(w: _Writer, pc: dict, now: float, related: dict) -> None:
    w.write(0, f"Name:\t{_meta(pc).get('name')}\n")
    w.write(0, f"Value:\t{pc.get('value', 0)}\n")
    w.write(0, f"GlobalDefault:\t{_gobool(pc.get('globalDefault'))}\n")
    w.write(0, f"PreemptionPolicy:\t{pc.get('preemptionPolicy', 'PreemptLowerPriority')}\n")
    w.write(0, f"Description:\t{pc.get('description', '')}\n")
    w.write(0, f"Annotations:\t{format_labels(_meta(pc).get('annotations'))}\n")


def _breakdown_rule(rule: dict) -> list[dict]:
    """``rbac.BreakdownRule``: one rule per group, resource, verb (and resource name)."""
    subrules = []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in rule.get("verbs") or []:
                for name in rule.get("resourceNames") or [None]:
                    sub = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                    if name is not None:
                        sub["resourceNames"] = [name]
                    subrules.append(sub)
    for url in rule.get("nonResourceURLs") or []:
        for verb in rule.get("verbs") or []:
            subrules.append({"nonResourceURLs": [url], "verbs": [verb]})
    return subrules


def _compact_rules(rules: list[dict]) -> list[dict]:
    """``rbac.CompactRules`` then ``sort.Stable(SortableRuleSlice)`` (by PolicyRule.String(),
    which starts with the verbs)."""
    compacted, simple = [], {}
    for rule in rules:
        if rule.get("nonResourceURLs"):
            compacted.append(rule)
            continue
        key = (rule["apiGroups"][0], rule["resources"][0], tuple(rule.get("resourceNames") or ()))
        if key in simple:
            simple[key]["verbs"] += [v for v in rule["verbs"] if v not in simple[key]["verbs"]]
        else:
            simple[key] = {k: list(v) for k, v in rule.items()}
    compacted += simple.values()

    def as_string(r: dict) -> str:
        return (f"&PolicyRule{{Verbs:{_golist(r.get('verbs') or [])},APIGroups:{_golist(r.get('apiGroups') or [])},"
                f"Resources:{_golist(r.get('resources') or [])},ResourceNames:{_golist(r.get('resourceNames') or [])},"
                f"NonResourceURLs:{_golist(r.get('nonResourceURLs') or [])},}}")
    return sorted(compacted, key=as_string)


def _combine_resource_group(resources: list, groups: list) -> str:
    """``CombineResourceGroup``: ``deployments.apps``, ``pods/log``."""
    if not resources:
        return ""
    resource, _, sub = resources[0].partition("/")
    combined = resource + (f".{groups[0]}" if groups and groups[0] else "")
    return combined + (f"/{sub}" if sub else "")


def _describe_role(w: _Writer, role: dict, now: float, related: dict) -> None:
    meta = _meta(role)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "PolicyRule:\n")
    w.write(1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n")
    w.write(1, "---------\t-----------------\t--------------\t-----\n")
    rules = _compact_rules([sub for rule in role.get("rules") or [] for sub in _breakdown_rule(rule)])
    for r in rules:
        w.write(1, f"{_combine_resource_group(r.get('resources') or [], r.get('apiGroups') or [])}\t"
                   f"{_golist(r.get('nonResourceURLs') or [])}\t{_golist(r.get('resourceNames') or [])}\t"
                   f"{_golist(r.get('verbs') or [])}\n")


def _describe_quota(w: _Writer, quota: dict, now: float, related: dict) -> None:
    meta = _meta(quota)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    scopes = sorted(_spec(quota).get("scopes") or [])
    if scopes:
        w.write(0, f"Scopes:\t{', '.join(scopes)}\n")
        for scope in scopes:
            if _SCOPE_HELP.get(scope):
                w.write(0, f" * {_SCOPE_HELP[scope]}\n")
    w.write(0, "Resource\tUsed\tHard\n")
    w.write(0, "--------\t----\t----\n")
    hard, used = _status(quota).get("hard") or {}, _status(quota).get("used") or {}
    for name in sorted(hard):
        hard_q, used_q = _q(hard[name]), _q(used.get(name, "0"))
        if used_q.format != hard_q.format:
            used_q = Quantity(used_q.value(), hard_q.format)
        w.write(0, f"{name}\t{used_q}\t{hard_q}\n")


def _describe_endpointslice(w: _Writer, eps: dict, now: float, related: dict) -> None:
    meta = _meta(eps)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    ports = eps.get("ports") or []
    if not ports:
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in ports:
            port = p.get("port")
            number = "<unset>" if port is None else port
            w.write(1, f"{p.get('name') or '<unset>'}\t{number}\t{p.get('protocol', 'TCP')}\n")
    endpoints = eps.get("endpoints") or []
    if not endpoints:
        w.write(0, "Endpoints: <none>\n")
        return
    w.write(0, "Endpoints:\n")
    for ep in endpoints:
        w.write(1, f"- Addresses:\t{', '.join(ep.get('addresses') or []) or '<none>'}\n")
        w.write(2, "Conditions:\n")
        ready = (ep.get("conditions") or {}).get("ready")
        w.write(3, f"Ready:\t{'<unset>' if ready is None else _gobool(ready)}\n")
        w.write(2, f"Hostname:\t{ep.get('hostname', '<unset>')}\n")
        if ep.get("targetRef") is not None:
            w.write(2, f"TargetRef:\t{ep['targetRef'].get('kind', '')}/{ep['targetRef'].get('name', '')}\n")
        w.write(2, f"NodeName:\t{ep.get('nodeName', '<unset>')}\n")
        w.write(2, f"Zone:\t{ep.get('zone', '<unset>')}\n")


def _netpol_peers(w: _Writer, rules: list, direction: str, indent: str) -> None:
    """``printNetworkPolicySpecIngressFrom`` / ``...EgressTo``."""
    peer_key, title = ("from", "From") if direction == "ingress" else ("to", "To")
    if not rules:
        isolated = "<none> (Selected pods are isolated for ingress connectivity)" if direction == "ingress" \
            else "<none> (Selected pods are isolated for egress connectivity)"
        w.write(0, f"{indent}{isolated}\n")
        return
    for i, rule in enumerate(rules):
        if not rule.get("ports"):
            w.write(0, f"{indent}To Port: <any> (traffic allowed to all ports)\n")
        for port in rule.get("ports") or []:
            proto = port.get("protocol", "TCP")
            if port.get("endPort") is None:
                w.write(0, f"{indent}To Port: {port.get('port', '')}/{proto}\n")
            else:
                w.write(0, f"{indent}To Port Range: {port.get('port', '')}-{port['endPort']}/{proto}\n")
        peers = rule.get(peer_key) or []
        if not peers:
            restriction = "source" if direction == "ingress" else "destination"
            w.write(0, f"{indent}{title}: <any> (traffic not restricted by {restriction})\n")
        for peer in peers:
            w.write(0, f"{indent}{title}:\n")
            if peer.get("podSelector") is not None and peer.get("namespaceSelector") is not None:
                w.write(1, f"{indent}NamespaceSelector: {_selector(peer['namespaceSelector'])}\n")
                w.write(1, f"{indent}PodSelector: {_selector(peer['podSelector'])}\n")
            elif peer.get("podSelector") is not None:
                w.write(1, f"{indent}PodSelector: {_selector(peer['podSelector'])}\n")
            elif peer.get("namespaceSelector") is not None:
                w.write(1, f"{indent}NamespaceSelector: {_selector(peer['namespaceSelector'])}\n")
            elif peer.get("ipBlock") is not None:
                w.write(1, f"{indent}IPBlock:\n")
                w.write(2, f"{indent}CIDR: {peer['ipBlock'].get('cidr', '')}\n")
                w.write(2, f"{indent}Except: {', '.join(peer['ipBlock'].get('except') or [])}\n")
        if i != len(rules) - 1:
            w.write(0, f"{indent}----------\n")


def _describe_networkpolicy(w: _Writer, np: dict, now: float, related: dict) -> None:
    meta, spec = _meta(np), _spec(np)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace')}\n")
    # describe.go prints the metav1.Time with %s, i.e. Go's time.Time String().
    created = formats.parse_time(meta.get("creationTimestamp"))
    stamp = created.strftime("%Y-%m-%d %H:%M:%S +0000 UTC") if created else "0001-01-01 00:00:00 +0000 UTC"
    w.write(0, f"Created on:\t{stamp}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "Spec:\n")
    w.write(1, "PodSelector: ")
    selector = spec.get("podSelector") or {}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        w.write(2, "<none> (Allowing the specific traffic to all pods in this namespace)\n")
    else:
        w.write(2, f"{_selector(selector)}\n")
    types = spec.get("policyTypes") or []
    if "Ingress" in types:
        w.write(1, "Allowing ingress traffic:\n")
        _netpol_peers(w, spec.get("ingress") or [], "ingress", "    ")
    else:
        w.write(1, "Not affecting ingress traffic\n")
    if "Egress" in types:
        w.write(1, "Allowing egress traffic:\n")
        _netpol_peers(w, spec.get("egress") or [], "egress", "    ")
    else:
        w.write(1, "Not affecting egress traffic\n")
    w.write(1, f"Policy Types: {', '.join(types) or '<none>'}\n")


# --- the generic describer (kinds without their own) ------------------------------------------


def _camelcase_split(text: str) -> list[str]:
    """github.com/fatih/camelcase ``Split``: runs of lower/upper/digit/other characters,
    the last capital of an upper run moving to a following lower run (``PDFLoader``)."""
    def cls(ch: str) -> int:
        return 1 if ch.islower() else 2 if ch.isupper() else 3 if ch.isdigit() else 4
    runs: list[list[str]] = []
    last = 0
    for ch in text:
        c = cls(ch)
        if c == last:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = c
    for i in range(len(runs) - 1):
        if runs[i][0].isupper() and runs[i + 1][0].islower():
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(r) for r in runs if r]


def _smart_label(field: str) -> str:
    """``smartLabelFor``: ``holderIdentity`` -> ``Holder Identity``, ``apiVersion`` ->
    ``API Version``; names with characters other than letters and ``-`` stay as they are."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    acronyms = {"API", "URL", "UID", "OSB", "GUID"}
    parts = [p for p in _camelcase_split(field) if p != "_"]
    return " ".join(p.upper() if p.upper() in acronyms else p[:1].upper() + p[1:] for p in parts)


def _unstructured(w: _Writer, level: int, content: dict, path: str, skip: set) -> None:
    """``printUnstructuredContent``: fields sorted, nested maps and lists indented."""
    for field in sorted(content):
        value, expr = content[field], f"{path}.{field}"
        if expr in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{_smart_label(field)}:\n")
            _unstructured(w, level + 1, value, expr, skip)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _unstructured(w, level + 1, child, expr, skip)
                else:
                    w.write(level + 1, f"{_go_value(child)}\n")
        else:
            w.write(level, f"{_smart_label(field)}:\t{_go_value(value)}\n")


def _go_value(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return _gobool(value)
    return str(value)


def _describe_generic(w: _Writer, obj: dict, now: float, related: dict) -> None:
    meta = _meta(obj)
    w.write(0, f"Name:\t{meta.get('name')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    _unstructured(w, 0, obj, "", {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                  ".metadata.labels", ".metadata.annotations"})


_DESCRIBERS = {
    "Pod": _describe_pod, "Node": _describe_node, "Deployment": _describe_deployment,
    "ReplicaSet": _describe_replicaset, "Service": _describe_service, "Namespace": _describe_namespace,
    "ConfigMap": _describe_configmap, "Secret": _describe_secret, "ServiceAccount": _describe_serviceaccount,
    "Endpoints": _describe_endpoints, "RoleBinding": _describe_binding, "ClusterRoleBinding": _describe_binding,
    "PriorityClass": _describe_priorityclass, "LimitRange": _describe_limitrange,
    "Role": _describe_role, "ClusterRole": _describe_role, "ResourceQuota": _describe_quota,
    "EndpointSlice": _describe_endpointslice, "NetworkPolicy": _describe_networkpolicy,
}
# describe.go shows no events for these (their describers never search for any).
_NO_EVENTS = {"Secret", "RoleBinding", "ClusterRoleBinding", "LimitRange", "Namespace", "Role", "ClusterRole",
              "ResourceQuota", "NetworkPolicy"}


def describe(rt, obj: dict, *, now: float, events: Optional[Iterable[dict]] = (),
             related: Optional[dict] = None) -> str:
    """``kubectl describe <kind> <name>`` for ``obj`` at simulated time ``now``.

    ``events``: the cluster's Events (those about ``obj`` are picked out, see
    :func:`events_for`); ``None`` is ``--show-events=false``.  ``related``: the other objects
    a kind's description shows (see the module docstring).  Kinds without a describer of
    their own get kubectl's generic one (every field, sorted).
    """
    w = _Writer()
    kind = rt.kind if rt is not None else obj.get("kind")
    describer = _DESCRIBERS.get(kind, _describe_generic)
    describer(w, obj, now, related or {})
    if events is not None and kind not in _NO_EVENTS:
        _describe_events(w, events_for({**obj, "kind": kind}, events), now)
    return w.render()
