"""NetworkPolicy semantics, table-driven from the examples of the Kubernetes documentation
(https://kubernetes.io/docs/concepts/services-networking/network-policies/), then enforced
in a running cluster."""
from __future__ import annotations

import pytest
import yaml

from kubesim.cni import Peer, allowed
from kubesim.lessons import lesson07

NS_LABELS = {"default": {"kubernetes.io/metadata.name": "default"},
             "myproject": {"kubernetes.io/metadata.name": "myproject", "project": "myproject"},
             "alice-ns": {"kubernetes.io/metadata.name": "alice-ns", "user": "alice"},
             "other": {"kubernetes.io/metadata.name": "other"}}


def pod(ns, ip, **labels):
    return {"metadata": {"namespace": ns, "name": f"p-{ip}", "labels": labels},
            "spec": {"containers": [{"name": "c", "ports": [{"name": "redis", "containerPort": 6379}]}]},
            "status": {"podIP": ip}}


DB = pod("default", "10.244.1.10", role="db")
FRONTEND = pod("default", "10.244.1.11", role="frontend")
FRONTEND_OTHER_NS = pod("other", "10.244.2.11", role="frontend")
MYPROJECT = pod("myproject", "10.244.2.12", app="anything")
ALICE_CLIENT = pod("alice-ns", "10.244.3.13", role="client")
ALICE_OTHER = pod("alice-ns", "10.244.3.14", role="server")
BOB_CLIENT = pod("default", "10.244.3.15", role="client")
PODS = {p["status"]["podIP"]: p for p in (DB, FRONTEND, FRONTEND_OTHER_NS, MYPROJECT, ALICE_CLIENT,
                                           ALICE_OTHER, BOB_CLIENT)}

DOCS = {
    # "The NetworkPolicy resource" example
    "test-network-policy": """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: test-network-policy, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          policyTypes: [Ingress, Egress]
          ingress:
          - from:
            - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
            - namespaceSelector: {matchLabels: {project: myproject}}
            - podSelector: {matchLabels: {role: frontend}}
            ports:
            - {protocol: TCP, port: 6379}
          egress:
          - to:
            - ipBlock: {cidr: 10.0.0.0/24}
            ports:
            - {protocol: TCP, port: 5978}
    """,
    # "Behavior of to and from selectors": one element with both selectors (AND) ...
    "and": """
        metadata: {name: and, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {user: alice}}
              podSelector: {matchLabels: {role: client}}
    """,
    # ... and two elements (OR)
    "or": """
        metadata: {name: or, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {user: alice}}
            - podSelector: {matchLabels: {role: client}}
    """,
    "default-deny-ingress": """
        metadata: {name: default-deny-ingress, namespace: default}
        spec: {podSelector: {}, policyTypes: [Ingress]}
    """,
    "allow-all-ingress": """
        metadata: {name: allow-all-ingress, namespace: default}
        spec: {podSelector: {}, ingress: [{}], policyTypes: [Ingress]}
    """,
    "default-deny-egress": """
        metadata: {name: default-deny-egress, namespace: default}
        spec: {podSelector: {}, policyTypes: [Egress]}
    """,
    "allow-all-egress": """
        metadata: {name: allow-all-egress, namespace: default}
        spec: {podSelector: {}, egress: [{}], policyTypes: [Egress]}
    """,
    "default-deny-all": """
        metadata: {name: default-deny-all, namespace: default}
        spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
    """,
    # "Targeting a range of ports"
    "multi-port-egress": """
        metadata: {name: multi-port-egress, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          policyTypes: [Egress]
          egress:
          - to: [{ipBlock: {cidr: 10.0.0.0/24}}]
            ports: [{protocol: TCP, port: 32000, endPort: 32768}]
    """,
    "named-port": """
        metadata: {name: named-port, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress:
          - ports: [{port: redis}]
    """,
}


def policy(name):
    obj = yaml.safe_load(DOCS[name].replace("\n        ", "\n"))
    spec = obj["spec"]
    if not spec.get("policyTypes"):   # SetDefaults_NetworkPolicy
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    return obj


def connect(policies, src, dst, port, proto="TCP") -> bool:
    """Egress allowed at the source Pod AND ingress allowed at the destination Pod."""
    src_pod, dst_pod = PODS.get(src), PODS.get(dst)
    if src_pod is not None and not allowed(policies, src_pod, "Egress", Peer(dst, dst_pod), port,
                                           proto, NS_LABELS, dst_pod)[0]:
        return False
    if dst_pod is not None and not allowed(policies, dst_pod, "Ingress", Peer(src, src_pod), port,
                                           proto, NS_LABELS, dst_pod)[0]:
        return False
    return True


db, fe, fe_other, myproj = "10.244.1.10", "10.244.1.11", "10.244.2.11", "10.244.2.12"
alice_client, alice_other, bob_client = "10.244.3.13", "10.244.3.14", "10.244.3.15"

CASES = [
    # policy, source, destination, port, allowed?
    (None, fe, db, 6379, True),                      # no policy: default allow
    ("test-network-policy", fe, db, 6379, True),     # podSelector role=frontend
    ("test-network-policy", fe, db, 80, False),      # only port 6379
    ("test-network-policy", fe_other, db, 6379, False),   # podSelector: own namespace only
    ("test-network-policy", myproj, db, 6379, True),  # namespaceSelector project=myproject
    ("test-network-policy", "172.17.0.5", db, 6379, True),   # ipBlock
    ("test-network-policy", "172.17.1.5", db, 6379, False),  # ipBlock except
    ("test-network-policy", "192.168.9.9", db, 6379, False),
    ("test-network-policy", db, "10.0.0.7", 5978, True),     # egress rule
    ("test-network-policy", db, "10.0.0.7", 80, False),
    ("test-network-policy", db, "10.0.1.7", 5978, False),
    ("test-network-policy", db, fe, 8080, False),    # db is isolated for egress too
    ("test-network-policy", fe, bob_client, 80, True),    # Pods no policy selects: untouched
    ("and", alice_client, db, 80, True),             # alice's namespace AND role=client
    ("and", alice_other, db, 80, False),
    ("and", bob_client, db, 80, False),
    ("or", alice_client, db, 80, True),
    ("or", alice_other, db, 80, True),               # alice's namespace OR ...
    ("or", bob_client, db, 80, True),                # ... role=client here
    ("or", fe, db, 80, False),
    ("default-deny-ingress", fe, db, 6379, False),
    ("default-deny-ingress", db, "10.0.0.7", 80, True),   # egress untouched
    ("default-deny-ingress", myproj, alice_other, 80, True),  # other namespaces untouched
    ("allow-all-ingress", "192.168.9.9", db, 1, True),
    ("default-deny-egress", db, "10.0.0.7", 80, False),
    ("default-deny-egress", "172.17.0.5", db, 80, True),  # ingress untouched
    ("allow-all-egress", db, "8.8.8.8", 53, True),
    ("default-deny-all", fe, db, 80, False),
    ("default-deny-all", myproj, db, 80, False),
    ("default-deny-all", myproj, alice_other, 80, True),
    ("multi-port-egress", db, "10.0.0.7", 32000, True),
    ("multi-port-egress", db, "10.0.0.7", 32768, True),
    ("multi-port-egress", db, "10.0.0.7", 32769, False),
    ("multi-port-egress", db, "10.0.0.7", 31999, False),
    ("named-port", fe_other, db, 6379, True),        # `port: redis` is the Pod's named port
    ("named-port", fe_other, db, 6380, False),
]


@pytest.mark.parametrize("name, src, dst, port, want", CASES)
def test_docs_examples(name, src, dst, port, want):
    policies = [policy(name)] if name else []
    assert connect(policies, src, dst, port) is want


def test_policies_are_additive():
    both = [policy("default-deny-ingress"), policy("test-network-policy")]
    assert connect(both, fe, db, 6379) is True       # deny-all + allow frontend = frontend allowed
    assert connect(both, fe, bob_client, 80) is False


# ---------------------------------------------------------------------- enforced by the CNI agents
CROSS_NS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: same-namespace-only
  namespace: shop
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
"""


def test_cluster_enforces_policies_on_every_node():
    c = lesson07.policy_scene()
    before = lesson07.policy_table(c)
    assert all(r.ok for *_rest, r in before)         # default allow
    c.apply(CROSS_NS)
    c.run(1)
    from_default = c.http_get("http://backend.shop:8080", source="default/frontend", timeout=1)
    assert from_default.error == "timeout" and "same-namespace-only" in from_default.dropped_by
    assert "ingress dropped" in from_default.explain()
    assert c.http_get("http://backend.shop:9090", source="shop/intruder").ok
    records = [r for r in c.trace if r.kind == "component" and r.summary.startswith("DROP")]
    assert records and records[-1].source.startswith("cni-agent-")


def test_egress_policy_without_dns_breaks_name_lookups():
    c = lesson07.policy_scene()
    c.apply("""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: backend}}}]
    ports: [{port: 8080}]
""")
    c.run(1)
    assert c.http_get("http://backend.shop:8080", source="shop/frontend", timeout=3).error == "timeout"
    ip = c.get("Service", "backend", "shop")["spec"]["clusterIP"]
    assert c.http_get(f"http://{ip}:8080", source="shop/frontend").ok     # by IP it works
