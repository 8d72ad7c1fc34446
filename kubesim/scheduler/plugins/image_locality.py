"""ImageLocality: prefer nodes that already have the Pod's container images.

Follows k8s.io/kubernetes pkg/scheduler/framework/plugins/imagelocality/image_locality.go
(tested against image_locality_test.go).  Images come from the Node's ``status.images``.

Each image already on the node is worth ``size × (nodes having it / all nodes)`` — an
image present everywhere says little about *this* node (no "herding").  The sum is
clamped to [23 MiB, 1000 MiB × containers] and mapped linearly onto 0–100, so small
images score nothing.
"""
from __future__ import annotations

from ..framework import MAX_NODE_SCORE, NODE_ADD, NODE_UPDATE, Plugin
from ..snapshot import normalized_image_name

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """Clamp the summed image scores and scale them to 0-100."""
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    sum_scores = max(MIN_THRESHOLD, min(sum_scores, max_threshold))
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    name = "ImageLocality"
    node_local = True
    events = frozenset({NODE_ADD, NODE_UPDATE})

    def cluster_key(self, state):
        """The score also depends on how many nodes exist and which have which images."""
        return (state.snapshot.num_nodes, state.snapshot.images_version)

    def pre_score(self, state, pod, nodes):
        spec = pod["spec"]
        containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
        state.write("PreScoreImageLocality",
                    ([normalized_image_name(c.get("image", "")) for c in containers], len(containers)))

    def score(self, state, pod, node_info):
        images, num_containers = state.read("PreScoreImageLocality")
        have = node_info.image_states
        total_nodes = state.snapshot.num_nodes
        score = 0
        if have:
            for image in images:
                image_state = have.get(image)
                if image_state is not None:   # scaledImageScore
                    score += int(image_state.size * (image_state.num_nodes / total_nodes))
        return calculate_priority(score, num_containers)
