"""Lesson 03 — etcd and quorum: measurements, scenarios, the playground and the exercise checks.

Every number the lesson shows is *measured* here by running the simulation:
:func:`measure_quorum` crashes members until writes stop, :func:`reelection_times` crashes
leaders and times the next election, :func:`kubernetes_freeze` takes etcd's quorum away from
a whole Kubernetes cluster.  The exercises' check cells call ``check_*``; each prints ✅/❌
lines through :mod:`kubesim.checks` and returns a truthy/falsy result.
"""
from __future__ import annotations

import random
from typing import Any, Callable, Iterable

import simpy

from .. import seed as seed_manifests
from ..checks import checking
from ..etcd import EtcdCluster, EtcdError
from ..etcd.loop import RaftLoop
from ..etcd.raft import Config
from ..etcd.safety import SafetyMonitor
from ..etcd.scenarios import figure8

__all__ = ["writes_survive", "tolerated_failures", "measure_quorum", "quorum_table",
           "reelection_times", "kubernetes_freeze", "team_cluster", "disaster", "EtcdPlayground",
           "buggy_commit_rule", "check_tolerance", "check_stop_writes", "check_restore",
           "check_commit_rule"]


# ============================================================================ measurements
def writes_survive(members: int, crashed: Iterable[str] = (), seed: int = 0) -> bool:
    """Start ``members`` etcd members (etcd's default timings), let them elect a leader,
    crash ``crashed``, give the survivors 5 s to elect a new leader and try one write:
    True if it was committed (else etcd answered ``request timed out`` after 7 s)."""
    etcd = EtcdCluster(simpy.Environment(), members=members, seed=seed)
    etcd.wait_for_leader(timeout=5)
    for name in crashed:
        etcd.crash(name)
    etcd.run(5)              # time for a new election, if the survivors can hold one
    try:
        etcd.call(etcd.put("/lesson03/probe", "x"))
        return True
    except EtcdError:
        return False


def _worst_first(members: int, seed: int) -> list[str]:
    """The order to crash members in: the leader first, then the others by name."""
    etcd = EtcdCluster(simpy.Environment(), members=members, seed=seed)
    leader = etcd.wait_for_leader(timeout=5)
    return [leader] + [n for n in etcd.names if n != leader]


def tolerated_failures(members: int, seed: int = 0) -> int:
    """How many members may crash (the leader among them) with writes still working."""
    order = _worst_first(members, seed)
    failures = 0
    while failures < members and writes_survive(members, order[:failures + 1], seed):
        failures += 1
    return failures


def measure_quorum(sizes: Iterable[int] = range(1, 8), seed: int = 0) -> list[dict]:
    """One row per cluster size: members, tolerated failures, quorum — all measured."""
    rows = []
    for n in sizes:
        tolerated = tolerated_failures(n, seed)
        rows.append({"members": n, "tolerated": tolerated, "quorum": n - tolerated})
    return rows


def quorum_table(rows: list[dict]) -> str:
    """The measured rows as a small text table."""
    lines = ["members  quorum (must be up)  may fail"]
    for r in rows:
        lines.append(f"{r['members']:>7}  {r['quorum']:>19}  {r['tolerated']:>8}")
    return "\n".join(lines)


def reelection_times(members: int = 5, trials: int = 20, seed: int = 0, **cluster: Any) -> list[float]:
    """Seconds from a leader crash until a new leader is elected, with etcd's default timings
    (or ``cluster`` keyword arguments), the crash at a random point of a heartbeat interval."""
    rng = random.Random(seed)
    out = []
    for trial in range(trials):
        etcd = EtcdCluster(simpy.Environment(), members=members, seed=seed * 1000 + trial, **cluster)
        etcd.wait_for_leader(timeout=10)
        etcd.run(0.5 + rng.uniform(0, etcd.heartbeat_ms / 1000.0))
        old = etcd.leader()
        crashed_at = etcd.now
        etcd.crash(old)
        etcd.run_until(lambda c: c.leader() not in (None, old), timeout=20, step=0.001)
        out.append(etcd.now - crashed_at)
    return out


def kubernetes_freeze(seed: int = 0, outage: float = 20.0) -> dict:
    """A Kubernetes cluster whose etcd (3 members) loses quorum for ``outage`` seconds.

    Returns what a learner would see: kubectl's answers before, during and after, and how
    many containers the nodes kept running during the outage.
    """
    from ..cluster import Cluster
    c = Cluster(seed=seed, etcd_members=3)
    c.apply(seed_manifests.DEPLOYMENT)
    c.run(10)

    def containers() -> int:
        return sum(1 for k in c.kubelets.values() if k.up for s in k.runtime.sandboxes.values()
                   for ctr in s.containers.values() if ctr.exit_code is None)

    story = {"cluster": c, "before": c.kubectl("get pods"), "containers_before": containers()}
    c.crash("etcd-2")
    c.crash("etcd-3")
    c.run(3)
    story["crashed_at"] = c.now - 3
    story["scale"] = c.kubectl("scale deployment web-app --replicas=5").strip()
    c.run(max(0.0, outage - (c.now - story["crashed_at"])))
    story["during"] = c.kubectl("get pods")
    story["containers_during"] = containers()
    story["etcd_during"] = [m.status() for m in c.etcd]
    c.restart("etcd-2")
    c.run(3)
    story["restarted_at"] = c.now - 3
    story["scale_after"] = c.kubectl("scale deployment web-app --replicas=5").strip()
    c.run(15)
    story["after"] = c.kubectl("get pods")
    return story


# ============================================================================ backup scenario
TEAM_KEYS = {"/config/database-url": "postgres://db:5432/shop",
             "/config/feature-flags": "checkout-v2=off",
             "/config/replicas": "3"}
#: What :func:`disaster` writes before the machines are lost.
DISASTER_WRITES = {"/config/feature-flags": "checkout-v2=on", "/config/payment-provider": "stripe"}


def team_cluster(env: simpy.Environment, seed: int = 0) -> EtcdCluster:
    """A 3-member etcd cluster holding a team's configuration (three keys under /config/)."""
    etcd = EtcdCluster(env, members=3, seed=seed)
    etcd.wait_for_leader()
    for key, value in TEAM_KEYS.items():
        etcd.call(etcd.put(key, value))
    return etcd


def disaster(etcd: EtcdCluster) -> list[str]:
    """More writes, then every member's machine — disk included — is lost.

    Returns the keys it wrote."""
    for key, value in DISASTER_WRITES.items():
        etcd.call(etcd.put(key, value))
    for name in etcd.names:
        etcd.crash(name)
    print(f"wrote {', '.join(f'{k}={v}' for k, v in DISASTER_WRITES.items())};")
    print(f"then all {len(etcd.names)} members lost their disks")
    return list(DISASTER_WRITES)


# ============================================================================ playground
class EtcdPlayground:
    """Buttons around an :class:`EtcdCluster`: crash, restart, isolate, heal, write, run.

    After each action the simulation runs on, then the status table and the animation of
    what just happened are redrawn (▶ plays it, the slider scrubs it, 0.5×–4× sets the speed).
    Every handler is a plain method, so it also works without a browser.
    """

    def __init__(self, members: int = 5, seed: int = 0, run_seconds: float = 2.0, **cluster: Any):
        import ipywidgets as widgets
        self.etcd = EtcdCluster(simpy.Environment(), members=members, seed=seed, **cluster)
        self.run_seconds = run_seconds
        self.writes: list[tuple[str, Any]] = []
        self.since = 0.0
        self.member = widgets.Dropdown(options=self.etcd.names, description="member",
                                       layout=widgets.Layout(width="180px"))
        def button(text: str, handler: Callable, style: str = "") -> Any:
            b = widgets.Button(description=text, button_style=style,
                               layout=widgets.Layout(width="auto"))
            b.on_click(lambda _b: handler())
            return b
        self.buttons = {
            "crash": button("💥 crash", self.crash, "danger"),
            "restart": button("↻ restart", self.restart, "success"),
            "isolate": button("✂ isolate it", self.isolate, "warning"),
            "heal": button("🩹 heal network", self.heal),
            "write": button("✍ client write", self.write, "info"),
            "run": button(f"▶ run {run_seconds:g} s", self.run),
        }
        self.status = widgets.Output()
        self.figure = widgets.Output()
        self.box = widgets.VBox([widgets.HBox([self.member] + list(self.buttons.values())),
                                 self.status, self.figure])
        self.run()

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.box)

    # ---- actions
    def _act(self, action: Callable[[], Any]) -> None:
        self.since = self.etcd.now
        action()
        self.etcd.run(self.run_seconds)
        self.refresh()

    def crash(self) -> None:
        self._act(lambda: self.etcd.crash(self.member.value))

    def restart(self) -> None:
        self._act(lambda: self.etcd.restart(self.member.value))

    def isolate(self) -> None:
        alone = self.member.value
        self._act(lambda: self.etcd.partition([alone], [n for n in self.etcd.names if n != alone]))

    def heal(self) -> None:
        self._act(self.etcd.heal)

    def write(self) -> None:
        key = f"/demo/{len(self.writes) + 1}"
        self._act(lambda: self.writes.append((key, self.etcd.put(key, f"v{len(self.writes) + 1}"))))

    def run(self) -> None:
        self._act(lambda: None)

    # ---- what is shown
    def status_text(self) -> str:
        lines = [f"t = {self.etcd.now:.3f} s   leader: {self.etcd.leader() or '— none —'}", "",
                 f"{'member':8} {'up':3} {'role':13} {'term':>4} {'leader':8} {'log':>4} "
                 f"{'commit':>6} {'applied':>7}"]
        for s in self.etcd.status():
            lines.append(f"{s['name']:8} {'yes' if s['up'] else 'NO':3} {s['role']:13} {s['term']:>4} "
                         f"{s['leader'] or '-':8} {s['log_length']:>4} {s['commit_index']:>6} "
                         f"{s['applied_index']:>7}")
        if self.writes:
            lines.append("")
            for key, ev in self.writes[-5:]:
                state = ("committed at revision " + str(ev.value)) if ev.triggered and ev.ok else \
                    (f"FAILED: {ev.value}" if ev.triggered else "waiting for a quorum …")
                lines.append(f"put {key}: {state}")
        return "\n".join(lines)

    def refresh(self) -> None:
        from ..widgets import show
        from ..etcd.viz import election_figure
        fig = election_figure(self.etcd, start=max(0.0, self.since - 0.001), end=self.etcd.now,
                              frames=60, title="What just happened (▶ or drag the slider)")
        show(self.status, self.status_text())
        show(self.figure, fig)


# ============================================================================ exercise checks
def buggy_commit_rule(matches: list[int], term_of: Callable[[int], int], current_term: int) -> int:
    """Commit the highest index stored on a majority of members (the bug of Figure 8)."""
    quorum = len(matches) // 2 + 1
    return sorted(matches, reverse=True)[quorum - 1]


def check_tolerance(answer: Any, seed: int = 0):
    """Task 1: ``answer`` maps 3, 4 and 5 members to how many may fail (checked by simulation)."""
    with checking("how many members may fail") as c:
        if not isinstance(answer, dict) or not {3, 4, 5} <= set(answer):
            return c.check(False, "", "give a dict like {3: ..., 4: ..., 5: ...}")
        measured = {r["members"]: r["tolerated"] for r in measure_quorum((3, 4, 5), seed)}
        for n in (3, 4, 5):
            given, truth = answer[n], measured[n]
            if given == truth:
                c.check(True, f"{n} members: {truth} may fail — the simulation agrees "
                              f"(a write needs {n - truth} of {n} up)")
            elif isinstance(given, int) and given > truth:
                c.check(False, "", f"{n} members: with {given} crashed only {n - given} of {n} are up — "
                                   f"is that a majority? The simulation could not write.")
            else:
                c.check(False, "", f"{n} members: writes still worked with more than {given} "
                                   f"crashed. Count how many must stay up: more than half of {n}.")
    return c


def check_stop_writes(names: Any, members: int = 5, seed: int = 0):
    """Task 2: ``names`` is a smallest set of members whose crash stops writes (5 members)."""
    with checking("the smallest set of crashes that stops writes") as c:
        valid = [f"etcd-{i}" for i in range(1, members + 1)]
        if isinstance(names, str) or not isinstance(names, (list, tuple, set)):
            return c.check(False, "", 'give a list of member names, e.g. ["etcd-1", "etcd-4"]')
        names = list(names)
        unknown = [n for n in names if n not in valid]
        if unknown:
            return c.check(False, "", f"{unknown[0]!r} is not a member; the members are "
                                      f"{', '.join(valid)}")
        if len(set(names)) != len(names):
            return c.check(False, "", "each member can only crash once: remove the duplicates")
        if writes_survive(members, names, seed):
            return c.check(False, "", f"with {', '.join(names) or 'nothing'} crashed, "
                                      f"{members - len(names)} of {members} members are up and "
                                      f"a write still committed: crash more")
        c.check(True, f"crashing {', '.join(names)} stops writes (simulated: the write timed out)")
        smallest = members - (members // 2 + 1) + 1       # one more than may fail
        if len(names) > smallest:
            return c.check(False, "", f"writes stop, but {len(names)} crashes is more than needed: "
                                      f"try fewer")
        c.check(True, f"and {len(names)} is the fewest: {members - len(names)} of {members} "
                      "up is no longer a majority")
    return c


def check_restore(restored: Any, lost: Any):
    """Task 3: ``restored`` is a new 3-member cluster restored from the snapshot taken before
    :func:`disaster`; ``lost`` lists the keys whose latest write the disaster took away."""
    with checking("your restore") as c:
        if not isinstance(restored, EtcdCluster):
            return c.check(False, "", "`restored` should be the EtcdCluster that EtcdCluster.restore(...) returned")
        if len(restored.names) != 3:
            return c.check(False, "", f"restore onto 3 members (you restored {len(restored.names)}): "
                                      "one member would be a single point of failure again")
        leader = restored.leader() or restored.wait_for_leader()
        if leader is None:
            return c.check(False, "", "the restored cluster has no leader: is it the old, crashed one? "
                                      "Build a new one with EtcdCluster.restore(env, snap, members=3)")
        data = {kv.key: kv.value for kv in restored.call(restored.range("/"))}
        c.check(data == TEAM_KEYS, "the restored cluster holds exactly the snapshot's data",
                "the restored data is not what the cluster held at your snapshot: take the "
                "snapshot right after team_cluster(...), before disaster(...)")
        c.check(lambda: restored.call(restored.put("/config/after-restore", "ok")) > 0,
                "and it accepts writes again", "the restored cluster does not accept writes")
        if not isinstance(lost, (list, tuple, set)):
            return c.check(False, "", "`lost` should be a list of keys")
        truth = sorted(k for k, v in DISASTER_WRITES.items() if data.get(k) != v)
        given = sorted(set(lost))
        if given != truth:
            missing = [k for k in truth if k not in given]
            extra = [k for k in given if k not in truth]
            hint = (f"{missing[0]} lost its latest write too — compare its value now with what "
                    "disaster() wrote" if missing else f"{extra[0]} still has its latest value")
            return c.check(False, "", hint)
        c.check(True, f"lost since the snapshot: {', '.join(truth)} — back up often!")
    return c


def _commits_with_one_member_down(rule: Callable) -> bool:
    names = [f"n{i}" for i in range(1, 6)]
    loop = RaftLoop(names, Config(heartbeat_ms=10, election_timeout_ms=(100, 200), commit_rule=rule),
                    seed=3)
    loop.run_for(1000, stop=lambda: loop.leader() is not None)
    leader = loop.leader()
    if leader is None:
        return False
    loop.crash(next(n for n in names if n != leader))
    for i in range(3):
        loop.propose(leader, (leader, i))
    loop.run_for(300)
    return sum(1 for e in loop.applied[leader] if e.data is not None) == 3


def _minority_cannot_commit(rule: Callable) -> bool:
    names = [f"n{i}" for i in range(1, 6)]
    loop = RaftLoop(names, Config(heartbeat_ms=10, election_timeout_ms=(100, 200), commit_rule=rule,
                                  check_quorum=False), seed=4)
    monitor = SafetyMonitor(loop)
    loop.run_for(1000, stop=lambda: loop.leader() is not None)
    leader = loop.leader()
    loop.run_for(50)
    buddy = next(n for n in names if n != leader)
    loop.partition([[leader, buddy], [n for n in names if n not in (leader, buddy)]])
    loop.propose(leader, (leader, "minority"))
    loop.run_for(100)
    return monitor.ok and not any(e.data == (leader, "minority") for e in loop.applied[leader])


def check_commit_rule(rule: Any):
    """Task 4: ``rule(matches, term_of, current_term)`` decides what a leader may commit."""
    with checking("your commit rule") as c:
        if not callable(rule):
            return c.check(False, "", "give a function rule(matches, term_of, current_term) -> index")
        if not _minority_cannot_commit(rule):
            return c.check(False, "", "a leader cut off with just one follower committed a write: "
                                      "an index is committed only when a majority stores it")
        c.check(True, "a leader with only a minority does not commit")
        result = figure8(rule)
        if not result.safe:
            what = ("S1 committed 2@2 in step (c) — stored on a majority, but from an old term — "
                    "and S5 then overwrote it" if result.committed_in_c else
                    "a committed entry was overwritten")
            return c.check(False, "", f"Figure 8 breaks: {what}. Which entries may a leader "
                                      "commit by counting replicas? (§5.4.2)")
        c.check(True, "Figure 8 replayed: nothing committed was ever overwritten")
        if not _commits_with_one_member_down(rule):
            return c.check(False, "", "with 4 of 5 members up, writes never commit: your rule is "
                                      "safe but too strict (a majority is enough)")
        c.check(True, "with one member down, writes still commit")
    return c
