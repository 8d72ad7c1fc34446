"""kube-proxy: Services made real on every node (one :class:`KubeProxy` per node).

* :mod:`.servicemap` — what kube-proxy reads from Services and EndpointSlices;
* :mod:`.iptables` — the iptables rules it writes and how a new connection walks them;
* :mod:`.ipvs` — the IPVS virtual servers and their ``rr``/``lc`` schedulers;
* :mod:`.kubeproxy` — the component: informers, the bounded-frequency sync runner;
* :mod:`.viz` — figures of traffic through the rules (built from the trace).
"""
from .kubeproxy import MODES, KubeProxy

__all__ = ["KubeProxy", "MODES"]
