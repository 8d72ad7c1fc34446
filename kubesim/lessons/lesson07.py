"""Lesson 07 — Services and kube-proxy: scenarios, a small widget, and the exercise checks.

The notebook builds its clusters with :func:`web_story`; the exercises' check cells call
:func:`check_selector_fix`, :func:`check_affinity` and :func:`check_backend_policy`, which print
✅/❌ lines through :mod:`kubesim.checks` and return a truthy/falsy result.
"""
from __future__ import annotations

from collections import Counter
from fractions import Fraction

from .. import seed
from ..api.podutil import is_pod_ready
from ..checks import checking
from ..cluster import Cluster
from ..errors import KubesimError

#: A client Pod to send requests from (``kubectl run client --image=busybox -- sleep …``).
CLIENT = """\
apiVersion: v1
kind: Pod
metadata:
  name: client
  labels:
    app: client
spec:
  containers:
  - name: client
    image: busybox:1.36
    command: ["sleep", "100000"]
"""

#: The readiness probe the lesson adds to ``web-app`` (fast, to keep the lesson short).
READINESS_PROBE = """\
        readinessProbe:
          httpGet:
            path: /
            port: 80
          periodSeconds: 1
          failureThreshold: 2
"""

#: The exercise's broken Service: its selector names a label no Pod has.
BROKEN_SERVICE = seed.SERVICE.replace("    app: web\n", "    app: web-app\n")


def deployment(image: str = "nginx:1.25", probe: bool = False, startup_seconds: float = 0,
               replicas: int = 3, shutdown_seconds: float = 0) -> str:
    """The seed's ``web-app`` Deployment, optionally with another image, a readiness probe,
    a program that needs ``startup_seconds`` before it listens (``KUBESIM_STARTUP_SECONDS``)
    and ``shutdown_seconds`` to finish its requests after SIGTERM (``KUBESIM_SHUTDOWN_SECONDS``)."""
    text = seed.DEPLOYMENT.replace("nginx:1.25", image).replace("replicas: 3", f"replicas: {replicas}")
    env = [(name, value) for name, value in (("KUBESIM_STARTUP_SECONDS", startup_seconds),
                                             ("KUBESIM_SHUTDOWN_SECONDS", shutdown_seconds)) if value]
    extra = ""
    if env:
        extra += "        env:\n" + "".join(f'        - name: {name}\n          value: "{value:g}"\n'
                                            for name, value in env)
    if probe:
        extra += READINESS_PROBE
    return text.replace("        - containerPort: 80\n", "        - containerPort: 80\n" + extra)


def web_story(seed_value: int = 0, proxy_mode: str = "iptables", service: str = seed.SERVICE,
              probe: bool = False, seconds: float = 20.0, **cluster_args) -> Cluster:
    """A cluster running the seed's ``web-app`` behind ``service``, plus a ``client`` Pod."""
    c = Cluster(seed=seed_value, proxy_mode=proxy_mode, **cluster_args)
    c.apply(deployment(probe=probe))
    if service:
        c.apply(service)
    c.apply(CLIENT)
    c.run(seconds)
    return c


def web_pods(c: Cluster) -> list[str]:
    """Names of the live ``app=web`` Pods, sorted."""
    return sorted(p["metadata"]["name"] for p in c.list("Pod", "default", selector="app=web")
                  if not p["metadata"].get("deletionTimestamp"))


def at(c: Cluster, delay: float, action) -> None:
    """Run ``action()`` ``delay`` simulated seconds from now (while a load runs, say).

    ``action`` may return a client request event (``c.client().patch(...)``): it is sent
    without waiting for the answer.
    """
    def later():
        yield c.env.timeout(delay)
        action()
    c.env.process(later())


def scale_at(c: Cluster, delay: float, replicas: int, name: str = "web-app") -> None:
    """``kubectl scale deployment <name> --replicas=N``, ``delay`` seconds from now."""
    at(c, delay, lambda: c.client().patch("deployments", name, {"spec": {"replicas": replicas}},
                                          namespace="default"))


def rollout_under_load(probe: bool, seed_value: int = 0, rps: float = 50, seconds: float = 30):
    """``web-app`` rolls from nginx:1.25 to nginx:1.26 while a client sends ``rps`` requests
    per second.  Its program needs 5 s to start listening and finishes its requests for 2 s
    after SIGTERM (so only *starting* Pods can cause errors).  Returns ``(cluster, LoadResult)``."""
    c = Cluster(seed=seed_value)
    c.apply(deployment(probe=probe, startup_seconds=5, shutdown_seconds=2))
    c.apply(seed.SERVICE)
    c.apply(CLIENT)
    c.run(30)

    def set_image():   # kubectl set image deployment/web-app web=nginx:1.26
        dep = c.get("Deployment", "web-app")
        dep["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
        return c.client().update("deployments", dep)
    at(c, 1.0, set_image)
    return c, c.load("http://web-service", rps=rps, seconds=seconds, source="client")


def deletion_window(c: Cluster, rps: float = 1000, seconds: float = 1.0):
    """Delete one ``web-app`` Pod while a client sends ``rps`` requests per second.

    Returns ``(victim, deleted_at, run, synced)``: when the Pod was deleted, the requests, and
    when each node's kube-proxy next programmed its rules (seconds, simulated).
    """
    ready = [p["metadata"]["name"] for p in c.list("Pod", "default", selector="app=web")
             if is_pod_ready(p) and not p["metadata"].get("deletionTimestamp")]
    victim = sorted(ready)[0]
    deleted_at = c.now + 0.05
    at(c, 0.05, lambda: c.client().delete("pods", victim, namespace="default"))
    start = len(c.trace)
    run = c.load("http://web-service", rps=rps, seconds=seconds, source="client")
    synced = {}
    for rec in c.trace.records[start:]:
        if rec.kind == "component" and rec.source.startswith("kube-proxy-") \
                and rec.summary.startswith("programmed") and rec.time >= deleted_at:
            synced.setdefault(rec.target, rec.time)
    return victim, deleted_at, run, synced


#: Lesson 07's cross-namespace scene: the seed's finance-prod namespace runs a ledger.
FINANCE = seed.NAMESPACE + """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ledger
  namespace: finance-prod
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ledger
  template:
    metadata:
      labels:
        app: ledger
    spec:
      containers:
      - name: ledger
        image: nginx:1.25
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: ledger
  namespace: finance-prod
spec:
  selector:
    app: ledger
  ports:
  - port: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: auditor
  namespace: finance-prod
spec:
  containers:
  - name: shell
    image: busybox:1.36
    command: ["sleep", "100000"]
"""

#: Only Pods of finance-prod may connect to Pods of finance-prod.
SAME_NAMESPACE_ONLY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: same-namespace-only
  namespace: finance-prod
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  ingress:
  - from:
    - podSelector: {}
"""


def finance_story(seed_value: int = 0) -> Cluster:
    """The ``finance-prod`` ledger, a client in ``default`` and an auditor in ``finance-prod``."""
    c = Cluster(seed=seed_value)
    c.apply(FINANCE)
    c.apply(CLIENT)
    c.run(20)
    return c


def reachability(c: Cluster, url: str, sources, timeout: float = 2.0) -> str:
    """A table: what each source gets from ``url``."""
    lines = []
    for src in sources:
        r = c.http_get(url, source=src, timeout=timeout)
        lines.append(f"{src:<22} → {url}: {r if r.ok else r.error}"
                     + (f"  [{r.dropped_by}]" if r.dropped_by else ""))
    return "\n".join(lines)


def endpoint_conditions(c: Cluster, service: str = "web-service", namespace: str = "default") -> str:
    """One line per endpoint of a Service: Pod, address and its three conditions."""
    lines = [f"{'POD':<26} {'ADDRESS':<12} READY  SERVING  TERMINATING"]
    for s in c.list("EndpointSlice", namespace, selector=f"kubernetes.io/service-name={service}"):
        for e in s.get("endpoints") or []:
            cond = e.get("conditions") or {}
            lines.append(f"{(e.get('targetRef') or {}).get('name', ''):<26} {e['addresses'][0]:<12} "
                         f"{str(cond.get('ready')).lower():<6} {str(cond.get('serving')).lower():<8} "
                         f"{str(cond.get('terminating')).lower()}")
    return "\n".join(lines)


def probability_chain(n: int) -> str:
    """The iptables ladder for ``n`` endpoints: each rule's probability and each Pod's share."""
    lines = ["rule  --probability   P(reach rule)  P(this Pod)"]
    reach = Fraction(1)
    for i in range(n):
        p = Fraction(1, n - i)
        shown = f"{float(p):.10f}" if i < n - 1 else "(always)   "
        lines.append(f"{i + 1:>4}  {shown:<14}  {str(reach):>13}  {str(reach * p):>11}")
        reach *= 1 - p
    return "\n".join(lines)


# ---------------------------------------------------------------------- a small widget
def request_console(c: Cluster, url: str = "http://web-service", source: str = "client"):
    """Buttons that send 1 or 20 requests and show which Pod answered (an ipywidgets VBox)."""
    import ipywidgets as widgets

    from ..widgets import show

    counts: Counter = Counter()
    out = widgets.Output()
    one = widgets.Button(description="send 1 request", button_style="info")
    many = widgets.Button(description="send 20 requests")

    def send(n: int) -> None:
        last = None
        for _ in range(n):
            last = c.http_get(url, source=source)
            counts[last.pod or f"error: {last.error}"] += 1
        table = "\n".join(f"  {pod:<28} {k:>4}  {'█' * k}" for pod, k in sorted(counts.items()))
        show(out, f"{last.explain()}\n\nanswers so far:\n{table}")

    one.on_click(lambda _b: send(1))
    many.on_click(lambda _b: send(20))
    box = widgets.VBox([widgets.HBox([one, many]), out])
    box.send = send
    return box


# ---------------------------------------------------------------------- exercise checks
def _apply(c: Cluster, manifest: str, check) -> bool:
    try:
        c.apply(manifest)
        return True
    except KubesimError as err:
        check.check(False, "", f"kubectl apply refused it:\n{err}")
        return False


def _learner_service(c, manifest, variable: str, settle: float):
    """Apply a learner's ``web-service`` to the web story without a Service and let it settle
    ``settle`` seconds: ``(cluster, service)``, or None after a ❌ line."""
    if not isinstance(manifest, str) or not manifest.strip():
        c.check(False, "", f"`{variable}` should be the YAML text of a Service")
        return None
    cluster = web_story(service="")
    if not _apply(cluster, manifest, c):
        return None
    cluster.run(settle)
    svc = cluster.get("Service", "web-service")
    if not c.check(svc is not None, "there is a Service named web-service",
                   "keep `metadata.name: web-service` — clients use that DNS name"):
        return None
    return cluster, svc


def check_selector_fix(manifest: str):
    """Exercise (a): the fixed ``web-service`` has endpoints and answers."""
    with checking("your fixed web-service") as c:
        found = _learner_service(c, manifest, "fixed_service", settle=5)
        if found is None:
            return c
        cluster, _ = found
        slices = cluster.list("EndpointSlice", "default", selector="kubernetes.io/service-name=web-service")
        addresses = [a for s in slices for e in s.get("endpoints") or [] for a in e["addresses"]]
        if not c.check(len(addresses) == 3, "its EndpointSlice lists the 3 web-app Pods",
                       f"its EndpointSlices list {len(addresses)} addresses: the selector must match "
                       "the Pods' labels (`kubectl get pods --show-labels`)"):
            return c
        r = cluster.http_get("http://web-service", source="client", timeout=2)
        c.check(r.ok, f"http://web-service answers: {r}",
                f"the endpoints exist but the request fails ({r}): does `targetPort` match the "
                "port nginx listens on?")
    return c


def check_affinity(manifest: str, requests: int = 20):
    """Exercise (b): with ``sessionAffinity: ClientIP`` one client always reaches one Pod."""
    with checking("your sticky web-service") as c:
        found = _learner_service(c, manifest, "sticky_service", settle=3)
        if found is None:
            return c
        cluster, svc = found
        if not c.check(svc["spec"].get("sessionAffinity") == "ClientIP",
                       "spec.sessionAffinity is ClientIP",
                       f"spec.sessionAffinity is {svc['spec'].get('sessionAffinity')!r}: set it to ClientIP"):
            return c
        served = {cluster.http_get("http://web-service", source="client", timeout=2).pod
                  for _ in range(requests)}
        if not c.check(len(served) == 1 and None not in served,
                       f"{requests} requests from one client all reached {sorted(served)[0]}",
                       f"the requests reached {sorted(map(str, served))}: check the selector and ports"):
            return c
        others = {cluster.http_get("http://web-service", source="client", client_ip=f"10.244.9.{i}").pod
                  for i in range(1, 25)}
        c.check(len(others) > 1, f"other clients still spread over {len(others)} Pods",
                "every client IP lands on the same Pod — is the Deployment scaled down?")
    return c


#: The exercise (c) scene: a frontend, a backend listening on 8080 and 9090, an intruder.
POLICY_SCENE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: backend
  template:
    metadata:
      labels:
        app: backend
    spec:
      containers:
      - name: api
        image: ghcr.io/kubesim/api:v1
        ports:
        - containerPort: 8080
        - containerPort: 9090
---
apiVersion: v1
kind: Service
metadata:
  name: backend
  namespace: shop
spec:
  selector:
    app: backend
  ports:
  - name: http
    port: 8080
  - name: admin
    port: 9090
---
apiVersion: v1
kind: Pod
metadata:
  name: frontend
  namespace: shop
  labels:
    app: frontend
spec:
  containers:
  - name: web
    image: ghcr.io/kubesim/web:v1
---
apiVersion: v1
kind: Pod
metadata:
  name: intruder
  namespace: shop
  labels:
    app: debug
spec:
  containers:
  - name: shell
    image: busybox:1.36
    command: ["sleep", "100000"]
---
apiVersion: v1
kind: Pod
metadata:
  name: frontend
  labels:
    app: frontend
spec:
  containers:
  - name: web
    image: ghcr.io/kubesim/web:v1
"""

#: (source, URL, allowed?) — what the policy must allow and drop.
POLICY_CASES = [
    ("shop/frontend", "http://backend.shop:8080", True),
    ("shop/frontend", "http://backend.shop:9090", False),
    ("shop/intruder", "http://backend.shop:8080", False),
    ("default/frontend", "http://backend.shop:8080", False),
]


def policy_scene(seed_value: int = 0) -> Cluster:
    """The exercise (c) cluster before any NetworkPolicy: everything reaches everything."""
    c = Cluster(seed=seed_value)
    c.apply(POLICY_SCENE)
    c.run(25)
    return c


def policy_table(c: Cluster, timeout: float = 1.0) -> list[tuple]:
    """[(source, url, expected, HttpResult)] for :data:`POLICY_CASES`."""
    return [(src, url, want, c.http_get(url, source=src, timeout=timeout)) for src, url, want in POLICY_CASES]


def check_backend_policy(manifest: str):
    """Exercise (c): only ``app=frontend`` in ``shop`` reaches the backend, and only on 8080."""
    with checking("your NetworkPolicy") as c:
        if not isinstance(manifest, str) or "NetworkPolicy" not in manifest:
            return c.check(False, "", "`policy` should be the YAML text of a NetworkPolicy")
        cluster = policy_scene()
        if not _apply(cluster, manifest, c):
            return c
        cluster.run(1)
        table = policy_table(cluster)
        leaks = [src + ":" + url.rsplit(":", 1)[1] for src, url, want, r in table if not want and r.ok]
        for src, url, want, r in table:
            port = url.rsplit(":", 1)[1]
            if want:
                c.check(r.ok, f"{src} → backend:{port} is allowed ({r.status})",
                        f"{src} → backend:{port} should work but got: {r}. Does the policy allow "
                        "port 8080 from Pods labelled app=frontend?")
            else:
                c.check(not r.ok and r.dropped_by is not None, f"{src} → backend:{port} is dropped",
                        f"{src} → backend:{port} should be dropped but got: {r}. " + _policy_hint(leaks))
    return c


def _policy_hint(leaks: list[str]) -> str:
    """One hint for the pattern of connections that got through."""
    if len(leaks) == 3:
        return ("Nothing is dropped: is the policy in namespace shop, selecting the backend Pods "
                "(`spec.podSelector: {matchLabels: {app: backend}}`) for Ingress?")
    if "shop/intruder:8080" in leaks:
        return "The ingress rule lets in more than app=frontend: check its `from` podSelector."
    if "default/frontend:8080" in leaks:
        return ("A `podSelector` alone matches Pods of the policy's own namespace — "
                "did you add a `namespaceSelector` that lets every namespace in?")
    return "List only port 8080 under the rule's `ports`."
