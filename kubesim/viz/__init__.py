"""Figures of a kubesim cluster, drawn only from its recorded trace and static topology."""
from .animation import message_animation
from .graph import component_graph
from .pods import pod_lives, pod_timeline
from .sequence import sequence_diagram
from .story import first_path, pod_story

__all__ = ["component_graph", "first_path", "message_animation", "pod_lives", "pod_story",
           "pod_timeline", "sequence_diagram"]
