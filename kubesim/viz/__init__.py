"""Figures of a kubesim cluster, drawn only from its recorded trace and static topology."""
from .graph import component_graph
from .story import first_path, pod_story

__all__ = ["component_graph", "first_path", "pod_story"]
