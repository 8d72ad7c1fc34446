"""kubesim: a small, deterministic Kubernetes cluster model for learning how a cluster works."""
__version__ = "0.1.0"
