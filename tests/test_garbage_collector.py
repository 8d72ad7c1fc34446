"""ownerReferences and cascading deletion: background, foreground, orphan."""
from __future__ import annotations

import kubesim
from kubesim import seed


def fresh():
    c = kubesim.Cluster(seed=0)
    c.apply(seed.DEPLOYMENT)
    c.run(10)
    return c


def test_background_deletion_removes_the_owner_first_then_its_dependents():
    c = fresh()
    c.kubectl("delete deployment web-app --wait=false")
    assert c.get("Deployment", "web-app") is None
    c.run(0.2)
    assert c.list("Pod", "default"), "dependents go after their owner"
    c.run(30)
    assert c.list("ReplicaSet", "default") == [] and c.list("Pod", "default") == []


def test_foreground_deletion_keeps_the_owner_until_its_dependents_are_gone():
    c = fresh()
    c.kubectl("delete deployment web-app --cascade=foreground --wait=false")
    d = c.get("Deployment", "web-app")
    assert d["metadata"]["deletionTimestamp"] and "foregroundDeletion" in d["metadata"]["finalizers"]
    c.run(30)
    assert c.get("Deployment", "web-app") is None
    assert c.list("ReplicaSet", "default") == [] and c.list("Pod", "default") == []


def test_orphan_deletion_leaves_the_dependents_without_an_owner():
    c = fresh()
    assert c.kubectl("delete deployment web-app --cascade=orphan") == 'deployment.apps "web-app" deleted'
    c.run(10)
    assert c.get("Deployment", "web-app") is None
    rss = c.list("ReplicaSet", "default")
    assert len(rss) == 1 and not rss[0]["metadata"].get("ownerReferences")
    assert len(c.list("Pod", "default")) == 3
