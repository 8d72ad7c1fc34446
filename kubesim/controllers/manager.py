"""kube-controller-manager: many independent control loops in one process.

It shares one informer per resource between its controllers (a SharedInformerFactory),
so the API server sees one list + watch per resource, not one per controller.
"""
from __future__ import annotations

from ..client import APIClient
from ..component import Component
from ..events import EventRecorder
from ..informers import Informer
from ..leaderelection import LeaderElector
from .clusterrole_aggregation import ClusterRoleAggregationController
from .deployment import DeploymentController
from .endpointslice import EndpointSliceController
from .garbage_collector import GarbageCollector
from .namespace import NamespaceController
from .node_lifecycle import NodeLifecycleController
from .replicaset import ReplicaSetController
from .resourcequota import ResourceQuotaController

DEFAULT_CONTROLLERS = (DeploymentController, ReplicaSetController, GarbageCollector,
                       NamespaceController, NodeLifecycleController, EndpointSliceController,
                       ResourceQuotaController, ClusterRoleAggregationController)


class ControllerManager(Component):
    """Runs the controllers; ``extra_controllers`` lets a lesson add a learner's own."""

    def __init__(self, sim, name: str, host: str, choose_server, controllers=DEFAULT_CONTROLLERS,
                 leader_elect: bool = False):
        super().__init__(sim, name, host)
        #: Several replicas (an HA control plane) take turns through the kube-system/
        #: kube-controller-manager Lease; only the leader runs the controllers.
        self.leader_elect = leader_elect
        self.elector = None
        self.choose_server = choose_server
        self.controller_classes = list(controllers)
        self.client = APIClient(self, "system:kube-controller-manager", (), choose_server)
        self.controllers: list = []
        self.informers: dict[str, Informer] = {}

    def add_controller(self, cls) -> None:
        """Run controller class ``cls`` too (now, if the manager is running, and after restarts)."""
        self.controller_classes.append(cls)
        if self.leading:
            controller = cls(self)
            self.controllers.append(controller)
            for inf in self.informers.values():
                if not inf.started:
                    inf.start()
            controller.start()

    def start(self) -> None:
        super().start()
        self.client.reset()
        self.informers = {}
        self.controllers = []
        if self.leader_elect:
            self.election_recorder = EventRecorder(self, self.client, "kube-controller-manager")
            self.elector = LeaderElector(
                self, "kube-controller-manager", on_started_leading=self._start_controllers,
                on_stopped_leading=lambda: self.exit_and_restart("leaderelection lost"))
            self.run(self.elector.run())
        else:
            self._start_controllers()

    @property
    def leading(self) -> bool:
        """Whether this replica runs the controllers (always, without leader election)."""
        return self.up and (not self.leader_elect or bool(self.elector and self.elector.leading))

    def _start_controllers(self) -> None:
        self.controllers = [cls(self) for cls in self.controller_classes]
        for inf in self.informers.values():
            inf.start()
        for controller in self.controllers:
            controller.start()

    def informer(self, resource: str) -> Informer:
        """The shared informer for ``resource`` (created on first use)."""
        if resource not in self.informers:
            self.informers[resource] = Informer(self, self.client, resource)
        return self.informers[resource]

    def all_synced(self):
        """An event that fires once every shared informer has listed."""
        return self.env.all_of([inf.synced for inf in self.informers.values()])

    def recorder(self, source: str) -> EventRecorder:
        return EventRecorder(self, self.client, source)

    def on_message(self, src, msg) -> None:
        self.client.handle(msg)
