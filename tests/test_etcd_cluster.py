"""EtcdCluster: Raft members on kubesim's network, with etcd's default timings."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
import simpy

from kubesim.etcd import EtcdCluster, EtcdError, failover_experiment
from kubesim.etcd.errors import ERR_COMPACTED, ERR_LEADER_CHANGED, ERR_TIMEOUT, ERR_TIMEOUT_LEADER_FAIL


def cluster(members: int = 3, seed: int = 0, **kw) -> EtcdCluster:
    etcd = EtcdCluster(simpy.Environment(), members=members, seed=seed, **kw)
    assert etcd.wait_for_leader(timeout=5) is not None
    return etcd


def failing(etcd: EtcdCluster, event) -> str:
    with pytest.raises(EtcdError) as err:
        etcd.call(event)
    return str(err.value)


def test_entry_points_and_status_fields():
    etcd = EtcdCluster(simpy.Environment(), members=5, seed=0, heartbeat_ms=100,
                       election_timeout_ms=(1000, 2000), latency_ms=(0.5, 1.0))
    assert etcd.leader() is None, "nobody leads before the first election timeout"
    etcd.run(0.9)
    assert etcd.leader() is None
    leader = etcd.wait_for_leader(3)
    assert 1.0 <= etcd.now <= 2.5
    for row in etcd.status():
        assert {"name", "up", "role", "term", "commit_index", "applied_index", "log_length"} <= set(row)
        assert row["leader"] == leader
    assert sum(row["role"] == "leader" for row in etcd.status()) == 1


def test_initial_leader_stays_without_failures():
    etcd = cluster(3, seed=1)
    leader, term = etcd.leader(), etcd.status()[0]["term"]
    etcd.run(10)
    assert etcd.leader() == leader and {r["term"] for r in etcd.status()} == {term}


def test_put_get_revisions_and_serializable_reads():
    etcd = cluster(3)
    assert etcd.call(etcd.put("/k", "v1")) == 2                   # etcd starts at revision 1
    assert etcd.call(etcd.put("/k", "v2")) == 3
    kv = etcd.call(etcd.get("/k"))
    assert (kv.value, kv.create_revision, kv.mod_revision, kv.version) == ("v2", 2, 3, 2)
    follower = next(n for n in etcd.names if n != etcd.leader())
    assert etcd.call(etcd.get("/k", endpoint=follower)).value == "v2"
    assert etcd.call(etcd.get("/missing")) is None
    assert [kv.key for kv in etcd.call(etcd.range("/"))] == ["/k"]


@pytest.mark.parametrize("seed", range(4))
def test_new_leader_within_about_two_seconds_of_a_leader_crash(seed):
    """5 members, etcd defaults (heartbeat 100 ms, election timeout 1000 ms)."""
    etcd = cluster(5, seed=seed)
    etcd.run(0.5 + seed * 0.13)
    old = etcd.leader()
    crashed_at = etcd.now
    etcd.crash(old)
    new = etcd.wait_for_leader(5)
    assert new not in (None, old)
    assert 0.9 <= etcd.now - crashed_at <= 2.6
    assert etcd.call(etcd.put("/after", "x")) > 1


def test_no_leader_and_no_writes_without_quorum_then_recovery():
    etcd = cluster(3, seed=2)
    etcd.call(etcd.put("/a", "1"))
    down = [n for n in etcd.names if n != etcd.names[0]]
    for name in down:
        etcd.crash(name)
    etcd.run(3)
    assert etcd.leader() is None
    started = etcd.now
    assert failing(etcd, etcd.put("/a", "2", endpoint="etcd-1")) in (ERR_TIMEOUT, ERR_TIMEOUT_LEADER_FAIL)
    assert etcd.now - started == pytest.approx(7.0, abs=0.1)      # etcd's ReqTimeout: 5 s + 2 × 1 s
    # A serializable read still answers, from the member's own copy.
    assert etcd.call(etcd.get("/a", linearizable=False, endpoint="etcd-1")).value == "1"
    etcd.restart(down[0])
    assert etcd.wait_for_leader(5) is not None
    assert etcd.call(etcd.put("/a", "3")) > 0
    # The restarted member kept its log and catches up.
    etcd.run(1)
    logs = {r["name"]: r["log_length"] for r in etcd.status() if r["up"]}
    assert len(set(logs.values())) == 1


def test_agreement_despite_a_follower_failure():
    etcd = cluster(3, seed=3)
    follower = next(n for n in etcd.names if n != etcd.leader())
    etcd.crash(follower)
    revisions = [etcd.call(etcd.put(f"/k{i}", str(i))) for i in range(5)]
    assert revisions == sorted(revisions)
    etcd.restart(follower)
    etcd.run(1)
    stores = {n: [(kv.key, kv.mod_revision) for kv in m.store.range("/")]
              for n, m in etcd.members.items()}
    assert len({tuple(v) for v in stores.values()}) == 1


def test_partitioned_leader_cannot_write_and_loses_its_uncommitted_entry():
    etcd = cluster(5, seed=4)
    etcd.call(etcd.put("/x", "before"))
    old = etcd.leader()
    buddy = next(n for n in etcd.names if n != old)
    majority = [n for n in etcd.names if n not in (old, buddy)]
    etcd.partition([old, buddy], majority)
    doomed = etcd.put("/x", "minority", endpoint=old)
    etcd.run(3)
    new = etcd.leader()
    assert new in majority
    assert etcd.members[old].role != "leader", "CheckQuorum: the old leader stepped down"
    assert etcd.call(etcd.put("/x", "majority", endpoint=new)) > 0
    assert failing(etcd, doomed) in (ERR_TIMEOUT, ERR_TIMEOUT_LEADER_FAIL)
    minority_log = etcd.members[old].disk.entries
    assert any(e.data and e.data.get("success") and e.data["success"][0].value == "minority"
               for e in minority_log), "the old leader had appended it"
    etcd.heal()
    etcd.run(2)
    for member in etcd.members.values():
        assert member.store.get("/x").value == "majority"
        assert not any(e.data and e.data.get("success") and e.data["success"][0].value == "minority"
                       for e in member.disk.entries), "uncommitted entry discarded"


def test_linearizable_read_on_a_cut_off_member_fails_serializable_is_stale():
    etcd = cluster(3, seed=5)
    etcd.call(etcd.put("/k", "old"))
    etcd.run(0.3)                                    # every member has applied it by now
    lonely = next(n for n in etcd.names if n != etcd.leader())
    etcd.partition([lonely], [n for n in etcd.names if n != lonely])
    etcd.call(etcd.put("/k", "new"))
    assert etcd.call(etcd.get("/k", linearizable=False, endpoint=lonely)).value == "old"
    assert failing(etcd, etcd.get("/k", endpoint=lonely)) in (ERR_TIMEOUT, ERR_LEADER_CHANGED)


def test_watch_is_ordered_skips_nothing_and_compaction_cancels_old_watches():
    etcd = cluster(3, seed=6)
    revs = [etcd.call(etcd.put(f"/w/{i % 3}", str(i))) for i in range(9)]
    stream = etcd.watch("/w/", start_revision=revs[2])
    etcd.run(0.1)
    assert [e.revision for e in stream.events] == revs[2:]
    more = etcd.call(etcd.put("/w/new", "x"))
    etcd.run(0.1)
    assert stream.events[-1].revision == more
    etcd.call(etcd.compact(revs[5]))
    old = etcd.watch("/w/", start_revision=revs[1])
    etcd.run(0.1)
    assert old.canceled and old.reason == ERR_COMPACTED


def test_snapshot_restore_keeps_the_snapshot_and_loses_later_writes():
    env = simpy.Environment()
    etcd = EtcdCluster(env, members=3, seed=7)
    etcd.wait_for_leader()
    etcd.call(etcd.put("/registry/a", "1"))
    etcd.call(etcd.put("/registry/b", "2"))
    snap = etcd.snapshot()
    etcd.call(etcd.put("/registry/c", "3"))
    for name in etcd.names:                          # disaster: the whole cluster is gone
        etcd.crash(name)
    restored = EtcdCluster.restore(env, snap, members=3, seed=8)
    assert restored.wait_for_leader() is not None
    kvs = restored.call(restored.range("/registry/"))
    assert [kv.key for kv in kvs] == ["/registry/a", "/registry/b"]
    assert restored.call(restored.put("/registry/d", "4")) == snap.revision + 1


def test_single_member_elects_itself_fast():
    etcd = EtcdCluster(simpy.Environment(), members=1)
    assert etcd.wait_for_leader(1.1) == "etcd-1"
    assert etcd.call(etcd.put("/k", "v")) == 2
    assert not etcd.trace.filter(kind="message", rpc="raft")


def test_raft_messages_cross_the_network_and_appear_in_the_trace():
    etcd = cluster(3, seed=9)
    etcd.run(1)
    raft = etcd.trace.filter(kind="message", rpc="raft")
    kinds = {r.ref["raft"]["type"] for r in raft}
    assert {"MsgPreVote", "MsgVote", "MsgApp", "MsgHeartbeat", "MsgHeartbeatResp"} <= kinds
    assert all(r.source.startswith("etcd-") and r.target.startswith("etcd-") for r in raft)
    states = [r for r in etcd.trace.filter(kind="component") if "raft" in r.ref]
    assert any(r.ref["raft"]["role"] == "leader" for r in states)


def test_same_seed_same_trace():
    def digest():
        etcd = cluster(3, seed=11)
        etcd.call(etcd.put("/k", "v"))
        etcd.crash(etcd.leader())
        etcd.run(3)
        return etcd.trace.digest()
    assert digest() == digest()


def test_same_seed_same_results_in_other_processes():
    """No hash(), no set order: PYTHONHASHSEED changes nothing."""
    script = (
        "import simpy, kubesim\n"
        "from kubesim.etcd import EtcdCluster, failover_experiment\n"
        "e = EtcdCluster(simpy.Environment(), members=5, seed=3)\n"
        "e.wait_for_leader(); e.call(e.put('/k', 'v')); e.crash(e.leader()); e.run(3)\n"
        "c = kubesim.Cluster(seed=1, etcd_members=3); c.run(5); c.crash('etcd-1'); c.run(3)\n"
        "print(e.trace.digest(), c.trace_digest(), sum(failover_experiment(trials=50)))\n")
    root = Path(__file__).resolve().parent.parent
    outputs = set()
    for hashseed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed, PYTHONPATH=str(root))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env=env, cwd=root, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_failover_with_etcd_defaults_in_the_tiny_loop_matches_the_full_simulation():
    """The pure state machine with etcd's defaults fails over in about 1–2 s, too."""
    downtimes = failover_experiment(election_timeout_ms=1000, broadcast_ms=2, trials=100,
                                    heartbeat_ms=100, rules="etcd")
    assert 1000 - 100 <= statistics.median(downtimes) <= 2000
