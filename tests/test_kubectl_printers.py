"""``kubectl get`` output: durations, tabwriter layout, STATUS derivation, every table, and
``-o name|yaml|json`` -- compared with kubectl's own tests and with real output."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubesim.api import clock, resources
from kubesim.kubectl import formats, printers

DATA = Path(__file__).parent / "data" / "kubectl"
S = 10**9  # nanoseconds per second
MIN, HOUR, DAY, MS = 60 * S, 3600 * S, 86400 * S, 10**6


def _fixture(name: str) -> str:
    return (DATA / name).read_text()


# --------------------------------------------------------------------------------------------
# Durations: the cases of k8s.io/apimachinery/pkg/util/duration/duration_test.go
# --------------------------------------------------------------------------------------------

HUMAN_DURATION = [
    (S, "1s"), (70 * S, "70s"), (190 * S, "3m10s"), (70 * MIN, "70m"), (47 * HOUR, "47h"),
    (49 * HOUR, "2d1h"), ((8 * 24 + 2) * HOUR, "8d"), (367 * 24 * HOUR, "367d"),
    ((365 * 2 * 24 + 25) * HOUR, "2y1d"), ((365 * 8 * 24 + 2) * HOUR, "8y"),
    # TestHumanDurationBoundaries
    (-2 * S, "<invalid>"), (-2 * S + 1, "0s"), (0, "0s"), (S - MS, "0s"), (2 * MIN - MS, "119s"),
    (2 * MIN, "2m"), (2 * MIN + S, "2m1s"), (10 * MIN - MS, "9m59s"), (10 * MIN, "10m"),
    (10 * MIN + S, "10m"), (3 * HOUR - MS, "179m"), (3 * HOUR, "3h"), (3 * HOUR + MIN, "3h1m"),
    (8 * HOUR - MS, "7h59m"), (8 * HOUR, "8h"), (8 * HOUR + 59 * MIN, "8h"), (2 * DAY - MS, "47h"),
    (2 * DAY, "2d"), (2 * DAY + HOUR, "2d1h"), (8 * DAY - MS, "7d23h"), (8 * DAY, "8d"),
    (8 * DAY + 23 * HOUR, "8d"), (2 * 365 * DAY - MS, "729d"), (2 * 365 * DAY, "2y"),
    (2 * 365 * DAY + 23 * HOUR, "2y"), (2 * 365 * DAY + 23 * HOUR + 59 * MIN, "2y"),
    (2 * 365 * DAY + DAY - MS, "2y"), (2 * 365 * DAY + DAY, "2y1d"), (3 * 365 * DAY, "3y"),
    (4 * 365 * DAY, "4y"), (5 * 365 * DAY, "5y"), (6 * 365 * DAY, "6y"), (7 * 365 * DAY, "7y"),
    (8 * 365 * DAY - MS, "7y364d"), (8 * 365 * DAY, "8y"), (8 * 365 * DAY + 364 * DAY, "8y"),
    (9 * 365 * DAY, "9y"),
]

SHORT_HUMAN_DURATION = [
    (-2 * S, "<invalid>"), (-2 * S + 1, "0s"), (0, "0s"), (S - MS, "0s"), (S, "1s"), (2 * S - MS, "1s"),
    (MIN - MS, "59s"), (MIN, "1m"), (2 * MIN - MS, "1m"), (HOUR - MS, "59m"), (HOUR, "1h"),
    (2 * HOUR - MS, "1h"), (DAY - MS, "23h"), (DAY, "1d"), (2 * DAY - MS, "1d"), (365 * DAY - MS, "364d"),
    (365 * DAY, "1y"), (2 * 365 * DAY - MS, "1y"), (2 * 365 * DAY, "2y"),
]


@pytest.mark.parametrize("nanos, want", HUMAN_DURATION)
def test_human_duration(nanos, want):
    assert formats.human_duration_ns(nanos) == want


@pytest.mark.parametrize("nanos, want", SHORT_HUMAN_DURATION)
def test_short_human_duration(nanos, want):
    assert formats.short_human_duration_ns(nanos) == want


def test_human_duration_takes_float_seconds():
    assert formats.human_duration(125.0) == "2m5s"
    assert formats.human_duration(0.4) == "0s"
    assert formats.short_human_duration(3600.0) == "1h"


def test_age_of_an_object():
    obj = {"metadata": {"creationTimestamp": clock.timestamp(100)}}
    assert formats.age(obj, 100 + 3725) == "62m"
    assert formats.age({"metadata": {}}, 5) == "<unknown>"


# --------------------------------------------------------------------------------------------
# The tabwriter: cases of cli-runtime/pkg/printers/tableprinter_test.go
# --------------------------------------------------------------------------------------------


def _table(rows, header=True):
    lines = ([["NAME", "READY", "STATUS", "RETRIES", "AGE"]] if header else []) + rows
    return formats.tabwrite_get("".join("\t".join(r) + "\n" for r in lines))


ROWS = [["test1", "1/1", "podPhase", "5", "20h"], ["test2", "1/2", "podPhase", "30", "21h"],
        ["test3", "4/4", "podPhase", "1", "22h"]]


def test_tabwriter_matches_kubectl_table_printer():
    assert _table(ROWS[:1]) == "NAME    READY   STATUS     RETRIES   AGE\ntest1   1/1     podPhase   5         20h\n"
    assert _table(ROWS) == ("NAME    READY   STATUS     RETRIES   AGE\n"
                            "test1   1/1     podPhase   5         20h\n"
                            "test2   1/2     podPhase   30        21h\n"
                            "test3   4/4     podPhase   1         22h\n")


def test_tabwriter_minimum_width_shows_without_headers():
    # TestPrintTable_ColumnHeaders / NoHeaders: "5" still takes 6 columns (minwidth 6).
    assert _table(ROWS[:1], header=False) == "test1   1/1   podPhase   5     20h\n"
    assert _table(ROWS, header=False) == ("test1   1/1   podPhase   5     20h\n"
                                          "test2   1/2   podPhase   30    21h\n"
                                          "test3   4/4   podPhase   1     22h\n")


def test_tabwriter_aligns_runs_of_tabbed_lines_separately():
    text = "Name:\tweb\nLonger label:\tx\nSection:\n  a:\t1\n  bb:\t2\n"
    assert formats.tabwrite_describe(text) == ("Name:          web\nLonger label:  x\nSection:\n"
                                               "  a:   1\n  bb:  2\n")


def test_tabwriter_pads_empty_cells_and_never_the_last_cell():
    # minwidth 6: "A" and the empty cell both take 6 columns; "C"/"z" are never padded.
    assert formats.tabwrite_get("A\tB\tC\nx\t\tz\n") == "A     B     C\nx           z\n"
    assert formats.tabwrite_get("A\tB\nxyz\t\n") == "A     B\nxyz   \n"


# --------------------------------------------------------------------------------------------
# Pod STATUS / READY / RESTARTS: TestPrintPod and TestPrintPodWithRestartableInitContainer of
# k8s.io/kubernetes pkg/printers/internalversion/printers_test.go, as dicts.  "ago" times are
# relative to NOW.
# --------------------------------------------------------------------------------------------

NOW = 10_000.0


def _ago(seconds):
    return clock.timestamp(NOW - seconds)


def _cs(name="", ready=False, restarts=0, state=None, last_finished_ago=None, started=None):
    status = {"name": name, "ready": ready, "restartCount": restarts, "state": state or {}}
    if last_finished_ago is not None:
        status["lastState"] = {"terminated": {"finishedAt": _ago(last_finished_ago)}}
    if started is not None:
        status["started"] = started
    return status


RUNNING = {"running": {}}
WAITING = {"waiting": {}}


def _pod(containers=1, init=(), phase="podPhase", reason=None, statuses=(), init_statuses=(),
         conditions=(), deleted=False):
    pod = {"metadata": {"name": "p"},
           "spec": {"containers": [{"name": f"c{i}"} for i in range(containers)],
                    "initContainers": list(init)},
           "status": {"phase": phase, "containerStatuses": list(statuses),
                      "initContainerStatuses": list(init_statuses), "conditions": list(conditions)}}
    if reason:
        pod["status"]["reason"] = reason
    if deleted:
        pod["metadata"]["deletionTimestamp"] = _ago(10)
    return pod


SIDECARS = [{"name": "restartable-init-1", "restartPolicy": "Always"},
            {"name": "restartable-init-2", "restartPolicy": "Always"}]

POD_CASES = [
    ("ready/restarts add up", _pod(2, statuses=[_cs(ready=True, restarts=3, state=RUNNING), _cs(restarts=3)]),
     ("1/2", "podPhase", "6")),
    ("container waiting reason wins", _pod(2, statuses=[
        _cs(ready=True, restarts=3, state=RUNNING),
        _cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}})]),
     ("1/2", "ContainerWaitingReason", "6")),
    ("the first container's reason wins", _pod(2, statuses=[
        _cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}}),
        _cs(restarts=3, state={"terminated": {"reason": "ContainerTerminatedReason"}})]),
     ("0/2", "ContainerWaitingReason", "6")),
    ("ready is not running", _pod(2, statuses=[_cs(ready=True, restarts=3, state=RUNNING),
                                               _cs(ready=True, restarts=3)]),
     ("1/2", "podPhase", "6")),
    ("status.reason beats the phase", _pod(2, reason="podReason", statuses=[
        _cs(ready=True, restarts=3, state=RUNNING), _cs(ready=True, restarts=3)]),
     ("1/2", "podReason", "6")),
    ("completed + running, not Ready -> NotReady", _pod(2, phase="Running", statuses=[
        _cs(ready=True, restarts=3, state={"terminated": {"reason": "Completed", "exitCode": 0}}),
        _cs(ready=True, restarts=3, state=RUNNING)]),
     ("1/2", "NotReady", "6")),
    ("completed + running, Ready -> Running", _pod(2, phase="Running", conditions=[
        {"type": "Ready", "status": "True"}], statuses=[
        _cs(ready=True, restarts=3, state={"terminated": {"reason": "Completed", "exitCode": 0}}),
        _cs(ready=True, restarts=3, state=RUNNING)]),
     ("1/2", "Running", "6")),
    ("init container restarting", _pod(1, init=[{"name": ""}], init_statuses=[
        _cs(restarts=3, state=RUNNING, last_finished_ago=10)], statuses=[_cs(state=WAITING)]),
     ("0/1", "Init:0/1", "3 (10s ago)")),
    ("2 init containers, first restarting", _pod(1, init=[{"name": ""}, {"name": ""}], init_statuses=[
        _cs(restarts=3, state=RUNNING, last_finished_ago=10), _cs(state=WAITING)], statuses=[_cs(state=WAITING)]),
     ("0/1", "Init:0/2", "3 (10s ago)")),
    ("first init done, second restarting", _pod(1, init=[{"name": ""}, {"name": ""}], init_statuses=[
        _cs(state={"terminated": {}}), _cs(restarts=3, state=RUNNING, last_finished_ago=10)],
        statuses=[_cs(state=WAITING)]),
     ("0/1", "Init:1/2", "3 (10s ago)")),
    ("init restarts add up", _pod(1, init=[{"name": ""}, {"name": ""}], init_statuses=[
        _cs(restarts=2, state={"terminated": {}}, last_finished_ago=120),
        _cs(restarts=3, state=RUNNING, last_finished_ago=10)], statuses=[_cs(state=WAITING)]),
     ("0/1", "Init:1/2", "5 (10s ago)")),
    ("initialized: only container restarts count", _pod(1, phase="Running", init=[{"name": ""}], init_statuses=[
        _cs(restarts=2, state={"terminated": {}}, last_finished_ago=120)], statuses=[
        _cs(restarts=4, state=RUNNING, last_finished_ago=20)]),
     ("0/1", "Running", "4 (20s ago)")),
    ("restarted 5 days ago", _pod(1, phase="Running", statuses=[
        _cs(ready=True, restarts=3, state=RUNNING, last_finished_ago=5 * 86400)]),
     ("1/1", "Running", "3 (5d ago)")),
    ("the latest restart counts", _pod(2, phase="Running", statuses=[
        _cs(ready=True, state=RUNNING), _cs(ready=True, restarts=3, state=RUNNING, last_finished_ago=10 * 86400)]),
     ("2/2", "Running", "3 (10d ago)")),
    ("restarts of two containers", _pod(2, phase="Running", statuses=[
        _cs(ready=True, restarts=6, state=RUNNING, last_finished_ago=5 * 86400),
        _cs(ready=True, restarts=3, state=RUNNING, last_finished_ago=20 * 86400)]),
     ("2/2", "Running", "9 (5d ago)")),
    ("SchedulingGated", _pod(2, conditions=[{"type": "PodScheduled", "status": "False",
                                             "reason": "SchedulingGated"}]),
     ("0/2", "SchedulingGated", "0")),
    ("succeeded", _pod(1, phase="Succeeded", statuses=[
        _cs(state={"terminated": {"reason": "Completed", "exitCode": 0}})]),
     ("0/1", "Completed", "0")),
    ("failed", _pod(1, phase="Failed", statuses=[_cs(state={"terminated": {"reason": "Error", "exitCode": 1}})]),
     ("0/1", "Error", "0")),
    ("succeeded and deleted stays Completed", _pod(1, phase="Succeeded", deleted=True, statuses=[
        _cs(state={"terminated": {"reason": "Completed", "exitCode": 0}})]),
     ("0/1", "Completed", "0")),
    ("running and deleted", _pod(1, phase="Running", deleted=True, statuses=[_cs(state=RUNNING)]),
     ("0/1", "Terminating", "0")),
    ("pending and deleted", _pod(1, phase="Pending", deleted=True), ("0/1", "Terminating", "0")),
    # TestPrintPodWithRestartableInitContainer
    ("sidecar running, not started", _pod(1, phase="Pending", init=SIDECARS, init_statuses=[
        _cs("restartable-init-1", restarts=3, state=RUNNING, started=False, last_finished_ago=10),
        _cs("restartable-init-2", state=WAITING, started=False)], statuses=[_cs(state=WAITING)],
        conditions=[{"type": "Initialized", "status": "False"}]),
     ("0/3", "Init:0/2", "3 (10s ago)")),
    ("first sidecar started", _pod(1, phase="Pending", init=SIDECARS, init_statuses=[
        _cs("restartable-init-1", restarts=3, state=RUNNING, started=True, last_finished_ago=10),
        _cs("restartable-init-2", state=RUNNING, started=False)], statuses=[_cs(state=WAITING)],
        conditions=[{"type": "Initialized", "status": "False"}]),
     ("0/3", "Init:1/2", "3 (10s ago)")),
    ("sidecars started, container running", _pod(1, phase="Running", init=SIDECARS, init_statuses=[
        _cs("restartable-init-1", restarts=3, state=RUNNING, started=True, last_finished_ago=10),
        _cs("restartable-init-2", state=RUNNING, started=True)], statuses=[
        _cs(ready=True, restarts=4, state=RUNNING, last_finished_ago=20)],
        conditions=[{"type": "Initialized", "status": "True"}]),
     ("1/3", "Running", "7 (10s ago)")),
    ("sidecars failed, container completed", _pod(1, phase="Succeeded", init=SIDECARS, init_statuses=[
        _cs("restartable-init-1", restarts=3, state={"terminated": {"reason": "Error", "exitCode": 137}},
            started=False, last_finished_ago=10),
        _cs("restartable-init-2", state={"terminated": {"reason": "Error", "exitCode": 137}}, started=False)],
        statuses=[_cs(restarts=4, state={"terminated": {"reason": "Completed", "exitCode": 0}}, last_finished_ago=20)],
        conditions=[{"type": "Initialized", "status": "True"}]),
     ("0/3", "Completed", "7 (10s ago)")),
    ("statuses of unknown containers", _pod(1, phase="Running",
                                            init=[{"name": "init1"}, {"name": "sidecar1", "restartPolicy": "Always"}],
                                            init_statuses=[_cs("initinvalid"), _cs("init1"), _cs("sidecar1")],
                                            statuses=[_cs("containerinvalid"), _cs("container1")]),
     ("0/2", "Init:0/2", "0")),
    # kubesim's own additions: what learners meet most
    ("ContainerCreating", _pod(1, phase="Pending", statuses=[_cs(state={"waiting": {"reason": "ContainerCreating"}})]),
     ("0/1", "ContainerCreating", "0")),
    ("CrashLoopBackOff", _pod(1, phase="Running", statuses=[
        _cs(restarts=5, state={"waiting": {"reason": "CrashLoopBackOff"}}, last_finished_ago=40)]),
     ("0/1", "CrashLoopBackOff", "5 (40s ago)")),
    ("ImagePullBackOff", _pod(1, phase="Pending", statuses=[_cs(state={"waiting": {"reason": "ImagePullBackOff"}})]),
     ("0/1", "ImagePullBackOff", "0")),
    ("ErrImagePull", _pod(1, phase="Pending", statuses=[_cs(state={"waiting": {"reason": "ErrImagePull"}})]),
     ("0/1", "ErrImagePull", "0")),
    ("terminated by a signal", _pod(1, phase="Running", statuses=[
        _cs(state={"terminated": {"exitCode": 137, "signal": 9}})]), ("0/1", "Signal:9", "0")),
    ("terminated without a reason", _pod(1, phase="Running", statuses=[_cs(state={"terminated": {"exitCode": 2}})]),
     ("0/1", "ExitCode:2", "0")),
    ("init container crashing", _pod(1, phase="Pending", init=[{"name": "i"}], init_statuses=[
        _cs("i", restarts=2, state={"waiting": {"reason": "CrashLoopBackOff"}}, last_finished_ago=5)]),
     ("0/1", "Init:CrashLoopBackOff", "2 (5s ago)")),
    ("init container failed", _pod(1, phase="Pending", init=[{"name": "i"}], init_statuses=[
        _cs("i", state={"terminated": {"exitCode": 1, "reason": "Error"}})]), ("0/1", "Init:Error", "0")),
    ("init container exit code", _pod(1, phase="Pending", init=[{"name": "i"}], init_statuses=[
        _cs("i", state={"terminated": {"exitCode": 3}})]), ("0/1", "Init:ExitCode:3", "0")),
    ("PodInitializing is not a reason", _pod(1, phase="Pending", init=[{"name": "i"}], init_statuses=[
        _cs("i", state={"waiting": {"reason": "PodInitializing"}})]), ("0/1", "Init:0/1", "0")),
    ("node lost", {**_pod(1, phase="Running", reason="NodeLost", deleted=True)}, ("0/1", "Unknown", "0")),
]


@pytest.mark.parametrize("name, pod, want", POD_CASES, ids=[c[0] for c in POD_CASES])
def test_pod_ready_status_restarts(name, pod, want):
    summary = printers.summarize_pod(pod)
    assert (f"{summary.ready}/{summary.total}", summary.status, summary.restarts_cell(NOW)) == want


def test_pod_wide_columns():
    # TestPrintPodwide: first podIP, nominated node, readiness gates counted.
    pod = _pod(2, statuses=[_cs(ready=True, restarts=3, state=RUNNING), _cs(restarts=3)])
    pod["spec"]["nodeName"] = "test1"
    pod["spec"]["readinessGates"] = [{"conditionType": c} for c in ("condition1", "condition2", "condition3")]
    pod["status"].update(podIPs=[{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}], nominatedNodeName="node1",
                         conditions=[{"type": "condition1", "status": "False"},
                                     {"type": "condition2", "status": "True"}])
    _, rows = printers.table_rows(resources.for_kind("Pod"), [pod], NOW, wide=True)
    assert rows == [["p", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"]]


# --------------------------------------------------------------------------------------------
# Smaller cells
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("conditions, unschedulable, want", [
    ([{"type": "Ready", "status": "True"}], False, "Ready"),
    ([{"type": "Ready", "status": "False"}], False, "NotReady"),
    ([{"type": "Ready", "status": "Unknown"}], False, "NotReady"),
    ([{"type": "MemoryPressure", "status": "False"}], False, "Unknown"),
    ([], True, "Unknown,SchedulingDisabled"),
    ([{"type": "Ready", "status": "True"}], True, "Ready,SchedulingDisabled"),
])
def test_node_status(conditions, unschedulable, want):
    node = {"spec": {"unschedulable": unschedulable}, "status": {"conditions": conditions}}
    assert printers.node_status(node) == want


def test_node_roles():
    labels = {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "",
              "kubernetes.io/role": "etcd", "kubernetes.io/hostname": "cp"}
    assert printers.node_roles({"metadata": {"labels": labels}}) == ["control-plane", "etcd"]
    assert printers.node_roles({"metadata": {}}) == []


@pytest.mark.parametrize("spec, status, want_ip, want_ports", [
    ({"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}]}, {}, "<none>", "80/TCP"),
    ({"type": "ClusterIP", "externalIPs": ["1.2.3.4", "5.6.7.8"]}, {}, "1.2.3.4,5.6.7.8", "<none>"),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                                     {"port": 53, "protocol": "UDP"}]}, {}, "<none>", "80:30080/TCP,53/UDP"),
    ({"type": "LoadBalancer"}, {}, "<pending>", "<none>"),
    ({"type": "LoadBalancer"}, {"loadBalancer": {"ingress": [{"ip": "9.9.9.9"}, {"hostname": "lb.example"}]}},
     "9.9.9.9,lb.example", "<none>"),
    ({"type": "LoadBalancer", "externalIPs": ["1.2.3.4"]}, {"loadBalancer": {"ingress": [{"ip": "9.9.9.9"}]}},
     "9.9.9.9,1.2.3.4", "<none>"),
    ({"type": "ExternalName", "externalName": "db.example.com"}, {}, "db.example.com", "<none>"),
])
def test_service_external_ip_and_ports(spec, status, want_ip, want_ports):
    svc = {"metadata": {"name": "s"}, "spec": spec, "status": status}
    _, rows = printers.table_rows(resources.for_kind("Service"), [svc], 0)
    assert rows[0][3:5] == [want_ip, want_ports]


def test_endpoints_list_the_first_three():
    ep = {"subsets": [{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 5)],
                       "ports": [{"port": 80}, {"port": 443}]}]}
    assert printers.format_endpoints(ep) == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 5 more..."
    assert printers.format_endpoints({"subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]}) \
        == "[fd00::1]:80"
    assert printers.format_endpoints({}) == "<none>"


def test_event_row_of_new_events_api_and_series():
    event = {"metadata": {"name": "e"}, "involvedObject": {"kind": "Node", "name": "worker-1"},
             "eventTime": clock.timestamp(NOW - 300), "type": "Normal", "reason": "RegisteredNode",
             "message": "  registered \n", "reportingComponent": "node-controller",
             "series": {"count": 4, "lastObservedTime": clock.timestamp(NOW - 30)}}
    _, rows = printers.table_rows(resources.for_kind("Event"), [event], NOW, wide=True)
    assert rows == [["30s", "Normal", "RegisteredNode", "node/worker-1", "", "node-controller",
                     "registered", "5m", "4", "e"]]


def test_cells_cut_at_line_breaks_and_escape_terminals():
    cm = {"metadata": {"name": "a\x1b[31mb"}}
    assert printers.table_rows(resources.for_kind("ConfigMap"), [cm], 0)[1][0][0] == "a^[[31mb"
    event = {"metadata": {"name": "e"}, "message": "line one\nline two", "involvedObject": {"kind": "Pod"}}
    assert printers.table_rows(resources.for_kind("Event"), [event], 0)[1][0][4] == "line one..."


# --------------------------------------------------------------------------------------------
# Whole tables of the hand-made cluster (tests/data/kubectl/cluster.yaml)
# --------------------------------------------------------------------------------------------

CLUSTER = yaml.safe_load((DATA / "cluster.yaml").read_text())


def _objects(kind, namespace="default"):
    rt = resources.for_kind(kind)
    found = [o for o in CLUSTER["objects"] if o["kind"] == kind
             and (namespace is None or not rt.namespaced or o["metadata"].get("namespace") == namespace)]
    random.Random(kind).shuffle(found)  # the printer sorts like the API server
    return found


TABLES = {
    "get_pods": ("Pod", "default", {}),
    "get_pods_wide": ("Pod", "default", {"wide": True}),
    "get_pods_all_namespaces_labels": ("Pod", None, {"all_namespaces": True, "show_labels": True}),
    "get_pods_no_headers": ("Pod", "default", {"no_headers": True}),
    "get_nodes": ("Node", None, {}),
    "get_nodes_wide": ("Node", None, {"wide": True}),
    "get_namespaces": ("Namespace", None, {}),
    "get_deployments_wide": ("Deployment", "default", {"wide": True}),
    "get_replicasets": ("ReplicaSet", "default", {}),
    "get_services_wide": ("Service", "default", {"wide": True}),
    "get_events": ("Event", "default", {}),
    "get_events_wide": ("Event", "default", {"wide": True}),
    "get_configmaps": ("ConfigMap", "default", {}),
    "get_secrets": ("Secret", "default", {}),
    "get_serviceaccounts": ("ServiceAccount", "default", {}),
    "get_roles": ("Role", "default", {}),
    "get_rolebindings_wide": ("RoleBinding", "default", {"wide": True}),
    "get_resourcequotas": ("ResourceQuota", "default", {}),
    "get_priorityclasses": ("PriorityClass", None, {}),
    "get_leases": ("Lease", "kube-node-lease", {}),
    "get_networkpolicies": ("NetworkPolicy", "default", {}),
    "get_endpoints": ("Endpoints", "default", {}),
    "get_endpointslices": ("EndpointSlice", "default", {}),
}


@pytest.mark.parametrize("name", TABLES)
def test_get_table(name):
    kind, namespace, options = TABLES[name]
    text = printers.print_table(resources.for_kind(kind), _objects(kind, namespace), CLUSTER["now"], **options)
    assert text == _fixture(name + ".txt")


def test_real_get_pods():
    """``kubectl get pods -n linkding`` as printed by a real cluster (see test_kubectl_describe)."""
    pod = yaml.safe_load((DATA / "real_describe_pod_v1.33.yaml").read_text())["pod"]
    now = formats.sim_seconds("2026-01-31T11:29:42Z")  # 3m27s after the pod was created
    assert printers.print_table(resources.for_kind("Pod"), [pod], now) == _fixture("real_get_pods_v1.33.txt")


def test_nothing_found():
    pods, nodes = resources.for_kind("Pod"), resources.for_kind("Node")
    assert printers.print_table(pods, [], 0) == "No resources found in default namespace.\n"
    assert printers.print_table(pods, [], 0, namespace="shop") == "No resources found in shop namespace.\n"
    assert printers.print_table(pods, [], 0, all_namespaces=True) == "No resources found\n"
    assert printers.print_table(nodes, [], 0) == "No resources found\n"


def test_all_namespaces_does_not_add_a_column_to_cluster_scoped_kinds():
    text = printers.print_table(resources.for_kind("Node"), _objects("Node", None), CLUSTER["now"],
                                all_namespaces=True)
    assert text == _fixture("get_nodes.txt")


def test_with_kind_prefixes_the_name_column():
    # cli-runtime tableprinter_test.go TestPrintTable_WithKind; kubectl get pods,deploy
    text = printers.print_table(resources.for_kind("Deployment"), _objects("Deployment"), CLUSTER["now"],
                                with_kind=True)
    assert text.splitlines()[1].startswith("deployment.apps/web-app   2/3")


# --------------------------------------------------------------------------------------------
# -o name, -o yaml, -o json
# --------------------------------------------------------------------------------------------


def test_output_name():
    assert printers.print_name(resources.for_kind("Pod"), _objects("Pod")) == _fixture("get_pods_name.txt")
    assert printers.print_name(resources.for_kind("NetworkPolicy"), _objects("NetworkPolicy")) \
        == "networkpolicy.networking.k8s.io/default-deny\n"


def test_named_objects_keep_their_order():
    pods = [o for o in _objects("Pod") if o["metadata"]["name"] in ("old-web", "bad-image")]
    pods.sort(key=lambda o: o["metadata"]["name"], reverse=True)
    text = printers.print_table(resources.for_kind("Pod"), pods, CLUSTER["now"], keep_order=True)
    assert [line.split()[0] for line in text.splitlines()] == ["NAME", "old-web", "bad-image"]
    assert printers.print_name(resources.for_kind("Pod"), pods, keep_order=True) == "pod/old-web\npod/bad-image\n"


def test_output_yaml_single_and_list():
    dep = _objects("Deployment")
    assert printers.print_yaml(dep, single=True) == _fixture("get_deployment_web-app_yaml.txt")
    assert printers.print_yaml(_objects("ConfigMap"), single=False) == _fixture("get_configmaps_yaml.txt")
    mixed = printers.print_yaml(_objects("Secret") + _objects("ConfigMap"), single=False)
    assert mixed.index("kind: Secret") < mixed.index("kind: ConfigMap")  # kinds in the order asked
    event = [o for o in _objects("Event") if "xyz99" in o["metadata"]["name"]]
    assert printers.print_yaml(event, single=True) == _fixture("get_event_yaml.txt")
    assert printers.print_yaml([], single=False) == 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'


def test_output_json_single_and_list():
    services = sorted((o for o in _objects("Service") if o["metadata"]["name"] in ("web", "kubernetes")),
                      key=printers.sort_key)
    assert printers.print_json(services, single=False) == _fixture("get_services_json.txt")
    assert printers.print_json(_objects("Secret"), single=True) == _fixture("get_secret_json.txt")
    assert json.loads(_fixture("get_services_json.txt"))["kind"] == "List"


# go-yaml v2 marshalling: sigs.k8s.io/yaml goyaml.v2/encode_test.go (marshalTests, TestLineWrapping)
YAML_CASES = [
    ({"v": "hi"}, "v: hi\n"), ({"v": "true"}, 'v: "true"\n'), ({"v": "false"}, 'v: "false"\n'),
    ({"v": True}, "v: true\n"), ({"v": 10}, "v: 10\n"), ({"v": -10}, "v: -10\n"), ({"v": "10"}, 'v: "10"\n'),
    ({"v": 0.1}, "v: 0.1\n"), ({"v": -0.1}, "v: -0.1\n"), ({"v": float("inf")}, "v: .inf\n"),
    ({"v": None}, "v: null\n"), ({"v": ""}, 'v: ""\n'), ({"v": ["A", "B"]}, "v:\n- A\n- B\n"),
    ({"v": ["A", "B\nC"]}, "v:\n- A\n- |-\n  B\n  C\n"),
    ({"v": ["A", 1, {"B": [2, 3]}]}, "v:\n- A\n- 1\n- B:\n  - 2\n  - 3\n"),
    ({"a": {"b": "c"}}, "a:\n  b: c\n"), ({"a": "-"}, "a: '-'\n"), ({}, "{}\n"),
    ({"a": "<foo>"}, "a: <foo>\n"), ({"a": "1:1"}, 'a: "1:1"\n'), ({"a": "\x00"}, 'a: "\\0"\n'),
    ({"a": "你好"}, "a: 你好\n"), ({"a": "2015-02-24T18:19:39Z"}, 'a: "2015-02-24T18:19:39Z"\n'),
    ({"a": "b: c"}, "a: 'b: c'\n"), ({"a": "Hello #comment"}, "a: 'Hello #comment'\n"),
    ({"a": "你好 #comment"}, "a: '你好 #comment'\n"),
    ({"data": {"A1": "0x0000000000000000000000010000000000000000", "A3": "1234",
               "A4": 18446744073709551616}},
     'data:\n  A1: "0x0000000000000000000000010000000000000000"\n  A3: "1234"\n  A4: 18446744073709551616\n'),
    ({"a": "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz "
           "ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 "},
     "a: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz\n"
     "  ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 '\n"),
    # YAML 1.1 words go-yaml v2 would read back as booleans, and other look-alikes
    ({"a": "yes", "b": "n", "c": "On", "d": "~", "e": "1e3", "f": ".5", "g": "0x1F", "h": "v1.33"},
     'a: "yes"\nb: "n"\nc: "On"\nd: "~"\ne: "1e3"\nf: ".5"\ng: "0x1F"\nh: v1.33\n'),
    ({"a": "10.244.1.5", "b": "nginx:1.27", "c": "100m", "d": "1Gi", "e": "0.5", "f": "2025-01-01"},
     'a: 10.244.1.5\nb: nginx:1.27\nc: 100m\nd: 1Gi\ne: "0.5"\nf: "2025-01-01"\n'),
    ({"a": "line\n"}, "a: |\n  line\n"), ({"a": "  indented\n"}, "a: |2\n    indented\n"),
    ({"a": "x\n\n"}, "a: |+\n  x\n\n"), ({"a": "tab\there"}, 'a: "tab\\there"\n'),
    ({"a": "trailing \nspace"}, 'a: "trailing \\nspace"\n'),
]


@pytest.mark.parametrize("value, want", YAML_CASES)
def test_yaml_like_go_yaml_v2(value, want):
    assert formats.to_yaml(value) == want


def test_yaml_key_order_like_go_yaml():
    # goyaml.v2 encode_test.go TestSortedOutput (its string keys)
    order = ["", ".1", ".2", ".a", "1", "2", "a!10", "a/0001", "a/002", "a/3", "a/10", "a/11", "a/0012",
             "a/100", "a~10", "ab/1", "b/1", "b/01", "b/2", "b/02", "b/3", "b/03", "b1", "b01", "b3",
             "c2.10", "c10.2", "d1", "d7", "d7abc", "d12", "d12a"]
    shuffled = order[:]
    random.Random(7).shuffle(shuffled)
    assert formats.yaml_sorted_keys(dict.fromkeys(shuffled)) == order


@pytest.mark.parametrize("value, want", [
    ({"a": "<b> & c"}, '{\n    "a": "\\u003cb\\u003e \\u0026 c"\n}\n'),
    ({"z": 1, "a": [True, None, 1.5]}, '{\n    "a": [\n        true,\n        null,\n        1.5\n    ],\n    "z": 1\n}\n'),
    ({"e": {}, "l": [], "n": 3.0, "t": "tab\tquote\"\x01"},
     '{\n    "e": {},\n    "l": [],\n    "n": 3,\n    "t": "tab\\tquote\\"\\u0001"\n}\n'),
])
def test_json_like_go_encoding_json(value, want):
    assert formats.to_json(value) == want


@pytest.mark.parametrize("f, g, j", [
    (0.5, "0.5", "0.5"), (1500000.5, "1.5000005e+06", "1500000.5"), (1e-07, "1e-07", "1e-7"),
    (123456.25, "123456.25", "123456.25"), (0.0001, "0.0001", "0.0001"), (0.00001, "1e-05", "0.00001"),
    (1e21, "1e+21", "1e+21"),
])
def test_go_float_formats(f, g, j):
    assert formats.go_format_float_g(f) == g
    assert formats.go_json_float(f) == j


# Whatever the data, the YAML and JSON kubesim prints read back as the same data.  (Keys and
# text avoid "_": go-yaml and PyYAML disagree about underscores in numbers such as ".0_".)
_TEXT = st.text(alphabet="abyXZ0129 -:./#'\"\n\t,[]{}&*!|>%@`?~\u00e9\u4f60", max_size=30)
_KEYS = st.text(alphabet="abXZ09-./", min_size=1, max_size=12)
_DATA = st.dictionaries(_KEYS, st.recursive(
    st.one_of(_TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20),
    max_size=5)


@settings(max_examples=300, deadline=None)
@given(_DATA)
def test_yaml_reads_back(data):
    assert yaml.safe_load(formats.to_yaml(data)) == data


@settings(max_examples=300, deadline=None)
@given(_DATA)
def test_json_reads_back(data):
    assert json.loads(formats.to_json(data)) == data
