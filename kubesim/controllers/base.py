"""The shape every controller has: informers feed a work queue, workers reconcile keys.

A controller of your own is a subclass that lists the resources it ``watches`` and
implements :meth:`Controller.reconcile` — a generator that reads the informer cache and
writes through ``self.client``::

    class TeamLabeler(Controller):
        name = "team-labeler"
        watches = ("pods",)          # every change of a Pod enqueues its key

        def reconcile(self, key):
            pod = self.informer("pods").get(key)       # current state, from the cache
            if pod is None or pod["metadata"].get("labels", {}).get("team"):
                return                                 # gone, or already right
            yield self.client.patch("pods", pod["metadata"]["name"],
                                    {"metadata": {"labels": {"team": "web"}}},
                                    namespace=pod["metadata"]["namespace"])

    cluster.add_controller(TeamLabeler)

``reconcile`` is *level-triggered*: it looks at the object as it is now, never at the
event that woke it, so a missed or repeated event does no harm.  If it raises a
:class:`~kubesim.errors.StatusError` (a Conflict, say) the key comes back after a back-off.
See ``notebooks/05-reconciliation.ipynb``.
"""
from __future__ import annotations

from ..errors import StatusError
from ..informers import WorkQueue, key_of


class Controller:
    """Base class: one work queue, ``workers`` worker processes, ``reconcile(key)``."""

    #: Controller name as kube-controller-manager knows it (``replicaset-controller`` …).
    name = "controller"
    workers = 1
    #: Resources whose every add/update/delete enqueues the object's own key.
    watches: tuple = ()

    def __init__(self, manager):
        self.manager = manager
        self.env = manager.env
        self.client = manager.client
        self.recorder = manager.recorder(self.name)
        self.queue = WorkQueue(self.env, self.name)
        for resource in self.watches:
            self.informer(resource).add_handlers(
                on_add=self.enqueue, on_update=lambda old, new: self.enqueue(new),
                on_delete=self.enqueue)

    def informer(self, resource: str):
        """The manager's shared informer for ``resource``."""
        return self.manager.informer(resource)

    def enqueue(self, obj: dict) -> None:
        self.queue.add(key_of(obj))

    def start(self) -> None:
        for _ in range(self.workers):
            self.manager.run(self._worker())

    def _worker(self):
        yield self.manager.all_synced()
        while True:
            key = yield self.queue.get()
            try:
                yield from self.reconcile(key)
            except StatusError as err:
                self.manager.record(f"{self.name}: {key}: {err.reason or 'error'}; requeued",
                                    controller=self.name, key=key)
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
            finally:
                self.queue.done(key)

    def reconcile(self, key: str):  # pragma: no cover - abstract
        """Drive the object named ``key`` toward its desired state (a generator)."""
        raise NotImplementedError
        yield
