"""The shape every controller has: informers feed a work queue, workers reconcile keys.

A learner's own controller is a subclass that sets ``resource`` and implements
:meth:`Controller.reconcile`; see ``notebooks/05-reconciliation.ipynb``.
"""
from __future__ import annotations

from ..errors import StatusError
from ..informers import WorkQueue, key_of


class Controller:
    """Base class: one work queue, ``workers`` worker processes, ``reconcile(key)``."""

    #: Controller name as kube-controller-manager knows it (``replicaset-controller`` …).
    name = "controller"
    workers = 1

    def __init__(self, manager):
        self.manager = manager
        self.env = manager.env
        self.client = manager.client
        self.recorder = manager.recorder(self.name)
        self.queue = WorkQueue(self.env, self.name)

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
