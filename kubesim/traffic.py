"""The request path behind ``Cluster.http_get`` and ``Cluster.load``: DNS → VIP → node rules → Pod.

A request from a Pod to ``http://web-service/`` goes, as on a real cluster:

1. **DNS** — the Pod's resolver tries the names of its search path (``ndots:5``) against
   CoreDNS (:mod:`kubesim.dns`) until one answers: ``web-service.default.svc.cluster.local
   → 10.104.3.7``.  Each query and answer is a message on kubesim's network.
2. **VIP → node rules** — the connection to ``10.104.3.7:80`` is caught on the *client's
   own node* by the rules kube-proxy programmed there (:mod:`kubesim.proxy`): iptables
   picks a ``KUBE-SEP`` at random, IPVS a real server by its scheduler; either way the
   destination becomes a Pod's ``IP:port`` (DNAT).  No rule, no forwarding: a service
   without endpoints is REJECTed ("connection refused"), an address nobody owns times out.
3. **NetworkPolicy** — the CNI agent of the client's node filters the connection as egress,
   the one of the Pod's node as ingress (:mod:`kubesim.cni`).  A drop is silent: timeout.
4. **Pod** — the request crosses the network to the Pod; its program (:mod:`kubesim.app`)
   answers, or refuses (nothing listens on that port), or hangs; the answer crosses back.

From a node (``source="worker-1"``) the same rules apply (kube-proxy's rules also catch the
host's own traffic) but the node's resolver does not know ``cluster.local`` names.  From
outside (``source=None``) only node IPs are reachable: NodePort Services.

Every new request is a new TCP connection (no keep-alive), so every request is balanced.
A container listens on the ports its spec declares (``containerPort``), or on 80 if it
declares none.
"""
from __future__ import annotations

import ipaddress
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from .dns import DNS_SERVICE_IP, nslookup_text, search_names, search_path
from .errors import KubesimError, UsageError

DEFAULT_TIMEOUT = 10.0         # seconds a client waits (like ``curl --max-time 10``)
DNS_TIMEOUT = 5.0              # resolv.conf ``timeout:5``
DNS_ATTEMPTS = 2               # resolv.conf ``attempts:2``
EXTERNAL_CLIENT_IP = "203.0.113.10"
SERVICE_TIME = (0.0005, 0.002)  # the program's time to answer one request


# ---------------------------------------------------------------------- results
@dataclass
class Hop:
    """One step of a request's path."""

    kind: str        # "dns", "vip", "rule", "policy", "pod", "error"
    where: str
    text: str
    time: float

    def __str__(self) -> str:
        return f"{self.kind:>6}  {self.where}: {self.text}"


@dataclass
class HttpResult:
    """What a client got for one request, and the path it took."""

    url: str
    source: str
    id: int = 0
    start: float = 0.0
    end: float = 0.0
    status: Optional[int] = None
    error: Optional[str] = None          # None, "NXDOMAIN", "connection refused", "timeout"
    message: str = ""                    # what curl would print
    pod: Optional[str] = None
    namespace: Optional[str] = None
    node: Optional[str] = None
    pod_ip: Optional[str] = None
    vip: Optional[str] = None            # the ClusterIP:port or nodeIP:nodePort connected to
    service: Optional[str] = None
    rule: str = ""                       # the rule that chose the endpoint
    dropped_by: Optional[str] = None     # the NetworkPolicy verdict that dropped it
    seen_ip: Optional[str] = None        # the source address the Pod saw (after any SNAT)
    path: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the client got an HTTP answer."""
        return self.status is not None and self.error is None

    @property
    def latency(self) -> float:
        """Seconds from the request to the answer (or the error)."""
        return self.end - self.start

    def __str__(self) -> str:
        ms = f"{1000 * self.latency:.1f} ms"
        if self.ok:
            return f"{self.status} from {self.pod or 'kube-apiserver'} on {self.node} ({self.pod_ip}) in {ms}"
        return f"{self.error}: {self.message}" + (f" [{self.dropped_by}]" if self.dropped_by else "")

    def explain(self) -> str:
        """The path, one hop per line."""
        return "\n".join([f"GET {self.url} from {self.source}"] + [str(h) for h in self.path]
                         + [f"=> {self}"])


@dataclass
class LoadResult:
    """Many requests: who served them, what failed, how long they took."""

    url: str
    source: str
    rps: float
    seconds: float
    results: list

    @property
    def counts(self) -> dict:
        """Requests served per Pod, by Pod name (sorted)."""
        c = Counter(r.pod for r in self.results if r.ok)
        return dict(sorted(c.items()))

    @property
    def nodes(self) -> dict:
        """Requests served per node."""
        c = Counter(r.node for r in self.results if r.ok)
        return dict(sorted(c.items()))

    @property
    def errors(self) -> dict:
        """Failed requests per error ("timeout", "connection refused", "NXDOMAIN")."""
        c = Counter(r.error for r in self.results if not r.ok)
        return dict(sorted(c.items()))

    @property
    def total(self) -> int:
        """How many requests were sent."""
        return len(self.results)

    @property
    def ok(self) -> int:
        """How many got an HTTP answer."""
        return sum(1 for r in self.results if r.ok)

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0–100) of the successful requests, in milliseconds."""
        lat = sorted(1000 * r.latency for r in self.results if r.ok)
        if not lat:
            return float("nan")
        return lat[min(len(lat) - 1, max(0, math.ceil(q / 100 * len(lat)) - 1))]

    @property
    def latency(self) -> dict:
        """p50/p90/p99 latency in ms (successful requests)."""
        return {f"p{q}": round(self.percentile(q), 2) for q in (50, 90, 99)}

    def table(self) -> str:
        """Per-Pod counts with a bar each, then errors and latency."""
        lines = [f"{self.total} requests to {self.url} from {self.source} "
                 f"({self.rps:g}/s for {self.seconds:g} s)"]
        width = max([len(p) for p in self.counts] + [3])
        for pod, n in self.counts.items():
            share = n / self.total if self.total else 0
            lines.append(f"  {pod:<{width}}  {n:>5}  {100 * share:5.1f}%  {'█' * round(40 * share)}")
        for err, n in self.errors.items():
            lines.append(f"  {'error: ' + err:<{width}}  {n:>5}")
        lines.append("  latency ms: " + "  ".join(f"{k} {v}" for k, v in self.latency.items()))
        return "\n".join(lines)

    __str__ = table


# ---------------------------------------------------------------------- clients
@dataclass
class Client:
    """Where a request starts: a Pod, a node's host network, or outside the cluster."""

    endpoint: str                 # the network endpoint messages leave from
    label: str
    ip: str
    node: Optional[str] = None    # None: outside the cluster
    pod: Optional[dict] = None
    search: Optional[list] = None  # resolv.conf search path; None: no cluster DNS


def parse_url(url: str) -> tuple[str, int, str]:
    """``http://web-service:8080/x`` -> ("web-service", 8080, "/x")."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if not parts.hostname:
        raise UsageError(f'curl: (3) URL rejected: No host part in the URL "{url}"')
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname, port, parts.path or "/"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------- the engine
class Traffic:
    """Sends requests through a cluster (one per ``Cluster``, made on first use)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.env = cluster.env
        self.net = cluster.network
        self.rng = cluster.sim.rng("traffic")
        self.pending: dict[int, object] = {}
        self.seq = 0
        self.specs: dict[tuple, dict] = {}      # (namespace, pod) -> the Pod (its ports never change)
        self.node_ips = {k.node_name: k.node_ip for k in cluster.kube_proxies.values()}
        self.ip_nodes = {ip: node for node, ip in self.node_ips.items()}

    # ------------------------------------------------------------------ public entry points
    def http_get(self, url: str, source=None, client_ip: Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT) -> HttpResult:
        """One request (see ``Cluster.http_get``); runs the simulation until it ends."""
        client = self.client(source, client_ip)
        result = self._new_result(url, client)
        self.cluster.call(self.env.process(self._get(client, url, timeout, result)))
        return result

    def load(self, url: str, rps: float, seconds: float, source=None,
             client_ip: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT) -> LoadResult:
        """``rps`` new requests per second (evenly spaced) for ``seconds``, then waits for
        the last answers; runs the simulation meanwhile."""
        if rps <= 0 or seconds <= 0:
            raise ValueError("rps and seconds must be > 0")
        client = self.client(source, client_ip)
        results: list[HttpResult] = []

        def drive():
            procs = []
            for _ in range(int(round(rps * seconds))):
                res = self._new_result(url, client)
                results.append(res)
                procs.append(self.env.process(self._get(client, url, timeout, res)))
                yield self.env.timeout(1.0 / rps)
            yield self.env.all_of(procs)

        self.cluster.call(self.env.process(drive()))
        return LoadResult(url, client.label, rps, seconds, results)

    def nslookup(self, name: str, source) -> str:
        """What ``kubectl exec <source> -- nslookup <name>`` prints."""
        client = self.client(source, None)
        if client.search is None:
            return f"** server can't find {name}: NXDOMAIN (the node's resolver has no cluster DNS)"
        tried: list = []

        def ask():
            for qname in search_names(name, client.search):
                reply = yield from self._dns_query(client, qname, self.env.now + DNS_TIMEOUT)
                if reply is None:
                    tried.append((qname, "TIMEOUT", []))
                    return
                tried.append((qname, reply["rcode"], reply["answers"]))
                if reply["rcode"] == "NOERROR" and reply["answers"]:
                    return

        self.cluster.call(self.env.process(ask()))
        if tried and tried[-1][1] == "TIMEOUT":
            return ";; connection timed out; no servers could be reached"
        return nslookup_text(name, tried)

    # ------------------------------------------------------------------ clients
    def client(self, source, client_ip: Optional[str] = None) -> Client:
        """Resolve ``source``: None (outside), a node name, a Pod name or ``namespace/pod``."""
        c = self.cluster
        if source in (None, "external", "laptop"):
            self._attach("external-client", "laptop")
            return Client("external-client", "an external client", client_ip or EXTERNAL_CLIENT_IP)
        if source in self.node_ips:
            ep = f"node/{source}"
            self._attach(ep, source)
            return Client(ep, f"node {source}", client_ip or self.node_ips[source], source)
        ns, _, name = source.rpartition("/")
        pod = c.get("Pod", name, ns or "default")
        if pod is None and not ns:
            found = [p for p in c.list("Pod") if p["metadata"]["name"] == name]
            pod = found[0] if len(found) == 1 else None
        if pod is None:
            raise UsageError(f'Error from server (NotFound): pods "{name}" not found')
        status, spec = pod.get("status") or {}, pod["spec"]
        if not status.get("podIP") or not spec.get("nodeName"):
            raise UsageError(f'error: pod "{name}" has no IP yet (phase {status.get("phase", "Pending")})')
        node, pns = spec["nodeName"], pod["metadata"]["namespace"]
        ep = f"{pns}/{name}"
        self._attach(ep, node)
        policy = spec.get("dnsPolicy", "ClusterFirst")
        cluster_dns = policy == "ClusterFirstWithHostNet" or (policy == "ClusterFirst" and not spec.get("hostNetwork"))
        return Client(ep, f"pod {name}", client_ip or status["podIP"], node, pod,
                      search_path(pns) if cluster_dns else None)

    def _attach(self, name: str, host: str) -> None:
        if name not in self.net.endpoints:
            self.net.attach(name, host, self._deliver)

    def _deliver(self, src: str, msg: dict) -> None:
        ev = self.pending.get(msg.get("id"))
        if ev is not None and not ev.triggered:
            ev.succeed(msg)

    def _new_result(self, url: str, client: Client) -> HttpResult:
        self.seq += 1
        return HttpResult(url, client.label, id=self.seq, start=self.env.now)

    # ------------------------------------------------------------------ messages
    def _send(self, src: str, dst: str, msg: dict, summary: str, **ref):
        """Send one message and return the event that fires when it arrives."""
        self.seq += 1
        msg = dict(msg, id=self.seq)
        ev = self.env.event()
        self.pending[self.seq] = ev
        self.net.send(src, dst, msg, summary, **ref)
        return ev, self.seq

    def _wait(self, ev, mid: int, deadline: float):
        """Wait for ``ev`` until ``deadline``; its value, or None."""
        if not ev.triggered:
            timer = self.env.timeout(max(0.0, deadline - self.env.now))
            yield ev | timer
        self.pending.pop(mid, None)
        return ev.value if ev.triggered else None

    def _hop(self, src: str, dst: str, summary: str, deadline: float, res: HttpResult, **ref):
        ev, mid = self._send(src, dst, {"type": "http"}, summary, rpc="http", conn=res.id, **ref)
        return (yield from self._wait(ev, mid, deadline)) is not None

    # ------------------------------------------------------------------ one request
    def _get(self, client: Client, url: str, timeout: float, res: HttpResult):
        env = self.env
        deadline = env.now + timeout
        try:
            host, port, path = parse_url(url)
        except KubesimError as err:
            return self._fail(res, "bad URL", str(err))
        res.path.append(Hop("client", client.label, f"GET {url} (source IP {client.ip})", env.now))
        ip = host
        if not _is_ip(host):
            ip = yield from self._resolve(client, host, res, deadline)
            if ip is None:
                return
        yield from self._connect(client, host, ip, port, path, res, deadline)

    def _fail(self, res: HttpResult, error: str, message: str, dropped_by: Optional[str] = None) -> None:
        res.error, res.message, res.dropped_by = error, message, dropped_by
        res.end = self.env.now
        res.path.append(Hop("error", "client", message, self.env.now))

    def _timeout(self, res: HttpResult, deadline: float, dropped_by: Optional[str] = None,
                 stage: str = "connect"):
        """The packet went nowhere: the client waits until its deadline."""
        yield self.env.timeout(max(0.0, deadline - self.env.now))
        ms = round(1000 * (self.env.now - res.start))
        msg = f"curl: (28) Connection timed out after {ms} milliseconds" if stage == "connect" else \
            f"curl: (28) Operation timed out after {ms} milliseconds with 0 bytes received"
        self._fail(res, "timeout", msg, dropped_by)

    # ------------------------------------------------------------------ 1. DNS
    def _dns_query(self, client: Client, qname: str, deadline: float, conn: int = 0):
        dns = self.cluster.dns
        verdict = self._egress(client, dns.ip, 53, "UDP")
        if verdict is not None and not verdict.allowed:
            yield self.env.timeout(max(0.0, deadline - self.env.now))
            return None
        ev, mid = self._send(client.endpoint, dns.name, {"type": "dns-query", "qname": qname, "conn": conn},
                             f"DNS A? {qname}", rpc="dns", conn=conn)
        return (yield from self._wait(ev, mid, deadline))

    def _resolve(self, client: Client, host: str, res: HttpResult, deadline: float):
        env = self.env
        if client.search is None:
            where = "outside the cluster" if client.node is None else f"the resolver of {client.node}"
            res.path.append(Hop("dns", where, f"{host}: unknown (cluster names need the cluster DNS)", env.now))
            self._fail(res, "NXDOMAIN", f"curl: (6) Could not resolve host: {host}")
            return None
        misses = 0
        for qname in search_names(host, client.search):
            reply = None
            for _attempt in range(DNS_ATTEMPTS):
                reply = yield from self._dns_query(client, qname, min(deadline, env.now + DNS_TIMEOUT), res.id)
                if reply is not None or env.now >= deadline:
                    break
            if reply is None:
                ms = round(1000 * (env.now - res.start))
                res.path.append(Hop("dns", f"kube-dns {DNS_SERVICE_IP}", f"no answer for {qname}", env.now))
                self._fail(res, "timeout", f"curl: (28) Resolving timed out after {ms} milliseconds")
                return None
            answers = [a for a in reply["answers"] if not a.startswith("CNAME")]
            if reply["rcode"] == "NOERROR" and answers:
                note = f" (after {misses} NXDOMAIN)" if misses else ""
                res.path.append(Hop("dns", f"kube-dns {DNS_SERVICE_IP}",
                                    f"{qname} → {', '.join(answers)}{note}", env.now))
                return answers[0]
            misses += 1
        res.path.append(Hop("dns", f"kube-dns {DNS_SERVICE_IP}", f"{host}: NXDOMAIN ({misses} names tried)", env.now))
        self._fail(res, "NXDOMAIN", f"curl: (6) Could not resolve host: {host}")
        return None

    # ------------------------------------------------------------------ 2. rules, 3. policy, 4. Pod
    def _rules(self, client: Client, ip: str, port: int, res: HttpResult, deadline: float):
        """Which node's rules see the new connection, and their verdict.

        Returns ``(sender, node, route)``, or None when the first packet never got there.
        """
        node, sender = client.node, client.endpoint
        if node is not None:
            route = self.cluster.kube_proxies[node].tables.route_cluster_ip(ip, port, "TCP", client.ip, self.env.now)
            if route.verdict != "NONE" or ip not in self.ip_nodes:
                return sender, node, route
        elif ip not in self.ip_nodes:                  # from outside only node IPs are routable
            return sender, None, None
        target = self.ip_nodes[ip]                      # a node's own address: NodePorts
        if target != node:
            self._attach(f"node/{target}", target)
            if not (yield from self._hop(sender, f"node/{target}", f"SYN {ip}:{port}", deadline, res)):
                return None
            sender = f"node/{target}"
        tables = self.cluster.kube_proxies[target].tables
        return sender, target, tables.route_node_port(port, "TCP", client.ip, self.env.now,
                                                      from_local=node is not None)

    def _connect(self, client: Client, host: str, ip: str, port: int, path: str,
                 res: HttpResult, deadline: float):
        env = self.env
        res.vip = f"{ip}:{port}"
        refused = f"curl: (7) Failed to connect to {host} port {port}: Connection refused"
        found = yield from self._rules(client, ip, port, res, deadline)
        if found is None:
            return (yield from self._timeout(res, deadline))
        sender, node, route = found
        if route is None:
            res.path.append(Hop("rule", "the internet", f"no route to {ip}", env.now))
            return (yield from self._timeout(res, deadline))
        where = f"kube-proxy rules on {node}"
        src_ip = client.ip
        tables = self.cluster.kube_proxies[node].tables
        if route.verdict == "DNAT":
            res.service, res.rule = route.service, route.rule
            self.cluster.trace.add(env.now, "component", f"kube-proxy-{node}", str(route.endpoint),
                                   f"rules: {ip}:{port} → DNAT {route.endpoint}", conn=res.id,
                                   step="dnat", chains=list(route.chains), service=route.service,
                                   client=sender)
            res.path.append(Hop("vip", node, f"{ip}:{port} is {route.service}", env.now))
            res.path.append(Hop("rule", where, " → ".join(route.chains) + f": DNAT to {route.endpoint}", env.now))
            target_ip, target_port = route.endpoint.ip, route.endpoint.port
            target = (route.service.split("/")[0], route.endpoint.pod, route.endpoint.node)
            if not (route.endpoint.pod and route.endpoint.node):   # a hand-written endpoint
                target = self._pod_at(target_ip) or (target[0], "", "")
            if route.snat:
                src_ip = tables.node_ip
        elif route.verdict == "REJECT":
            why = f"{route.service} has no endpoints" if route.service else route.rule
            res.path.append(Hop("rule", where, f"REJECT ({why})", env.now))
            return self._fail(res, "connection refused", refused)
        elif route.verdict == "DROP":
            res.path.append(Hop("rule", where, f"DROP ({route.service} has no local endpoints)", env.now))
            return (yield from self._timeout(res, deadline))
        else:                                           # no kube-proxy rule: plain routing
            if ip in self.ip_nodes:
                res.path.append(Hop("rule", where, f"nothing listens on {ip}:{port}", env.now))
                return self._fail(res, "connection refused", refused)
            target = self._pod_at(ip)
            if target is None:
                res.path.append(Hop("rule", where, f"no rule matches {ip}:{port} and no host owns {ip}", env.now))
                return (yield from self._timeout(res, deadline))
            res.path.append(Hop("rule", where, f"{ip} is a Pod IP: no translation", env.now))
            target_ip, target_port = ip, port
        try:
            yield from self._to_pod(client, sender, src_ip, target, target_ip, target_port, path,
                                    res, deadline, refused)
        finally:
            if route.verdict == "DNAT":
                tables.connection_closed(route, env.now)

    def _egress(self, client: Client, ip: str, port: int, proto: str):
        if client.pod is None:
            return None
        agent = self.cluster.cni_agents[client.node]
        return agent.check("Egress", client.pod, ip, port, proto, agent.pod_at(ip))

    def _to_pod(self, client, sender, src_ip, target, ip, port, path, res, deadline, refused):
        env = self.env
        ns, pod_name, node = target
        if not pod_name:                                # an endpoint on a host, not a Pod
            return (yield from self._to_host(client, sender, ip, port, res, deadline, refused))
        verdict = self._egress(client, ip, port, "TCP")
        if verdict is not None and verdict.policies:      # a policy selects the client Pod
            res.path.append(Hop("policy", f"cni-agent-{client.node}", str(verdict), env.now))
            if not verdict.allowed:
                self.cluster.cni_agents[client.node].record(
                    f"DROP {client.ip} → {ip}:{port} (egress)", target=client.node, conn=res.id)
                return (yield from self._timeout(res, deadline, str(verdict)))
        dst = f"{ns}/{pod_name}"
        self._attach(dst, node)
        if not (yield from self._hop(sender, dst, f"GET {path} → {ip}:{port}", deadline, res)):
            return (yield from self._timeout(res, deadline))
        agent = self.cluster.cni_agents[node]
        if agent.programmed["policies"]:
            pod = agent.pod_at(ip) or self.cluster.get("Pod", pod_name, ns)
            verdict = agent.check("Ingress", pod, src_ip, port, "TCP", pod)
            if verdict.policies:
                res.path.append(Hop("policy", agent.name, str(verdict), env.now))
            if not verdict.allowed:
                agent.record(f"DROP {src_ip} → {ip}:{port} (ingress)", target=node, conn=res.id)
                return (yield from self._timeout(res, deadline, str(verdict)))
        res.pod, res.namespace, res.node, res.pod_ip, res.seen_ip = pod_name, ns, node, ip, src_ip
        app = self._app(ns, pod_name, node, port)
        status, err = app.serve(path) if app is not None else (None, "connection refused")
        if err == "timeout":
            res.path.append(Hop("pod", f"{pod_name} on {node}", "accepted, never answers (hung)", env.now))
            return (yield from self._timeout(res, deadline, stage="read"))
        if err:
            res.path.append(Hop("pod", f"{pod_name} on {node}", f"nothing listens on {port}: RST", env.now))
            yield from self._hop(dst, client.endpoint, "RST", deadline, res)
            return self._fail(res, "connection refused", refused)
        yield env.timeout(self.rng.uniform(*SERVICE_TIME))
        if not (yield from self._hop(dst, client.endpoint, f"HTTP {status}", deadline, res)):
            return (yield from self._timeout(res, deadline, stage="read"))
        res.status, res.end = status, env.now
        res.path.append(Hop("pod", f"{pod_name} on {node}", f"HTTP {status}", env.now))

    def _to_host(self, client, sender, ip, port, res, deadline, refused):
        """An endpoint that is a host address: kube-apiserver answers on 6443, nothing else."""
        node = self.ip_nodes.get(ip)
        if node is not None:
            self._attach(f"node/{node}", node)
        if node is None or not (yield from self._hop(sender, f"node/{node}", f"GET → {ip}:{port}",
                                                     deadline, res)):
            return (yield from self._timeout(res, deadline))
        apiserver = any(a.host == node and self.net.is_up(a.name) for a in self.cluster.apiservers)
        if port != 6443 or not apiserver:
            res.path.append(Hop("pod", node, f"nothing listens on {port}: RST", self.env.now))
            return self._fail(res, "connection refused", refused)
        yield from self._hop(f"node/{node}", client.endpoint, "HTTP 403", deadline, res)
        res.status, res.end, res.node, res.pod_ip = 403, self.env.now, node, ip
        res.path.append(Hop("pod", f"kube-apiserver on {node}",
                            'HTTP 403: system:anonymous cannot get path "/"', self.env.now))

    # ------------------------------------------------------------------ Pods and programs
    def _pod_object(self, ns: str, name: str) -> Optional[dict]:
        pod = self.specs.get((ns, name))
        if pod is None:
            pod = self.cluster.get("Pod", name, ns)
            if pod is not None:
                self.specs[(ns, name)] = pod
        return pod

    def _pod_at(self, ip: str) -> Optional[tuple]:
        """(namespace, name, node) of the live Pod with this IP."""
        for pod in self.cluster.list("Pod"):
            status = pod.get("status") or {}
            if status.get("podIP") == ip and status.get("phase") not in ("Succeeded", "Failed"):
                return pod["metadata"]["namespace"], pod["metadata"]["name"], pod["spec"].get("nodeName")
        return None

    def _app(self, ns: str, name: str, node: str, port: int):
        """The program listening on ``port`` in the Pod, or None (connection refused)."""
        pod = self._pod_object(ns, name)
        container = listening_container(pod, port) if pod is not None else None
        if container is None:
            return None
        try:
            app = self.cluster.app(name, ns, container)
        except KubesimError:                 # the container is not running (or the Pod is gone)
            self.specs.pop((ns, name), None)
            return None
        return app if app.listening() else None


def listening_container(pod: dict, port: int) -> Optional[str]:
    """The container whose program listens on ``port``: its declared ports, or 80."""
    containers = pod["spec"].get("containers") or []
    declared = [(c["name"], p.get("containerPort")) for c in containers for p in c.get("ports") or []
                if p.get("protocol", "TCP") == "TCP"]
    if not declared:
        return containers[0]["name"] if containers and port == 80 else None
    return next((name for name, number in declared if number == port), None)
