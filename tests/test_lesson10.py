"""Lesson 10: quorum arithmetic, the zone-failure milestones from the trace, and the
exercise checks (solutions pass, plausible wrong answers get a specific hint)."""
from __future__ import annotations

import plotly.graph_objects as go
import pytest

import kubesim
from kubesim import seed
from kubesim.lessons import lesson10 as L

SPREAD = """\
      topologySpreadConstraints:
      - maxSkew: {skew}
        topologyKey: {key}
        whenUnsatisfiable: {when}
{honor}        labelSelector:
          matchLabels:
            app: web
      containers:
"""


def spread(skew=1, key="topology.kubernetes.io/zone", when="DoNotSchedule", honor=True) -> str:
    line = "        nodeTaintsPolicy: Honor\n" if honor else ""
    return L.SPREAD_STARTER.replace("      containers:\n", SPREAD.format(
        skew=skew, key=key, when=when, honor=line))


def run(check, answer, capsys):
    result = check(answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, out


# ---------------------------------------------------------------------- pure arithmetic
@pytest.mark.parametrize("members, need", [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4)])
def test_quorum_is_a_majority(members, need):
    assert L.quorum(members) == need


def test_zone_losses():
    assert L.zone_losses({"a": 1, "b": 1, "c": 1}) == {"a": True, "b": True, "c": True}
    assert L.zone_losses({"a": 2, "b": 1}) == {"a": False, "b": True}
    assert L.zone_losses({"a": 2, "b": 2, "c": 1}) == {"a": True, "b": True, "c": True}
    assert L.zone_losses({"a": 3, "b": 1, "c": 1})["a"] is False
    assert "LOST: no writes" in L.layout_table({"zone-a": 2, "zone-b": 1}).splitlines()[1]


# ---------------------------------------------------------------------- the lesson's scenario
@pytest.fixture(scope="module")
def zone_a_failed():
    c = kubesim.Cluster(seed=0, zones=3, nodes_per_zone=2, etcd_members=3, apiservers=3)
    c.apply(seed.DEPLOYMENT)
    c.run(30)
    before = L.pods_by_zone(c)
    c.fail_zone("zone-a")
    c.run(420)
    return c, before


def test_milestones_come_in_the_order_of_their_clocks(zone_a_failed):
    c, before = zone_a_failed
    assert {z: len(p) for z, p in before.items()} == {"zone-a": 1, "zone-b": 1, "zone-c": 1}
    ms = L.zone_failure_milestones(c)
    etcd = next(m.time for m in ms if m.who.startswith("etcd"))
    assert etcd < 3                                              # an election timeout or two
    lb = next(m.time for m in ms if m.who == "apiserver-lb")
    assert lb < 15                                               # a few failed health checks
    leases = [m.time for m in ms if "Lease" in m.what]
    assert len(leases) == 2 and all(15 <= t <= 25 for t in leases)   # 15 s lease + polling
    notready = [m.time for m in ms if "NotReady" in m.what]
    assert len(notready) == 3 and all(40 <= t <= 55 for t in notready)
    evicted = next(m.time for m in ms if "evicted" in m.what)
    assert 340 <= evicted <= 355
    replaced = ms[-1]
    assert "Ready again" in replaced.what and evicted < replaced.time < evicted + 20
    assert [m.time for m in ms] == sorted(m.time for m in ms)
    table = L.milestones_table(ms)
    assert table.splitlines()[0].split() == ["AFTER", "WHO", "WHAT"]


def test_leases_moved_out_of_the_failed_zone(zone_a_failed):
    c, _ = zone_a_failed
    leaders = L.leaders(c)
    assert set(leaders) == {"kube-scheduler", "kube-controller-manager"}
    assert not any(name.endswith("-1") for name in leaders.values())
    assert L.pods_by_zone(c)["zone-a"] == []
    assert sum(len(p) for p in L.pods_by_zone(c).values()) == 3


def test_the_figure_comes_from_the_trace(zone_a_failed):
    c, _ = zone_a_failed
    fig = L.zone_failure_figure(c.trace, end=c.now)
    assert isinstance(fig, go.Figure)
    stacked = [t for t in fig.data if t.stackgroup == "pods"]
    assert [t.name for t in stacked] == ["serving in zone-a", "serving in zone-b", "serving in zone-c"]
    assert stacked[0].y[10] == 1 and stacked[0].y[-1] == 0       # zone-a's replica is gone
    assert stacked[1].y[-1] + stacked[2].y[-1] == 3               # … replaced elsewhere
    # 10 s after the failure the dead zone's Pod no longer serves, but the API still says Ready
    api = next(t for t in fig.data if t.name == "Ready according to the API")
    at = list(fig.data[0].x).index(40)
    assert sum(t.y[at] for t in stacked) == 2 and api.y[at] == 3
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(markers) == len(L.zone_failure_milestones(c))


def test_two_zones_lose_the_quorum_with_the_bigger_one():
    c = kubesim.Cluster(seed=0, zones=2, nodes_per_zone=2, etcd_members=3, apiservers=3)
    c.apply(seed.DEPLOYMENT)
    c.run(30)
    assert {z: len(m) for z, m in L.etcd_members_by_zone(c).items()} == {"zone-a": 2, "zone-b": 1}
    c.fail_zone("zone-a")
    c.run(20)
    assert c.kubectl("scale deployment web-app --replicas=5") == \
        "Error from server: etcdserver: request timed out"


# ---------------------------------------------------------------------- exercise (a)
@pytest.mark.parametrize("layout", [{"zone-a": 2, "zone-b": 2, "zone-c": 1},
                                    {"zone-a": 1, "zone-b": 2, "zone-c": 2}])
def test_etcd_layout_solutions_pass(layout, capsys):
    result, out = run(L.check_etcd_layout, layout, capsys)
    assert result, out
    assert out.count("a write committed") == 3


@pytest.mark.parametrize("layout, hint", [
    ({"zone-a": 3, "zone-b": 1, "zone-c": 1}, "if zone-a fails, 2 of 5 members are left"),
    ({"zone-a": 5}, "if zone-a fails, 0 of 5 members are left"),
    ({"zone-a": 1, "zone-b": 1, "zone-c": 1}, "place exactly 5 members (you placed 3)"),
    ({"zone-a": 2, "zone-b": 2, "zone-d": 1}, "unknown zone(s) ['zone-d']"),
    ([2, 2, 1], "should be a dict"),
])
def test_etcd_layout_wrong_answers_get_hints(layout, hint, capsys):
    result, out = run(L.check_etcd_layout, layout, capsys)
    assert not result
    assert hint in out


# ---------------------------------------------------------------------- exercise (b)
def test_zone_spread_solution_passes(capsys):
    result, out = run(L.check_zone_spread, spread(), capsys)
    assert result, out
    assert "4 of 6 replicas kept serving at once" in out and "all 6 Ready again" in out


@pytest.mark.parametrize("manifest, hint", [
    (L.SPREAD_STARTER, "there is no `topologySpreadConstraints`"),
    (spread(when="ScheduleAnyway", honor=False), "use `DoNotSchedule`"),
    (spread(key="kubernetes.io/hostname"), "only by luck"),
    (spread(skew=4), "maxSkew 4"),
    (spread(honor=False), "Add `nodeTaintsPolicy: Honor`"),
    (spread().replace("replicas: 6", "replicas: 3"), "keep replicas: 6"),
    ("replicas: [", "the YAML does not parse"),
    (None, "should be the YAML text"),
])
def test_zone_spread_wrong_answers_get_hints(manifest, hint, capsys):
    result, out = run(L.check_zone_spread, manifest, capsys)
    assert not result
    assert hint in out, out
