"""kubesim: a small, deterministic Kubernetes cluster model for learning how a cluster works.

    import kubesim
    c = kubesim.Cluster(seed=0)
    c.apply(manifest_text)
    c.run(30)
    print(c.kubectl("get pods -o wide"))

``kubesim.Cluster`` is imported on first use, so light modules (``kubesim.checks``,
``kubesim.course``) load without the whole simulator.
"""
__version__ = "0.1.0"

__all__ = ["Cluster", "errors", "__version__"]


def __getattr__(name):
    if name == "Cluster":
        from .cluster import Cluster
        return Cluster
    if name == "errors":
        from . import errors
        return errors
    raise AttributeError(f"module 'kubesim' has no attribute {name!r}")
