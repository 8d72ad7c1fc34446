"""What several lessons' checks share."""
from __future__ import annotations

from typing import Optional

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
