"""What several lessons' checks share."""
from __future__ import annotations

from typing import Optional

from ..api import manifests
from ..cluster import Cluster
from ..errors import KubesimError


def apply_to_fresh_cluster(checker, manifest, not_text_hint: str, seed: int = 0) -> Optional[Cluster]:
    """Apply a learner's manifest text to a new cluster, reporting through ``checker``.

    Returns the cluster, or None after a ❌ line when ``manifest`` is not YAML text
    (``not_text_hint`` says what it should be) or kubectl refuses it.
    """
    if not isinstance(manifest, str) or not manifest.strip():
        checker.check(False, "", not_text_hint)
        return None
    cluster = Cluster(seed=seed)
    try:
        lines = cluster.apply(manifest)
    except KubesimError as err:
        checker.check(False, "", f"kubectl apply refused it:\n{err}")
        return None
    checker.check(True, "kubectl apply accepted it: " + ", ".join(lines))
    return cluster


def learner_deployment(checker, manifest, name: str, variable: str) -> Optional[dict]:
    """The one Deployment called ``name`` in a learner's YAML text ``manifest`` (the answer
    variable ``variable``), or None after a ❌ line that says what is wrong with the text."""
    if not isinstance(manifest, str) or not manifest.strip():
        checker.check(False, "", f"`{variable}` should be the YAML text of the Deployment")
        return None
    try:
        docs = [d.obj for d in manifests.load(manifest)]
    except KubesimError as err:
        checker.check(False, "", f"the YAML does not parse:\n{err}")
        return None
    deps = [d for d in docs if d.get("kind") == "Deployment"]
    if len(deps) != 1 or deps[0].get("metadata", {}).get("name") != name:
        checker.check(False, "", f"give one Deployment named {name} (start from the manifest above)")
        return None
    return deps[0]
