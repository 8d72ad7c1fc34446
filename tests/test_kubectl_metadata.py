"""kubectl label / annotate, and the pod-deletion-cost annotation the ReplicaSet honours."""
from __future__ import annotations

import pytest

import kubesim
from kubesim import seed

COST = "controller.kubernetes.io/pod-deletion-cost"


@pytest.fixture(scope="module")
def cluster():
    c = kubesim.Cluster(seed=0)
    c.apply(seed.DEPLOYMENT)
    c.run(15)
    return c


def first_pod(c) -> str:
    return sorted(p["metadata"]["name"] for p in c.list("Pod", "default"))[0]


def test_label_add_refuse_overwrite_and_remove(cluster):
    c, p = cluster, first_pod(cluster)
    assert c.kubectl(f"label pod {p} team=web") == f"pod/{p} labeled"
    assert c.get("Pod", p)["metadata"]["labels"]["team"] == "web"
    assert c.kubectl(f"label pod {p} team=ops") == \
        "error: 'team' already has a value (web), and --overwrite is false"
    assert c.get("Pod", p)["metadata"]["labels"]["team"] == "web", "nothing half-applied"
    assert c.kubectl(f"label pod {p} team=ops --overwrite") == f"pod/{p} labeled"
    assert c.kubectl(f"label pod {p} team=ops") == f"pod/{p} not labeled"
    assert c.kubectl(f"label pod/{p} team- missing-") == \
        f'label "missing" not found.\npod/{p} unlabeled'
    assert "team" not in c.get("Pod", p)["metadata"]["labels"]
    assert c.kubectl(f"label pod {p} tier=web app-") == f"pod/{p} label(s) changed"
    c.kubectl(f"label pod {p} app=web tier-")


@pytest.mark.parametrize("command, error", [
    ("label pod {p}", "error: at least one label update is required"),
    ("label pods tier=x", "error: one or more resources must be specified as <resource> <name> "
                          "or <resource>/<name>"),
    ("label pod {p} a=b=c", "error: invalid label spec: a=b=c"),
    ("label pod {p} a=b a-", "error: can not both modify and remove a label in the same command"),
    ("label pod {p} a=b pods", "error: all resources must be specified before label changes: pods"),
    ("label pod nope a=b", 'Error from server (NotFound): pods "nope" not found'),
    ("annotate pod {p}", "error: at least one annotation update is required"),
    ("annotate pod {p} a=1 a-",
     "error: can not both modify and remove an annotation in the same command"),
])
def test_errors_read_like_kubectls(cluster, command, error):
    assert cluster.kubectl(command.format(p=first_pod(cluster))) == error


def test_invalid_label_value_is_explained(cluster):
    out = cluster.kubectl(f"label pod {first_pod(cluster)} 'a=bad value'")
    assert out.startswith('error: invalid label value: "a=bad value": a valid label must be')


def test_label_by_selector_and_cluster_scoped(cluster):
    c = cluster
    out = c.kubectl("label pods -l app=web tier=frontend").splitlines()
    assert len(out) == 3 and all(line.endswith(" labeled") for line in out)
    assert len(c.list("Pod", "default", selector="tier=frontend")) == 3
    assert c.kubectl("label node worker-1 disk=ssd") == "node/worker-1 labeled"
    assert c.get("Node", "worker-1")["metadata"]["labels"]["disk"] == "ssd"


def test_annotate_and_its_overwrite_rule(cluster):
    c, p = cluster, first_pod(cluster)
    assert c.kubectl(f"annotate pod {p} note=a=b") == f"pod/{p} annotated"
    assert c.get("Pod", p)["metadata"]["annotations"]["note"] == "a=b"
    assert c.kubectl(f"annotate pod {p} note=c") == (
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (a=b)")
    assert c.kubectl(f"annotate pod {p} note=c --overwrite") == f"pod/{p} annotated"
    assert c.kubectl(f"annotate pod {p} note-") == f"pod/{p} annotated"
    assert "note" not in (c.get("Pod", p)["metadata"].get("annotations") or {})


def scale_down_victim(annotate: str | None) -> tuple[str, list[str]]:
    c = kubesim.Cluster(seed=3)
    c.apply(seed.DEPLOYMENT)
    c.run(20)
    before = sorted(p["metadata"]["name"] for p in c.list("Pod", "default"))
    if annotate:
        assert c.kubectl(f"annotate pod {annotate} {COST}=-100") == f"pod/{annotate} annotated"
    c.kubectl("scale deployment web-app --replicas=2")
    c.run(5)
    after = {p["metadata"]["name"] for p in c.list("Pod", "default")}
    (gone,) = set(before) - after
    return gone, before


def test_pod_deletion_cost_chooses_the_scale_down_victim():
    default_victim, pods = scale_down_victim(None)
    cheap = next(p for p in pods if p != default_victim)
    victim, _ = scale_down_victim(cheap)
    assert victim == cheap != default_victim


def test_label_columns_show_a_label_per_column(cluster):
    """``kubectl get -L key`` adds a column headed by the key's last segment in capitals;
    keys may be comma-separated or repeated, and a missing label is an empty cell."""
    out = cluster.kubectl("get nodes -L topology.kubernetes.io/zone,kubernetes.io/os -L team")
    header = out.splitlines()[0].split()
    assert header[-3:] == ["ZONE", "OS", "TEAM"]
    row = next(line for line in out.splitlines() if line.startswith("worker-2"))
    assert row.split()[-2:] == [cluster.get("Node", "worker-2")["metadata"]["labels"]
                                ["topology.kubernetes.io/zone"], "linux"]
