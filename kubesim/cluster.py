"""``kubesim.Cluster``: build a cluster, apply manifests, run time, break things.

    >>> import kubesim
    >>> c = kubesim.Cluster(seed=0)
    >>> c.apply(open("web-app.yaml").read())
    ['deployment.apps/web-app created']
    >>> c.run(30)
    >>> print(c.kubectl("get pods -o wide"))

Everything happens in simulated time (``c.now``, seconds).  ``apply`` and ``kubectl``
act as a real client would: their requests cross the simulated network to an API
server, so they take a few simulated milliseconds and appear in ``c.trace``.
``get``/``list`` are an observer's view of what etcd stores right now, with no time
passing and no trace.
"""
from __future__ import annotations

import ipaddress
import json
import zlib
from typing import Any, Iterable, Optional

from .api import clock
from .api.quantity import memory_bytes
from .api.resources import ResourceType, for_kind, lookup
from .apiserver import APIServer
from .apiserver import bootstrap_rbac
from .apiserver.audit import AuditLog
from .apiserver.authn import Authenticator
from .apiserver.registry import etcd_key, etcd_prefix
from .cni import CNIAgent
from .client import APIClient
from .component import Component, Sim, SimulationClock
from .controllers import ControllerManager
from .dns import CoreDNS
from .errors import KubesimError, UsageError
from .etcd.server import EtcdServer, bootstrap_leader
from .kubelet import Kubelet
from .kubectl.auth import KubeconfigClient
from .loadbalancer import LoadBalancer
from .proxy import KubeProxy
from .proxy.bootstrap import default_services
from .scheduler import Scheduler
from .trace import Trace

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
ZONE_LABEL = "topology.kubernetes.io/zone"


class KubectlClient(Component):
    """The learner's kubectl: a client outside the cluster (one API identity per user)."""

    plane = "client"

    def __init__(self, sim, choose_server):
        super().__init__(sim, "kubectl", "laptop")
        self.choose_server = choose_server
        self.clients: dict[tuple, APIClient] = {}
        self.start()

    def client(self, user: str, groups: tuple = (), token: Optional[str] = None,
               as_user: Optional[str] = None, as_groups: tuple = ()) -> APIClient:
        """The client for one kubeconfig identity (client certificate ``user``/``groups``,
        or a bearer ``token``), optionally impersonating ``as_user``/``as_groups``."""
        key = (user, tuple(groups), token, as_user, tuple(as_groups))
        if key not in self.clients:
            self.clients[key] = KubeconfigClient(self, user, tuple(groups), self.choose_server,
                                                 token, as_user, tuple(as_groups))
        return self.clients[key]

    def on_message(self, src, msg) -> None:
        for client in self.clients.values():
            if client.handle(msg):
                return


class Cluster(SimulationClock):
    """A simulated Kubernetes cluster (see the module docstring)."""

    def __init__(self, seed: int = 0, zones: int = 1, nodes_per_zone: int = 3,
                 etcd_members: int = 1, apiservers: int = 1, node_cpu: int = 4,
                 node_memory: str = "8Gi", node_pods: int = 110, proxy_mode: str = "iptables",
                 ipvs_scheduler: str = "rr", scheduler_profile=None):
        if zones < 1 or nodes_per_zone < 0 or etcd_members < 1 or apiservers < 1:
            raise ValueError("zones, etcd_members and apiservers must be at least 1")
        self.seed = seed
        self.sim = Sim(seed, Trace())
        self.env = self.sim.env
        self.network = self.sim.network
        self.zones = [f"zone-{chr(ord('a') + i)}" for i in range(zones)]
        self.components: dict[str, Component] = {}
        self.hosts: dict[str, list[str]] = {}       # host -> component names
        self.host_zone: dict[str, str] = {}
        self._lb_next = 0

        cp_hosts = ["control-plane"] if apiservers == 1 else \
            [f"control-plane-{i + 1}" for i in range(apiservers)]
        workers = [(f"worker-{z * nodes_per_zone + i + 1}", self.zones[z])
                   for z in range(zones) for i in range(nodes_per_zone)]
        for i, host in enumerate(cp_hosts):
            self._add_host(host, self.zones[i % zones])
        self._add_host("laptop", "")

        # etcd: stacked on the control-plane hosts, extra members on dedicated hosts.
        self.etcd: list[EtcdServer] = []
        etcd_names = [f"etcd-{i + 1}" for i in range(etcd_members)]
        for i, name in enumerate(etcd_names):
            host = cp_hosts[i] if i < len(cp_hosts) else f"etcd-host-{i + 1}"
            if host not in self.host_zone:
                self._add_host(host, self.zones[i % zones])
            self.etcd.append(self._add(EtcdServer(self.sim, name, host, peers=etcd_names)))
        bootstrap_leader(self.etcd)   # Raft members: etcd-1 leads term 1, as after a first election
        self._bootstrap_etcd()

        members = [m.name for m in self.etcd]
        self.apiservers: list[APIServer] = []
        # One authentication configuration (static tokens, ServiceAccount signing key) for
        # every replica, as kubeadm gives each the same flags and keys (authn.py).
        self.authenticator = Authenticator(signing_key=f"kubesim-sa-key:{seed}".encode())
        for i, host in enumerate(cp_hosts):
            api = self._add(APIServer(self.sim, f"kube-apiserver-{i + 1}", host, members))
            api.authn = self.authenticator
            self.apiservers.append(api)
        # HA: replicas behind a health-checked load balancer (loadbalancer.py).
        self.lb: Optional[LoadBalancer] = None
        if apiservers > 1:
            self._add_host("apiserver-lb", "")
            self.lb = self._add(LoadBalancer(self.sim, "apiserver-lb", "apiserver-lb",
                                             [a.name for a in self.apiservers]))
        # kube-controller-manager and kube-scheduler: one on a single control plane; one per
        # control-plane node in an HA control plane, taking turns through Leases in
        # kube-system (kubesim/leaderelection.py), as kubeadm runs them.
        ha = len(cp_hosts) > 1

        def replica(role: str, i: int) -> str:
            return f"{role}-{i + 1}" if ha else role

        self.controller_managers: list[ControllerManager] = [
            self._add(ControllerManager(self.sim, replica("kube-controller-manager", i), host,
                                        self._choose_server, leader_elect=ha))
            for i, host in enumerate(cp_hosts)]
        # scheduler_profile: a kubesim.scheduler.Profile (or list, or KubeSchedulerConfiguration).
        self.schedulers: list[Scheduler] = [
            self._add(Scheduler(self.sim, replica("kube-scheduler", i), host, self._choose_server,
                                profile=scheduler_profile, leader_elect=ha))
            for i, host in enumerate(cp_hosts)]
        self.controller_manager = self.controller_managers[0]
        self.scheduler = self.schedulers[0]
        self.kubelets: dict[str, Kubelet] = {}
        mem = memory_bytes(node_memory)
        for index, (host, zone) in enumerate([(h, self.host_zone[h]) for h in cp_hosts] + workers):
            if host not in self.host_zone:
                self._add_host(host, zone)
            control = host in cp_hosts
            labels = {"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": host,
                      "kubernetes.io/os": "linux", ZONE_LABEL: zone,
                      "topology.kubernetes.io/region": "region-1"}
            if control:
                labels["node-role.kubernetes.io/control-plane"] = ""
            spec = {"cpu": node_cpu, "memory_bytes": mem, "pods": node_pods, "labels": labels,
                    "taints": [dict(CONTROL_PLANE_TAINT)] if control else [],
                    "pod_cidr": f"10.244.{index}.0/24",
                    "ip": str(ipaddress.ip_address("192.168.0.10") + index)}
            self.kubelets[host] = self._add(Kubelet(self.sim, f"kubelet-{host}", host,
                                                    self._choose_server, spec))
        # Networking: kube-proxy and the CNI plugin's agent on every node, CoreDNS on the first
        # control-plane host (kubesim/proxy/, kubesim/cni.py, kubesim/dns.py).
        self.proxy_mode = proxy_mode
        self.kube_proxies: dict[str, KubeProxy] = {}
        self.cni_agents: dict[str, CNIAgent] = {}
        for host, kubelet in self.kubelets.items():
            ip = kubelet.node_spec["ip"]
            self.kube_proxies[host] = self._add(KubeProxy(
                self.sim, f"kube-proxy-{host}", host, self._choose_server, ip, proxy_mode, ipvs_scheduler))
            self.cni_agents[host] = self._add(CNIAgent(self.sim, f"cni-agent-{host}", host,
                                                       self._choose_server, ip))
        self.dns = self._add(CoreDNS(self.sim, "coredns", cp_hosts[0], self._choose_server,
                                     self.kubelets[cp_hosts[0]].node_spec["ip"]))
        self._bootstrap_services()
        self._bootstrap_rbac()
        self._traffic = None
        self.kubectl_client = KubectlClient(self.sim, self._choose_server)
        self.components["kubectl"] = self.kubectl_client
        for comp in self.components.values():
            if not comp.up:
                comp.start()
        self.trace.add(0.0, "fault", "cluster", "", "cluster started",
                       nodes=list(self.kubelets), zones=self.zones,
                       host_zones={h: z for h, z in self.host_zone.items() if z})

    # ================================================================== building
    def _add_host(self, host: str, zone: str) -> None:
        self.host_zone[host] = zone
        self.hosts.setdefault(host, [])
        self.network.add_host(host, zone)

    def _add(self, comp: Component) -> Any:
        self.components[comp.name] = comp
        self.hosts.setdefault(comp.host, []).append(comp.name)
        return comp

    def _bootstrap_etcd(self) -> None:
        """What kube-apiserver's bootstrap controller creates first: the system namespaces."""
        rt = for_kind("Namespace")
        for i, name in enumerate(SYSTEM_NAMESPACES):
            obj = {"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": name, "uid": f"00000000-0000-4000-8000-{i:012d}",
                                "creationTimestamp": clock.timestamp(0),
                                "labels": {"kubernetes.io/metadata.name": name}},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
            value = json.dumps(obj, sort_keys=True, separators=(",", ":"))
            for member in self.etcd:
                member.store.put(etcd_key(rt, None, name), value)

    def _bootstrap_services(self) -> None:
        """The ``kubernetes`` and ``kube-dns`` Services and EndpointSlices (kubesim/proxy/bootstrap.py)."""
        api_ips = [self.kubelets[a.host].node_spec["ip"] for a in self.apiservers]
        for obj in default_services(api_ips, self.dns.ip, self.dns.host):
            meta = obj["metadata"]
            value = json.dumps(obj, sort_keys=True, separators=(",", ":"))
            for member in self.etcd:
                member.store.put(etcd_key(for_kind(obj["kind"]), meta["namespace"], meta["name"]), value)

    def _bootstrap_rbac(self) -> None:
        """The default ClusterRoles and ClusterRoleBindings (apiserver/bootstrap_rbac.py)."""
        cni_users = [a.client.user for a in self.cni_agents.values()]
        for i, obj in enumerate(bootstrap_rbac.default_objects(cni_users)):
            rt = for_kind(obj["kind"])
            obj["metadata"]["uid"] = f"00000000-0000-4000-8001-{i:012d}"
            value = json.dumps(obj, sort_keys=True, separators=(",", ":"))
            for member in self.etcd:
                member.store.put(etcd_key(rt, None, obj["metadata"]["name"]), value)

    def _choose_server(self, client: str) -> Optional[str]:
        """Which API server a new connection from ``client`` reaches.

        Control-plane components use the API server on their own host when it is up (as
        kubeadm configures them); everyone else goes through the load balancer when there
        are several replicas (loadbalancer.py), or straight to the only one.
        """
        comp = self.components.get(client)
        up = [a.name for a in self.apiservers if self.network.is_up(a.name)]
        if not up:
            return None
        if comp is not None:
            for a in self.apiservers:
                if a.host == comp.host and a.name in up:
                    return a.name
        if self.lb is not None:
            return self.lb.pick()
        self._lb_next = (self._lb_next + 1) % len(up)
        return up[self._lb_next]

    # ================================================================== time
    def trace_digest(self) -> str:
        """A hash of the whole trace: equal seeds and actions give equal digests."""
        return self.trace.digest()

    def call(self, event):
        """Run the simulation until a client request finishes; return its value or raise."""
        if not event.triggered or not event.processed:
            try:
                self.env.run(until=event)
            except KubesimError:
                raise
        if not event.ok:
            raise event.value
        return event.value

    def client(self, user: str = "admin", groups: Iterable[str] = ("system:masters",),
               token: Optional[str] = None, as_user: Optional[str] = None,
               as_groups: Iterable[str] = ()) -> APIClient:
        """An API client from the learner's laptop: a client certificate for ``user`` in
        ``groups`` (or a bearer ``token``), optionally impersonating ``as_user``."""
        return self.kubectl_client.client(user, tuple(groups), token, as_user, tuple(as_groups))

    # ================================================================== security
    def add_token(self, user: str, groups: Iterable[str] = (), token: Optional[str] = None) -> str:
        """Add ``user`` to the API servers' static token file; returns the bearer token
        (``c.kubectl("get pods", token=...)``)."""
        token = token or f"{user}-" + f"{zlib.crc32(f'{self.seed}:{user}'.encode()):08x}" * 4
        return self.authenticator.add_token(token, user, tuple(groups))

    @property
    def audit(self) -> AuditLog:
        """Every API server's audit events, in time order (apiserver/audit.py)."""
        events = [e for a in self.apiservers for e in a.audit_log]
        return AuditLog(sorted(events, key=lambda e: e["time"]))

    # ================================================================== reading state
    def _resource(self, kind: str) -> ResourceType:
        rt = for_kind(kind) or lookup(kind)
        if rt is None:
            raise UsageError(f'error: the server doesn\'t have a resource type "{kind}"')
        return rt

    def _stored(self, rt: ResourceType, namespace: Optional[str] = None) -> list[dict]:
        store = self.etcd_leader_store()
        prefix = etcd_prefix(rt, namespace if rt.namespaced else None)
        out = []
        for kv in store.range(prefix):
            obj = json.loads(kv.value)
            obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
            out.append(obj)
        return out

    def etcd_leader_store(self):
        """The MVCC store that holds the cluster's committed state.

        Members apply only committed entries, so the one that has applied the most (the
        leader on a tie) holds everything committed so far — even while etcd has no leader.
        """
        return max(self.etcd, key=lambda m: (m.applied_index, m.role == "leader")).store

    def get(self, kind: str, name: str, namespace: Optional[str] = None) -> Optional[dict]:
        """The stored object (a dict, as ``kubectl get -o yaml`` shows it) or None."""
        rt = self._resource(kind)
        if rt.namespaced:
            namespace = namespace or "default"
        for obj in self._stored(rt, namespace):
            if obj["metadata"]["name"] == name:
                return obj
        return None

    def list(self, kind: str, namespace: Optional[str] = None,
             selector: Optional[str] = None) -> list[dict]:
        """Stored objects of ``kind`` (all namespaces when ``namespace`` is None),
        filtered by a label ``selector`` string such as ``"app=web"``."""
        rt = self._resource(kind)
        items = self._stored(rt, namespace)
        if selector:
            from .api.selectors import parse_selector
            sel = parse_selector(selector)
            items = [o for o in items if sel.matches(o["metadata"].get("labels") or {})]
        return items

    # ================================================================== acting
    def apply(self, manifest, user: str = "admin", groups: Iterable[str] = ("system:masters",),
              token: Optional[str] = None) -> list[str]:
        """``kubectl apply -f``: create or update every object; returns kubectl's lines.

        Raises a :class:`~kubesim.errors.KubesimError` whose text is what kubectl prints
        (lines for the objects applied before the failure included).
        """
        from .kubectl.apply import apply_documents
        return apply_documents(self, manifest, user=user, groups=tuple(groups), token=token)

    def kubectl(self, command: str, user: str = "admin", groups: Iterable[str] = ("system:masters",),
                token: Optional[str] = None) -> str:
        """Run a kubectl command line; returns the text kubectl would print (errors too).

        ``user``/``groups`` are the client certificate's CN and O; ``token`` a bearer token
        instead. ``--as``/``--as-group`` impersonate (which needs the ``impersonate`` verb).
        """
        from .kubectl.commands import run_kubectl
        return run_kubectl(self, command, user=user, groups=tuple(groups), token=token)

    def add_controller(self, controller_class) -> None:
        """Run a controller of your own in kube-controller-manager (see
        :class:`kubesim.controllers.Controller`); it survives controller-manager restarts."""
        for manager in self.controller_managers:
            manager.add_controller(controller_class)
        self._fault(f"controller {getattr(controller_class, 'name', controller_class.__name__)} added")

    def app(self, pod: str, namespace: str = "default", container: Optional[str] = None):
        """The simulated program of a Pod's container (see :mod:`kubesim.app`)."""
        obj = self.get("Pod", pod, namespace)
        if obj is None:
            raise UsageError(f'Error from server (NotFound): pods "{pod}" not found')
        kubelet = self.kubelets.get(obj["spec"].get("nodeName") or "")
        worker = kubelet.workers.get(f"{namespace}/{pod}") if kubelet and kubelet.up else None
        name = container or obj["spec"]["containers"][0]["name"]
        c = (worker or {}).get("containers", {}).get(name)
        if c is None or c.app is None or c.exit_code is not None:   # stopped: no program runs
            raise UsageError(f'error: container "{name}" of pod "{pod}" is not running')
        return c.app

    # ================================================================== traffic
    @property
    def traffic(self):
        """The request path (:class:`kubesim.traffic.Traffic`): ``c.traffic.nslookup(name, source)``."""
        if self._traffic is None:
            from .traffic import Traffic
            self._traffic = Traffic(self)
        return self._traffic

    def http_get(self, url: str, source: Optional[str] = None, client_ip: Optional[str] = None,
                 timeout: float = 10.0):
        """One HTTP GET from ``source`` (a Pod, ``namespace/pod``, a node, or None for outside
        the cluster); returns a :class:`kubesim.traffic.HttpResult` with the path it took."""
        return self.traffic.http_get(url, source, client_ip, timeout)

    def load(self, url: str, rps: float, seconds: float, source: Optional[str] = None,
             client_ip: Optional[str] = None, timeout: float = 10.0):
        """``rps`` requests per second for ``seconds``; a :class:`kubesim.traffic.LoadResult`
        with per-Pod counts, errors and latency percentiles."""
        return self.traffic.load(url, rps, seconds, source, client_ip, timeout)

    # ================================================================== faults
    def _fault(self, summary: str, **ref) -> None:
        target = ref.pop("target", "")
        self.trace.add(self.env.now, "fault", "cluster", target, summary, **ref)

    def _names(self, name: str) -> list[str]:
        if name in self.hosts:
            return list(self.hosts[name])
        if name in self.components:
            return [name]
        raise UsageError(f'error: no component or node named "{name}" '
                         f'(try one of: {", ".join(sorted(self.components))})')

    def crash(self, name: str) -> None:
        """Crash a component (``kube-scheduler``, ``etcd-1`` …) or a whole node (``worker-2``)."""
        comps = self._names(name)
        comp = self.components.get(name)
        if isinstance(comp, APIServer) and comp.up:
            # Only the process dies: the host's kernel resets its TCP connections, so every
            # client watching through this replica sees its watch end and reconnects.
            comp.stop()
        self.network.crash(name)
        for comp_name in comps:
            comp = self.components[comp_name]
            if comp.up:
                comp.stop()
        if name in self.kubelets:          # a machine: its containers die with it
            self.kubelets[name].machine_down()
        self._fault(f"crash {name}", target=name, components=comps)

    def restart(self, name: str) -> None:
        """Bring a crashed component or node back (components start from scratch)."""
        comps = self._names(name)
        self.network.restart(name)
        for comp_name in comps:
            if self.network.is_up(comp_name) and not self.components[comp_name].up:
                self.components[comp_name].start()
        self._fault(f"restart {name}", target=name, components=comps)

    def partition(self, *groups: Iterable[str]) -> None:
        """Split the network: names (nodes or components) in different groups cannot talk."""
        groups = [[g] if isinstance(g, str) else list(g) for g in groups]
        for group in groups:
            for name in group:
                self._names(name)
        self.network.partition(groups)
        self._fault("partition " + " | ".join(",".join(g) for g in groups), groups=groups)

    def heal(self) -> None:
        """Remove every partition."""
        self.network.heal()
        self._fault("heal")

    def fail_zone(self, zone: str) -> None:
        """Crash every node in ``zone`` (an availability-zone outage)."""
        if zone not in self.zones:
            raise UsageError(f'error: no zone "{zone}" (zones: {", ".join(self.zones)})')
        hosts = [h for h, z in sorted(self.host_zone.items()) if z == zone and h != "laptop"]
        self._fault(f"fail zone {zone}", target=zone, zone=zone, hosts=hosts)
        for host in hosts:
            self.crash(host)

    def __repr__(self) -> str:
        return (f"<kubesim.Cluster seed={self.seed} t={self.now:.3f}s nodes={len(self.kubelets)} "
                f"apiservers={len(self.apiservers)} etcd={len(self.etcd)}>")
