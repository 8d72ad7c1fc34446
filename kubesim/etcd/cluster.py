"""``EtcdCluster``: a standalone etcd cluster to experiment with — no Kubernetes around it.

    >>> import simpy
    >>> from kubesim.etcd import EtcdCluster
    >>> env = simpy.Environment()
    >>> etcd = EtcdCluster(env, members=5, seed=0)
    >>> etcd.run(3)                      # simulated seconds: the first election happens
    >>> etcd.leader()
    'etcd-4'
    >>> etcd.call(etcd.put("/registry/demo", "hello"))    # the revision once committed
    2
    >>> etcd.crash(etcd.leader()); etcd.run(3); etcd.leader()

Each member is an :class:`~kubesim.etcd.server.EtcdServer` — the same component kubesim's
``Cluster`` runs — on its own host, talking over kubesim's simulated network, so every
Raft message is in :attr:`EtcdCluster.trace`.  The client (``etcdctl``) sits outside any
partition and talks to one member per request, like ``etcdctl --endpoints=…``.

Time is simpy's (seconds); etcd's parameters are in milliseconds, as etcd's flags are
(``--heartbeat-interval=100 --election-timeout=1000``).
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import simpy

from ..component import Component, Sim, SimulationClock
from ..network import Network
from ..rand import component_rng
from ..trace import Trace
from .errors import ERR_DEADLINE, EtcdError
from .raft import LEADER
from .server import EtcdServer
from .store import MVCCStore, Op


class _StandaloneSim(Sim):
    """Like :class:`kubesim.component.Sim`, on a given environment and network latency."""

    def __init__(self, env: simpy.Environment, seed: int, latency_ms: tuple[float, float]):
        self.seed = seed
        self.env = env
        self.trace = Trace()
        lat = (latency_ms[0] / 1000.0, latency_ms[1] / 1000.0)
        self.network = Network(env, self.trace, component_rng(seed, "network"),
                               latency=lat, cross_zone_latency=lat)


class EtcdClient(Component):
    """``etcdctl``: sends one request to one member and waits for its answer."""

    plane = "client"

    def __init__(self, sim: Sim, timeout: float):
        super().__init__(sim, "etcdctl", "client")
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._pending: dict[int, simpy.Event] = {}
        self.watches: dict[int, "Watch"] = {}
        self.start()

    def request(self, endpoint: str, msg: dict, summary: str) -> simpy.Event:
        """Send ``msg`` to ``endpoint``; the event's value is the reply (or it fails)."""
        rid = next(self._ids)
        answer = self.env.event()
        self._pending[rid] = answer
        self.send(endpoint, dict(msg, type="etcd", id=rid), summary, rpc="etcd")
        deadline = self.env.timeout(self.timeout)
        deadline.callbacks.append(lambda _ev: self._expire(rid))
        return answer

    def _expire(self, rid: int) -> None:
        answer = self._pending.pop(rid, None)
        if answer is not None and not answer.triggered:
            _fail(answer, EtcdError(ERR_DEADLINE))

    def on_message(self, src: str, msg: Any) -> None:
        if msg.get("type") == "etcd-reply":
            answer = self._pending.pop(msg["id"], None)
            if answer is None or answer.triggered:
                return
            if msg.get("error"):
                _fail(answer, EtcdError(msg["error"]))
            else:
                answer.succeed(msg)
        elif msg.get("type") == "etcd-watch" and msg["id"] in self.watches:
            self.watches[msg["id"]]._receive(msg)


def _fail(event: simpy.Event, error: Exception) -> None:
    event.fail(error)
    event.defused = True      # nobody may be waiting: do not stop the simulation for it


@dataclass
class Watch:
    """A watch stream: ``events`` fills up as changes arrive, in revision order."""

    prefix: str
    start_revision: int
    events: list
    canceled: bool = False
    reason: str = ""

    def _receive(self, msg: dict) -> None:
        if msg.get("canceled"):
            self.canceled, self.reason = True, msg.get("reason", "")
        else:
            self.events.extend(msg["events"])


@dataclass
class Snapshot:
    """What ``etcdctl snapshot save`` writes: one member's backend at one moment."""

    member: str
    taken_at: float
    revision: int
    raft_index: int
    store: MVCCStore

    def keys(self, prefix: str = "") -> list[str]:
        return [kv.key for kv in self.store.range(prefix)]

    def __repr__(self) -> str:
        return (f"<Snapshot of {self.member} at t={self.taken_at:.3f}s: revision {self.revision}, "
                f"{len(self.store.kv)} keys>")


class EtcdCluster(SimulationClock):
    """A cluster of etcd members (see the module docstring)."""

    run_until_timeout = 30.0
    run_until_step = 0.05

    def __init__(self, env: Optional[simpy.Environment] = None, members: int = 3, seed: int = 0,
                 heartbeat_ms: float = 100, election_timeout_ms: Any = (1000, 2000),
                 latency_ms: tuple[float, float] = (0.5, 1.0), *, pre_vote: bool = True,
                 check_quorum: bool = True, fsync_ms: tuple[float, float] = (1.0, 4.0),
                 initial_store: Optional[MVCCStore] = None):
        if members < 1:
            raise ValueError("an etcd cluster needs at least one member")
        self.env = env if env is not None else simpy.Environment()
        self.seed = seed
        self.heartbeat_ms = heartbeat_ms
        self.election_timeout_ms = election_timeout_ms
        self.sim = _StandaloneSim(self.env, seed, latency_ms)
        self.names = [f"etcd-{i + 1}" for i in range(members)]
        self.members: dict[str, EtcdServer] = {}
        for i, name in enumerate(self.names):
            host = f"etcd-host-{i + 1}"
            self.sim.network.add_host(host, "")
            member = EtcdServer(self.sim, name, host, peers=self.names, heartbeat_ms=heartbeat_ms,
                                election_timeout_ms=election_timeout_ms,
                                fsync=(fsync_ms[0] / 1000.0, fsync_ms[1] / 1000.0),
                                pre_vote=pre_vote, check_quorum=check_quorum, record_progress=True)
            if initial_store is not None:
                member.store = copy.deepcopy(initial_store)
            self.members[name] = member
        self.sim.network.add_host("client", "")
        first = self.members[self.names[0]]
        self.client = EtcdClient(self.sim, timeout=first.request_timeout + 1.0)
        self.trace.add(self.env.now, "fault", "etcd", "", f"etcd cluster of {members} started",
                       members=list(self.names))
        for member in self.members.values():
            member.start()
        if members == 1:
            # etcd adjustTicks: "started as single-node; fast-forwarding election ticks".
            node = first.node
            node.tick(first.config.election_base_ms - first.config.heartbeat_ms)
            first._after()

    # ------------------------------------------------------------------ time
    def call(self, event: simpy.Event) -> Any:
        """Run until ``event`` (from :meth:`put`, :meth:`get` …) is done: its value, or raise."""
        while not event.processed:
            if self.env.peek() == float("inf"):       # nothing left that could finish it
                break
            self.env.step()
        if not event.triggered:
            raise EtcdError(ERR_DEADLINE)
        if not event.ok:
            raise event.value
        return event.value

    # ------------------------------------------------------------------ looking
    def leader(self) -> Optional[str]:
        """The member that leads now (the one with the highest term, if a deposed leader
        has not noticed yet), or None."""
        leaders = [m for m in self.members.values() if m.up and m.role == LEADER]
        if not leaders:
            return None
        return max(leaders, key=lambda m: (m.disk.term, m.name)).name

    def wait_for_leader(self, timeout: float = 10.0) -> Optional[str]:
        """Run until some member leads (at most ``timeout`` s); its name or None."""
        self.run_until(lambda c: c.leader() is not None, timeout=timeout, step=0.01)
        return self.leader()

    def status(self) -> list[dict]:
        """One dict per member: name, up, role, term, commit_index, applied_index,
        log_length (and leader, vote, revision)."""
        return [m.status() for m in self.members.values()]

    def endpoint_status(self) -> str:
        """The table ``etcdctl endpoint status --cluster -w table`` prints (up members)."""
        head = ["ENDPOINT", "IS LEADER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "REVISION"]
        rows = []
        for m in self.members.values():
            if m.up:
                rows.append([f"https://{m.host}:2379", str(m.role == LEADER).lower(),
                             str(m.disk.term), str(m.node.commit_index), str(m.applied_index),
                             str(m.store.revision)])
        return _table(head, rows)

    def member_list(self) -> str:
        """The table ``etcdctl member list -w table`` prints (membership, not health)."""
        head = ["ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"]
        rows = [[f"{component_rng(self.seed, m.name).getrandbits(64):016x}", "started", m.name,
                 f"https://{m.host}:2380", f"https://{m.host}:2379", "false"]
                for m in self.members.values()]
        return _table(head, rows)

    # ------------------------------------------------------------------ client requests
    def _endpoint(self, endpoint: Optional[str]) -> str:
        if endpoint is not None:
            if endpoint not in self.members:
                raise ValueError(f"no member {endpoint!r} (members: {', '.join(self.names)})")
            return endpoint
        up = [n for n in self.names if self.members[n].up]
        return self.leader() or (up[0] if up else self.names[0])

    def _then(self, request: simpy.Event, pick: Callable[[dict], Any]) -> simpy.Event:
        result = self.env.event()

        def done(ev: simpy.Event) -> None:
            if ev.ok:
                result.succeed(pick(ev.value))
            else:
                _fail(result, ev.value)
        request.callbacks.append(done)
        return result

    def put(self, key: str, value: str, endpoint: Optional[str] = None) -> simpy.Event:
        """``etcdctl put key value``: an event whose value is the revision once committed.

        It fails with :class:`~kubesim.etcd.errors.EtcdError` when the member cannot get
        it committed in time (no quorum: ``etcdserver: request timed out``).  The default
        endpoint is the current leader, like a client whose balancer found it.
        """
        msg = {"op": "txn", "compares": [], "success": [Op("put", key, value)], "failure": []}
        req = self.client.request(self._endpoint(endpoint), msg, f"Put {key}")
        return self._then(req, lambda reply: reply["revision"])

    def delete(self, key: str, endpoint: Optional[str] = None) -> simpy.Event:
        """``etcdctl del key``: an event whose value is the revision after the delete."""
        msg = {"op": "txn", "compares": [], "success": [Op("delete", key)], "failure": []}
        req = self.client.request(self._endpoint(endpoint), msg, f"Delete {key}")
        return self._then(req, lambda reply: reply["revision"])

    def get(self, key: str, linearizable: bool = True, endpoint: Optional[str] = None) -> simpy.Event:
        """``etcdctl get key``: an event whose value is the :class:`KeyValue` (or None).

        Linearizable by default (a ReadIndex round with the leader); ``linearizable=False``
        is ``--consistency=s``: the member answers from its own, maybe stale, copy.
        """
        msg = {"op": "txn", "compares": [], "success": [Op("get", key)], "failure": [],
               "serializable": not linearizable}
        req = self.client.request(self._endpoint(endpoint), msg, f"Get {key}")
        return self._then(req, lambda reply: reply["results"][0])

    def range(self, prefix: str, linearizable: bool = True,
              endpoint: Optional[str] = None) -> simpy.Event:
        """``etcdctl get --prefix``: an event whose value is the list of KeyValues."""
        msg = {"op": "range", "prefix": prefix, "serializable": not linearizable}
        req = self.client.request(self._endpoint(endpoint), msg, f"Range {prefix}")
        return self._then(req, lambda reply: reply["kvs"])

    def compact(self, revision: int, endpoint: Optional[str] = None) -> simpy.Event:
        """``etcdctl compaction <rev>``: forget history before ``revision`` (through Raft)."""
        req = self.client.request(self._endpoint(endpoint), {"op": "compact", "revision": revision},
                                  f"Compact {revision}")
        return self._then(req, lambda reply: reply["revision"])

    def watch(self, prefix: str, start_revision: int = 0, endpoint: Optional[str] = None) -> Watch:
        """``etcdctl watch --prefix --rev``: changes from ``start_revision`` on, in order."""
        rid = next(self.client._ids)
        stream = Watch(prefix, start_revision, [])
        self.client.watches[rid] = stream
        self.client.send(self._endpoint(endpoint), {"type": "etcd", "id": rid, "op": "watch",
                                                    "prefix": prefix, "start_revision": start_revision},
                         f"Watch {prefix} from rev {start_revision}", rpc="etcd")
        return stream

    # ------------------------------------------------------------------ faults
    def _fault(self, summary: str, **ref: Any) -> None:
        self.trace.add(self.env.now, "fault", "etcd", ref.pop("target", ""), summary, **ref)

    def _member(self, name: str) -> EtcdServer:
        if name not in self.members:
            raise ValueError(f"no member {name!r} (members: {', '.join(self.names)})")
        return self.members[name]

    def crash(self, name: str) -> None:
        """The member's process dies (its disk — WAL and backend — survives)."""
        member = self._member(name)
        self.sim.network.crash(name)
        if member.up:
            member.stop()
        self._fault(f"crash {name}", target=name)

    def restart(self, name: str) -> None:
        """Start a crashed member again from its disk."""
        member = self._member(name)
        self.sim.network.restart(name)
        if not member.up:
            member.start()
        self._fault(f"restart {name}", target=name)

    def partition(self, *groups: Iterable[str]) -> None:
        """Split the network: members in different groups cannot talk (the client reaches all)."""
        groups = [[g] if isinstance(g, str) else list(g) for g in groups]
        for group in groups:
            for name in group:
                self._member(name)
        self.sim.network.partition(groups)
        self._fault("partition " + " | ".join(",".join(g) for g in groups), groups=groups)

    def heal(self) -> None:
        """Remove every partition."""
        self.sim.network.heal()
        self._fault("heal")

    # ------------------------------------------------------------------ backup
    def snapshot(self, endpoint: Optional[str] = None) -> Snapshot:
        """``etcdctl snapshot save``: a copy of one member's backend (default: the leader's)."""
        member = self._member(self._endpoint(endpoint))
        if not member.up:
            raise EtcdError(ERR_DEADLINE)
        snap = Snapshot(member.name, self.env.now, member.store.revision, member.applied_index,
                        copy.deepcopy(member.store))
        self._fault(f"snapshot saved from {member.name} (revision {snap.revision})",
                    target=member.name)
        return snap

    @classmethod
    def restore(cls, env: Optional[simpy.Environment], snapshot: Snapshot, members: int = 3,
                seed: int = 0, **kwargs: Any) -> "EtcdCluster":
        """``etcdutl snapshot restore`` on every member of a *new* cluster.

        The new cluster holds exactly the snapshot's keys and revisions — anything written
        to the old cluster after the snapshot is gone — and starts with a fresh Raft log.
        """
        return cls(env, members=members, seed=seed, initial_store=snapshot.store, **kwargs)

    def __repr__(self) -> str:
        return (f"<EtcdCluster {len(self.names)} members t={self.now:.3f}s "
                f"leader={self.leader()}>")


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    fmt = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"   # noqa: E731
    return "\n".join([line, fmt(head), line] + [fmt(r) for r in rows] + [line])
