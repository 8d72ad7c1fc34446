"""kubesim: a small, deterministic Kubernetes cluster model for learning how a cluster works.

    import kubesim
    c = kubesim.Cluster(seed=0)
    c.apply(manifest_text)
    c.run(30)
    print(c.kubectl("get pods -o wide"))
"""
__version__ = "0.1.0"

from .cluster import Cluster  # noqa: E402
from . import errors  # noqa: E402

__all__ = ["Cluster", "errors", "__version__"]
