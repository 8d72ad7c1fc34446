"""Leader election with a Lease, as kube-scheduler and kube-controller-manager do it
(k8s.io/client-go/tools/leaderelection).

In a highly available control plane every control-plane node runs a kube-scheduler and a
kube-controller-manager, but only one of each may act — two schedulers would bind the same
Pod twice.  They agree through a ``coordination.k8s.io/v1`` Lease in ``kube-system``
(``kube-scheduler``, ``kube-controller-manager``):

* a candidate reads the Lease every ``retryPeriod`` (2 s); if nobody holds it, or the holder
  has not renewed it for ``leaseDuration`` (15 s) *as measured on the candidate's own clock
  since it last saw the record change*, it writes itself in as holder — the API server's
  optimistic concurrency (resourceVersion) makes sure only one candidate wins;
* the leader renews ``renewTime`` every ``retryPeriod``; if it cannot renew for
  ``renewDeadline`` (10 s) it stops leading, and the process exits so that kubelet restarts
  it as a fresh candidate ("leaderelection lost").

:func:`try_acquire_or_renew` is the pure decision (tryAcquireOrRenew in leaderelection.go);
:class:`LeaderElector` runs it as simpy processes for a component.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable, Optional

from .api import clock
from .errors import KubesimError, StatusError
from .util import deep_copy

# kube-scheduler / kube-controller-manager flags: --leader-elect-lease-duration=15s,
# --leader-elect-renew-deadline=10s, --leader-elect-retry-period=2s
LEASE_DURATION = 15.0
RENEW_DEADLINE = 10.0
RETRY_PERIOD = 2.0
JITTER_FACTOR = 1.2          # leaderelection.go JitterFactor for acquire retries
LEASE_NAMESPACE = "kube-system"


@dataclass
class Observation:
    """What a candidate last saw of the Lease, and when (on its own clock)."""

    record: Optional[dict] = None       # the Lease's spec
    resource_version: str = ""
    time: float = 0.0


def new_lease(name: str, identity: str, now: float) -> dict:
    """The Lease a first candidate creates."""
    stamp = clock.micro_timestamp(now)
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": LEASE_NAMESPACE},
            "spec": {"holderIdentity": identity, "leaseDurationSeconds": int(LEASE_DURATION),
                     "acquireTime": stamp, "renewTime": stamp, "leaseTransitions": 0}}


def try_acquire_or_renew(lease: Optional[dict], identity: str, now: float,
                         observed: Observation, lease_duration: float = LEASE_DURATION):
    """Decide what to do with the Lease as just read.

    Returns ``(action, lease_to_write, observed)``: action is ``"create"`` (no Lease yet),
    ``"update"`` (take it over or renew it) or ``"wait"`` (held by someone else whose term has
    not run out on our clock).  ``observed`` is updated when the record changed, as client-go
    does with observedRecord/observedTime.
    """
    if lease is None:
        return "create", None, observed
    spec = lease.get("spec") or {}
    rv = lease["metadata"].get("resourceVersion", "")
    if rv != observed.resource_version or observed.record is None:
        observed = Observation(deep_copy(spec), rv, now)
    holder = spec.get("holderIdentity") or ""
    duration = spec.get("leaseDurationSeconds") or lease_duration
    is_leader = holder == identity
    if holder and not is_leader and observed.time + duration > now:
        return "wait", None, observed
    updated = deep_copy(lease)
    stamp = clock.micro_timestamp(now)
    new_spec = updated.setdefault("spec", {})
    new_spec.update(holderIdentity=identity, leaseDurationSeconds=int(lease_duration),
                    renewTime=stamp)
    if not is_leader:
        new_spec["acquireTime"] = stamp
        new_spec["leaseTransitions"] = (spec.get("leaseTransitions") or 0) + (1 if holder else 0)
    return "update", updated, observed


class LeaderElector:
    """Runs leader election for ``component`` on the Lease ``name``.

    ``on_started_leading`` is called once the Lease is ours; ``on_stopped_leading`` when a
    renewal could not be made within the renew deadline.
    """

    def __init__(self, component, name: str, on_started_leading: Callable[[], None],
                 on_stopped_leading: Callable[[], None]):
        self.component = component
        self.env = component.env
        self.name = name
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        u = uuid.UUID(int=component.rng.getrandbits(128), version=4)
        self.identity = f"{component.host}_{u}"     # kube-scheduler: hostname + "_" + uuid
        self.observed = Observation()
        self.leading = False
        self.lease: Optional[dict] = None      # the Lease as last written by us

    def run(self):
        """The candidate's life: acquire, then renew until a renewal deadline is missed."""
        self.component.record(f"{self.identity} attempting to acquire leader lease "
                              f"{LEASE_NAMESPACE}/{self.name}...", target=self.name,
                              leader_election="candidate")
        while not (yield from self._try()):
            jitter = self.component.rng.random() * JITTER_FACTOR * RETRY_PERIOD
            yield self.env.timeout(RETRY_PERIOD + jitter)
        self.leading = True
        self.component.record(f"successfully acquired lease {LEASE_NAMESPACE}/{self.name}",
                              target=self.name, leader_election="leading", identity=self.identity)
        self._event("became leader")
        self.on_started_leading()
        last_renewed = self.env.now
        while True:
            yield self.env.timeout(RETRY_PERIOD)
            if (yield from self._try()):
                last_renewed = self.env.now
            elif self.env.now - last_renewed >= RENEW_DEADLINE:
                break
        self.leading = False
        self.component.record(f"failed to renew lease {LEASE_NAMESPACE}/{self.name}: timed out "
                              "waiting for the condition; leaderelection lost",
                              target=self.name, leader_election="lost", identity=self.identity)
        self.on_stopped_leading()

    def _try(self):
        client = self.component.client
        try:
            try:
                lease = yield client.get("leases", self.name, namespace=LEASE_NAMESPACE)
            except StatusError as err:
                if err.reason != "NotFound":
                    return False
                lease = None
            action, body, self.observed = try_acquire_or_renew(
                lease, self.identity, self.env.now, self.observed)
            if action == "wait":
                return False
            if action == "create":
                written = yield client.create("leases", new_lease(self.name, self.identity,
                                                                  self.env.now),
                                              namespace=LEASE_NAMESPACE)
            else:
                written = yield client.update("leases", body)
        except KubesimError:
            return False          # conflict, timeout, no API server: not this time
        self.lease = written
        self.observed = Observation(deep_copy(written["spec"]),
                                    written["metadata"].get("resourceVersion", ""), self.env.now)
        return True

    def _event(self, action: str) -> None:
        """The Event client-go records on the Lease: "<identity> became leader"."""
        recorder = getattr(self.component, "election_recorder", None)
        if recorder is not None and self.lease is not None:
            recorder.event(self.lease, "Normal", "LeaderElection", f"{self.identity} {action}")
