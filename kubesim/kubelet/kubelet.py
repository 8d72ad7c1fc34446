"""kubelet: the node agent.  It makes the container runtime run the Pods bound to its node.

* At start it registers its Node (capacity, allocatable, conditions, addresses) and then
  renews a Lease in ``kube-node-lease`` every 10 s — the heartbeat the node lifecycle
  controller watches.
* It watches only the Pods whose ``spec.nodeName`` is its node (a field selector), and
  runs one *pod worker* per Pod: sandbox (network namespace, Pod IP), image pull,
  create, start — each step an Event — and reports every change of the Pod's status.
* When a Pod is deleted it stops the containers (SIGTERM, SIGKILL after the grace
  period) and then removes the Pod object for good.
* A container that exits is restarted per ``restartPolicy`` with the CrashLoopBackOff
  delay: at once the first time, then 10 s, doubling, at most 5 minutes; a container that
  ran for more than 10 minutes since its last restart starts the sequence again.

kubelet reaches the runtime through the CRI on its own node (a local call, not the
network), and everything else only through the API server.
"""
from __future__ import annotations

import ipaddress

from ..api import clock
from ..api.podutil import set_condition
from ..client import APIClient
from ..component import Component
from ..errors import StatusError
from ..events import EventRecorder
from ..informers import Informer, key_of
from ..runtime import ContainerRuntime, ImagePullError, normalize_image
from ..util import deep_copy
from . import prober

KUBELET_VERSION = "v1.33.0"
LEASE_RENEW_INTERVAL = 10.0        # nodeLeaseDurationSeconds (40) x 0.25
LEASE_DURATION = 40
LEASE_RETRY_INITIAL, LEASE_RETRY_MAX = 0.2, 7.0   # pkg/kubelet/nodelease back-off
NODE_STATUS_UPDATE_FREQUENCY = 10.0       # how often kubelet computes node status
NODE_STATUS_REPORT_FREQUENCY = 300.0      # how often it reports an unchanged one
BACKOFF_INITIAL, BACKOFF_MAX = 10.0, 300.0   # container restart and image pull back-off
EVICTION_HARD_MEMORY = 100 * 1024 * 1024     # evictionHard memory.available<100Mi



def restart_backoff_steps(previous: tuple[int, float] | None, finished_at: float) -> int:
    """How many back-off steps a container that exited at ``finished_at`` is at.

    ``previous`` is ``(steps, restarted_at)`` from its last restart, or None.  0 means
    restart at once; n ≥ 1 means wait ``10 s · 2^(n−1)`` (capped at 5 min).  Like kubelet's
    flowcontrol.Backoff (pkg/kubelet/kuberuntime doBackOff): an entry older than twice the
    maximum back-off (10 minutes) has expired, so a container that ran that long starts over.
    """
    if previous is None:
        return 0
    steps, restarted_at = previous
    if finished_at - restarted_at > 2 * BACKOFF_MAX:
        return 0
    return steps


class Kubelet(Component):
    """kubelet on one node; ``node_spec`` describes the machine it runs on."""

    plane = "data"

    def __init__(self, sim, name: str, host: str, choose_server, node_spec: dict):
        super().__init__(sim, name, host)
        self.node_name = host
        self.node_spec = node_spec
        self.client = APIClient(self, f"system:node:{host}", ("system:nodes",), choose_server)
        self.runtime = ContainerRuntime(self.env, host, sim.rng(f"containerd/{host}"))

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start (or restart) kubelet.  Containers that kept running while only the kubelet
        process was down are adopted again, as kubelet does by listing them over the CRI."""
        super().start()
        self.client.reset()
        self.recorder = EventRecorder(self, self.client, "kubelet", self.node_name)
        self.workers: dict[str, dict] = {}
        self.pods = Informer(self, self.client, "pods",
                             field_selector=f"spec.nodeName={self.node_name}")
        self.pods.add_handlers(self._pod_event, lambda old, new: self._pod_event(new),
                               self._pod_deleted)
        self.run(self._register())

    def machine_down(self) -> None:
        """The whole node went down: its containers are gone with it."""
        self.runtime.reset()

    def on_message(self, src, msg) -> None:
        self.client.handle(msg)

    # ------------------------------------------------------------------ node registration
    def node_object(self) -> dict:
        spec = self.node_spec
        mem = spec["memory_bytes"]
        capacity = {"cpu": str(spec["cpu"]), "memory": f"{mem // 1024}Ki",
                    "pods": str(spec.get("pods", 110)), "ephemeral-storage": "102400Mi"}
        allocatable = dict(capacity, memory=f"{(mem - EVICTION_HARD_MEMORY) // 1024}Ki")
        now = clock.timestamp(self.env.now)
        conditions = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        return {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": self.node_name, "labels": dict(spec["labels"]),
                         "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                         "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
            "spec": {"podCIDR": spec["pod_cidr"], "podCIDRs": [spec["pod_cidr"]],
                     **({"taints": deep_copy(spec["taints"])} if spec.get("taints") else {})},
            "status": {
                "capacity": capacity, "allocatable": allocatable,
                "conditions": [{"type": t, "status": s, "reason": r, "message": m,
                                "lastHeartbeatTime": now, "lastTransitionTime": now}
                               for t, s, r, m in conditions],
                "addresses": [{"type": "InternalIP", "address": spec["ip"]},
                              {"type": "Hostname", "address": self.node_name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux",
                             "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "kernelVersion": "6.1.0-28-amd64",
                             "containerRuntimeVersion": self.runtime.runtime_version,
                             "kubeletVersion": KUBELET_VERSION, "kubeProxyVersion": "",
                             "bootID": f"{self.rng.getrandbits(128):032x}",
                             "machineID": f"{self.rng.getrandbits(128):032x}",
                             "systemUUID": f"{self.rng.getrandbits(128):032x}"},
            },
        }

    def _register(self):
        """Register the Node (or refresh it after a restart), then heartbeat forever."""
        while True:
            node = self.node_object()
            try:
                yield self.client.create("nodes", node)
                self.record(f"registered node {self.node_name}", target=self.node_name)
                break
            except StatusError as err:
                if err.reason == "AlreadyExists":
                    try:
                        yield from self._post_node_status(node)
                        break
                    except StatusError:
                        pass
                yield self.env.timeout(1.0 + self.rng.random())
        self.recorder.event({"kind": "Node", "apiVersion": "v1",
                             "metadata": {"name": self.node_name, "uid": self.node_name}},
                            "Normal", "Starting", "Starting kubelet.")
        self.pods.start()
        self.run(self._heartbeat())
        self.run(self._node_status_loop())

    def _post_node_status(self, node: dict):
        current = yield self.client.get("nodes", self.node_name)
        current["status"] = node["status"]
        yield self.client.update("nodes", current, subresource="status")

    def _node_status_loop(self):
        """Every 10 s compare the Node's stored conditions with what kubelet sees, and report
        when they differ or 5 minutes have passed (nodeStatusUpdateFrequency /
        nodeStatusReportFrequency) — this is how a node marked Unknown by the node lifecycle
        controller becomes Ready again once kubelet can reach the API server."""
        last_report = self.env.now
        while True:
            yield self.env.timeout(NODE_STATUS_UPDATE_FREQUENCY)
            try:
                current = yield self.client.get("nodes", self.node_name)
            except StatusError:
                continue
            stored = {c["type"]: c.get("status") for c in current.get("status", {}).get("conditions") or []}
            seen = {c["type"]: c["status"] for c in self.node_object()["status"]["conditions"]}
            if stored == seen and self.env.now - last_report < NODE_STATUS_REPORT_FREQUENCY:
                continue
            current["status"] = self.node_object()["status"]
            try:
                yield self.client.update("nodes", current, subresource="status")
                last_report = self.env.now
            except StatusError:
                pass

    def _heartbeat(self):
        lease_ns = "kube-node-lease"
        backoff = LEASE_RETRY_INITIAL
        while True:
            now = clock.micro_timestamp(self.env.now)     # renewTime is a MicroTime
            lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                     "metadata": {"name": self.node_name, "namespace": lease_ns},
                     "spec": {"holderIdentity": self.node_name,
                              "leaseDurationSeconds": LEASE_DURATION, "renewTime": now}}
            failed = False
            try:
                current = yield self.client.get("leases", self.node_name, namespace=lease_ns)
                current["spec"]["renewTime"] = now
                yield self.client.update("leases", current)
            except StatusError as err:
                failed = True
                if err.reason == "NotFound":
                    try:
                        yield self.client.create("leases", lease, namespace=lease_ns)
                        failed = False
                    except StatusError:
                        pass
            renewed = not failed
            if renewed:
                backoff = LEASE_RETRY_INITIAL
                yield self.env.timeout(LEASE_RENEW_INTERVAL)
            else:
                # controller.go backoffEnsureLease: retry soon, doubling up to 7 s
                yield self.env.timeout(backoff)
                backoff = min(backoff * 2, LEASE_RETRY_MAX)

    # ------------------------------------------------------------------ pod workers
    def _pod_event(self, pod: dict) -> None:
        key = key_of(pod)
        worker = self.workers.get(key)
        if worker is None:
            if pod["metadata"].get("deletionTimestamp") and not pod.get("status", {}).get("podIP"):
                # Never started here: nothing to stop, just confirm the deletion.
                self.workers[key] = {"changed": self.env.event(), "containers": {}}
                self.run(self._finish_deletion(pod))
                return
            worker = {"changed": self.env.event(), "containers": {}, "sandbox": None}
            self.workers[key] = worker
            self.run(self._pod_worker(key))
        elif not worker["changed"].triggered:
            worker["changed"].succeed()

    def _pod_deleted(self, pod: dict) -> None:
        worker = self.workers.get(key_of(pod))
        if worker is not None and not worker["changed"].triggered:
            worker["changed"].succeed()

    def _pod_worker(self, key: str):
        worker = self.workers[key]
        pod = self.pods.get(key)
        if pod is None:
            return
        sandbox = self.runtime.sandboxes.get(pod["metadata"]["uid"])
        if sandbox is not None:
            self._adopt(pod, worker, sandbox)
            yield from self._post_pod_status(pod, worker)
        else:
            yield from self._start_pod(pod, worker)
        while True:
            pod = self.pods.get(key)
            if pod is None:
                self._kill_quietly(worker)
                self.workers.pop(key, None)
                return
            if pod["metadata"].get("deletionTimestamp"):
                yield from self._terminate(pod, worker)
                self.workers.pop(key, None)
                return
            exits = [c.exited for c in worker["containers"].values()
                     if c.exited is not None and not c.exited.triggered]
            worker["changed"] = self.env.event()
            yield self.env.any_of([worker["changed"], *exits])
            yield from self._handle_exits(pod, worker)

    def _allocate_ip(self) -> str:
        """The next free address of the node's Pod CIDR (the host-local IPAM plugin's job)."""
        net = ipaddress.ip_network(self.node_spec["pod_cidr"])
        ip = str(net.network_address + self.runtime.next_ip)
        self.runtime.next_ip += 1
        return ip

    def _adopt(self, pod: dict, worker: dict, sandbox) -> None:
        """Take over a Pod whose containers survived a kubelet restart."""
        status = pod.get("status", {})
        previous = {cs["name"]: cs for cs in status.get("containerStatuses") or []}
        worker.update(sandbox=sandbox, ip=sandbox.ip, start_time=status.get("startTime"),
                      containers=dict(sandbox.containers), probes={}, last={}, states={},
                      restarts={})
        for spec in pod["spec"]["containers"]:
            name = spec["name"]
            c = sandbox.containers.get(name)
            worker["restarts"][name] = previous.get(name, {}).get("restartCount", 0)
            worker["last"][name] = previous.get(name, {}).get("lastState", {})
            if c is not None and c.exit_code is None:
                worker["states"][name] = {"running": {"startedAt": clock.timestamp(c.started_at)}}
            else:
                worker["states"][name] = previous.get(name, {}).get(
                    "state", {"waiting": {"reason": "ContainerCreating"}})
            worker["probes"][name] = prober.initial_results(spec)
            if c is not None and c.exit_code is None:
                for kind in prober.KINDS:
                    if spec.get(f"{kind}Probe"):
                        self.run(prober.run_prober(self, pod, spec, c, worker, kind))

    def _start_pod(self, pod: dict, worker: dict):
        name = pod["metadata"]["name"]
        containers = pod["spec"]["containers"]
        worker["start_time"] = clock.timestamp(self.env.now)
        worker["states"] = {c["name"]: {"waiting": {"reason": "ContainerCreating"}} for c in containers}
        worker["restarts"] = {c["name"]: 0 for c in containers}
        worker["last"] = {}
        yield from self._post_pod_status(pod, worker)
        ip = self._allocate_ip()
        worker["sandbox"] = yield from self.runtime.run_pod_sandbox(pod, ip)
        worker["ip"] = ip
        self.record(f"sandbox ready for {name} (IP {ip})", target=name, pod=key_of(pod), ip=ip)
        for spec in containers:
            ok = yield from self._pull(pod, spec, worker)
            if not ok:
                continue
            yield from self._run_container(pod, spec, worker)
        yield from self._post_pod_status(pod, worker)

    def _pull(self, pod: dict, spec: dict, worker: dict):
        """Pull ``spec.image`` per its imagePullPolicy; False while it cannot be pulled."""
        image = spec["image"]
        field = f"spec.containers{{{spec['name']}}}"
        policy = spec.get("imagePullPolicy", "IfNotPresent")
        if policy == "Never" or (policy == "IfNotPresent" and self.runtime.image_present(image)):
            self.recorder.event(pod, "Normal", "Pulled",
                                f'Container image "{image}" already present on machine', field)
            return True
        delay = BACKOFF_INITIAL
        while True:
            self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image}"', field)
            try:
                size, took = yield from self.runtime.pull_image(image)
            except ImagePullError as err:
                self.recorder.event(pod, "Warning", "Failed",
                                    f'Failed to pull image "{image}": {err}', field)
                self.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", field)
                worker["states"][spec["name"]] = {"waiting": {"reason": "ErrImagePull",
                                                              "message": str(err)}}
                yield from self._post_pod_status(pod, worker)
                yield self.env.timeout(1.0)
                worker["states"][spec["name"]] = {"waiting": {
                    "reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}}
                self.recorder.event(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', field)
                self.recorder.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", field)
                yield from self._post_pod_status(pod, worker)
                yield self.env.timeout(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                current = self.pods.get(key_of(pod))
                if current is None or current["metadata"].get("deletionTimestamp"):
                    return False
                continue
            self.recorder.event(pod, "Normal", "Pulled",
                                f'Successfully pulled image "{image}" in {took:.3f}s '
                                f'({took:.3f}s including waiting). Image size: {size} bytes.', field)
            return True

    def _run_container(self, pod: dict, spec: dict, worker: dict):
        field = f"spec.containers{{{spec['name']}}}"
        c = yield from self.runtime.create_container(worker["sandbox"], spec)
        self.recorder.event(pod, "Normal", "Created", f"Created container: {spec['name']}", field)
        yield from self.runtime.start_container(c, spec, worker.get("ip", ""))
        self.recorder.event(pod, "Normal", "Started", f"Started container {spec['name']}", field)
        worker["containers"][spec["name"]] = c
        worker["states"][spec["name"]] = {"running": {"startedAt": clock.timestamp(c.started_at)}}
        worker.setdefault("probes", {})[spec["name"]] = prober.initial_results(spec)
        for kind in prober.KINDS:
            if spec.get(f"{kind}Probe"):
                self.run(prober.run_prober(self, pod, spec, c, worker, kind))

    def _handle_exits(self, pod: dict, worker: dict):
        policy = pod["spec"].get("restartPolicy", "Always")
        for spec in pod["spec"]["containers"]:
            c = worker["containers"].get(spec["name"])
            if c is None or c.exit_code is None or "running" not in worker["states"][spec["name"]]:
                continue   # still running, or already handled
            terminated = {"exitCode": c.exit_code,
                          "reason": "Completed" if c.exit_code == 0 else "Error",
                          "startedAt": clock.timestamp(c.started_at),
                          "finishedAt": clock.timestamp(c.finished_at),
                          "containerID": f"containerd://{c.id}"}
            restart = policy == "Always" or (policy == "OnFailure" and c.exit_code != 0)
            if not restart:
                worker["states"][spec["name"]] = {"terminated": terminated}
                continue
            worker["last"][spec["name"]] = {"terminated": terminated}
            n = worker["restarts"][spec["name"]]
            steps = restart_backoff_steps(worker.setdefault("backoff", {}).get(spec["name"]),
                                          c.finished_at)
            if steps:
                delay = min(BACKOFF_INITIAL * 2 ** (steps - 1), BACKOFF_MAX)
                field = f"spec.containers{{{spec['name']}}}"
                worker["states"][spec["name"]] = {"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off {_go_duration(delay)} restarting failed "
                               f"container={spec['name']} pod={pod['metadata']['name']}_"
                               f"{pod['metadata']['namespace']}({pod['metadata']['uid']})"}}
                self.recorder.event(pod, "Warning", "BackOff",
                                    "Back-off restarting failed container "
                                    f"{spec['name']} in pod {pod['metadata']['name']}_"
                                    f"{pod['metadata']['namespace']}({pod['metadata']['uid']})", field)
                yield from self._post_pod_status(pod, worker)
                yield self.env.timeout(delay)
            worker["backoff"][spec["name"]] = (steps + 1, self.env.now)
            worker["restarts"][spec["name"]] = n + 1
            current = self.pods.get(key_of(pod))
            if current is None or current["metadata"].get("deletionTimestamp"):
                return
            if (yield from self._pull(current, spec, worker)):
                yield from self._run_container(current, spec, worker)
        yield from self._post_pod_status(pod, worker)

    def _kill_quietly(self, worker: dict) -> None:
        for c in worker["containers"].values():
            if c.process is not None and c.process.is_alive:
                c.process.interrupt("SIGKILL")

    def _terminate(self, pod: dict, worker: dict):
        grace = pod["metadata"].get("deletionGracePeriodSeconds",
                                    pod["spec"].get("terminationGracePeriodSeconds", 30))
        stops = []
        for name, c in worker["containers"].items():
            self.recorder.event(pod, "Normal", "Killing", f"Stopping container {name}",
                                f"spec.containers{{{name}}}")
            stops.append(self.run(self.runtime.stop_container(c, grace)))
        if stops:
            yield self.env.all_of(stops)
        for name, c in worker["containers"].items():
            worker["states"][name] = {"terminated": {
                "exitCode": c.exit_code if c.exit_code is not None else 0,
                "reason": "Completed" if not c.exit_code else "Error",
                "startedAt": clock.timestamp(c.started_at),
                "finishedAt": clock.timestamp(c.finished_at or self.env.now),
                "containerID": f"containerd://{c.id}"}}
        self.runtime.remove_pod_sandbox(pod["metadata"]["uid"])
        yield from self._post_pod_status(pod, worker)
        yield from self._finish_deletion(pod)

    def _finish_deletion(self, pod: dict):
        try:
            yield self.client.delete("pods", pod["metadata"]["name"],
                                     namespace=pod["metadata"]["namespace"], grace_period=0)
        except StatusError:
            pass
        self.workers.pop(key_of(pod), None)

    # ------------------------------------------------------------------ status
    def pod_status(self, pod: dict, worker: dict) -> dict:
        """The Pod status kubelet reports (pkg/kubelet/kubelet_pods.go generateAPIPodStatus)."""
        from ..api.objects import qos_class
        specs = pod["spec"]["containers"]
        statuses = []
        for spec in specs:
            state = worker["states"][spec["name"]]
            c = worker["containers"].get(spec["name"])
            probes = worker.get("probes", {}).get(spec["name"], {"started": True, "ready": True})
            cs = {"name": spec["name"], "image": spec["image"],
                  "imageID": "", "ready": "running" in state and probes["ready"],
                  "restartCount": worker["restarts"][spec["name"]],
                  "started": "running" in state and probes["started"], "state": state,
                  "lastState": worker["last"].get(spec["name"], {})}
            if c is not None:
                cs["containerID"] = f"containerd://{c.id}"
                repo = normalize_image(spec["image"]).rsplit(":", 1)[0]
                cs["imageID"] = f"{repo}@sha256:{hash_text(spec['image']):064x}"
            statuses.append(cs)
        all_running = all("running" in worker["states"][s["name"]] for s in specs)
        any_terminated_all = all("terminated" in worker["states"][s["name"]] for s in specs)
        phase = "Running" if all_running else "Pending"
        if any_terminated_all and worker.get("sandbox") is not None:
            codes = [worker["states"][s["name"]]["terminated"]["exitCode"] for s in specs]
            if pod["metadata"].get("deletionTimestamp"):
                phase = "Running" if pod.get("status", {}).get("phase") == "Running" else "Pending"
            else:
                phase = "Succeeded" if all(c == 0 for c in codes) else "Failed"
        elif any("running" in worker["states"][s["name"]] or "terminated" in worker["states"][s["name"]]
                 or worker["restarts"][s["name"]] for s in specs):
            phase = "Running"
        unready = [cs["name"] for cs in statuses if not cs["ready"]]
        # A terminating Pod stays Ready while its containers still run and pass readiness:
        # EndpointSlices then mark it serving (and terminating) rather than dropping it.
        ready = not unready
        conds = deep_copy(pod.get("status", {}).get("conditions") or [])
        now = self.env.now
        sandbox = worker.get("sandbox") is not None
        set_condition(conds, {"type": "PodReadyToStartContainers",
                              "status": "True" if sandbox else "False", "lastProbeTime": None}, now)
        set_condition(conds, {"type": "Initialized", "status": "True", "lastProbeTime": None}, now)
        msg = f"containers with unready status: [{' '.join(unready)}]"
        for ctype in ("Ready", "ContainersReady"):
            cond = {"type": ctype, "status": "True" if ready else "False", "lastProbeTime": None}
            if not ready:
                cond.update(reason="ContainersNotReady", message=msg)
            else:
                cond.update(reason=None, message=None)
            set_condition(conds, cond, now)
            conds[:] = [{k: v for k, v in c.items() if v is not None or k == "lastProbeTime"}
                        for c in conds]
        order = {"PodReadyToStartContainers": 0, "Initialized": 1, "Ready": 2, "ContainersReady": 3,
                 "PodScheduled": 4}
        conds.sort(key=lambda c: order.get(c["type"], 9))
        status = {"phase": phase, "conditions": conds,
                  "hostIP": self.node_spec["ip"], "hostIPs": [{"ip": self.node_spec["ip"]}],
                  "startTime": worker["start_time"], "containerStatuses": statuses,
                  "qosClass": qos_class(pod)}
        if worker.get("ip"):
            status["podIP"] = worker["ip"]
            status["podIPs"] = [{"ip": worker["ip"]}]
        return status

    def report(self, pod: dict, worker: dict):
        """Report the Pod's status now (probers call this when a result changes)."""
        yield from self._post_pod_status(pod, worker)

    def _post_pod_status(self, pod: dict, worker: dict):
        """Send the Pod's status, one write at a time per Pod (kubelet's status manager).

        A caller that finds a write in flight only marks the status dirty; the writer sends
        the newest status again when its write is answered, so an older status can never
        overtake a newer one.
        """
        worker["status_dirty"] = True
        if worker.get("status_syncing"):
            return
        worker["status_syncing"] = True
        try:
            while worker["status_dirty"]:
                worker["status_dirty"] = False
                current = self.pods.get(key_of(pod)) or pod
                status = self.pod_status(current, worker)
                if status == current.get("status"):
                    continue
                try:
                    yield self.client.patch("pods", pod["metadata"]["name"], {"status": status},
                                            namespace=pod["metadata"]["namespace"],
                                            subresource="status")
                except StatusError:
                    pass
        finally:
            worker["status_syncing"] = False

def hash_text(text: str) -> int:
    """A stable 256-bit number for ``text`` (image digests in container statuses)."""
    import hashlib
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def _go_duration(seconds: float) -> str:
    """Go's time.Duration.String() for whole seconds: 10s, 1m20s, 5m0s."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    return f"{s // 60}m{s % 60}s"
