"""The request path: results, errors a client sees, messages in the trace, speed, determinism."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest

from kubesim.lessons import lesson07
from kubesim.proxy import viz as pviz

URL = "http://web-service"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster():
    return lesson07.web_story(probe=True)


def test_a_request_reports_its_path(cluster):
    r = cluster.http_get(URL, source="client")
    assert r.ok and r.status == 200 and r.pod in lesson07.web_pods(cluster)
    kinds = [h.kind for h in r.path]
    assert kinds == ["client", "dns", "vip", "rule", "pod"]
    assert r.vip == cluster.get("Service", "web-service")["spec"]["clusterIP"] + ":80"
    assert r.rule.startswith("-A KUBE-SVC-") and "KUBE-SEP-" in r.rule
    assert r.service == "default/web-service" and 0 < r.latency < 0.05
    msgs = [rec for rec in cluster.trace if rec.kind == "message" and rec.ref.get("conn") == r.id]
    assert [m.summary.split()[0] for m in msgs] == ["DNS", "DNS", "GET", "HTTP"]
    assert msgs[0].target == "coredns" and msgs[2].target == f"default/{r.pod}"
    assert str(r).startswith(f"200 from {r.pod} on {r.node}")


def test_errors_a_client_sees(cluster):
    victim = lesson07.web_pods(cluster)[0]
    ip = cluster.get("Pod", victim)["status"]["podIP"]
    cluster.app(victim).hang()
    hung = cluster.http_get(f"http://{ip}", source="client", timeout=2)
    assert hung.error == "timeout" and "Operation timed out after 2000 milliseconds" in hung.message
    cluster.app(victim).recover()
    refused = cluster.http_get(f"http://{ip}:8080", source="client")
    assert refused.error == "connection refused" and "nothing listens on 8080" in refused.explain()
    outside = cluster.http_get(URL.replace("web-service", cluster.get("Service", "web-service")["spec"]["clusterIP"]),
                               timeout=1)
    assert outside.error == "timeout"                 # ClusterIPs are not routable from outside
    with pytest.raises(Exception, match="not found"):
        cluster.http_get(URL, source="no-such-pod")


def test_a_crashed_node_times_out():
    c = lesson07.web_story()
    target = next(p for p in c.list("Pod", "default", selector="app=web")
                  if p["spec"]["nodeName"] != c.get("Pod", "client")["spec"]["nodeName"])
    c.crash(target["spec"]["nodeName"])
    r = c.http_get(f"http://{target['status']['podIP']}", source="client", timeout=1)
    assert r.error == "timeout"
    dropped = [m for m in c.trace if m.kind == "message" and m.ref.get("conn") == r.id and m.ref.get("dropped")]
    assert dropped and dropped[0].ref["dropped"] == "unreachable"


def test_load_is_fast_and_summarised():
    c = lesson07.web_story()
    start = time.perf_counter()
    run = c.load(URL, rps=200, seconds=10, source="client")
    wall = time.perf_counter() - start
    assert wall < 6.0, f"load(rps=200, seconds=10) took {wall:.2f} s"   # ~1 s on a laptop
    assert run.total == run.ok == 2000 and sum(run.counts.values()) == 2000
    assert set(run.latency) == {"p50", "p90", "p99"} and 0 < run.latency["p50"] <= run.latency["p99"] < 50
    assert "2000 requests" in run.table() and "latency ms" in str(run)


def test_same_seed_same_story():
    def story():
        c = lesson07.web_story()
        run = c.load(URL, rps=100, seconds=2, source="client")
        return run.counts, c.trace_digest()
    assert story() == story()


def test_trace_digest_does_not_depend_on_the_hash_seed():
    code = textwrap.dedent("""
        from kubesim.lessons import lesson07
        c = lesson07.web_story()
        c.load("http://web-service", rps=50, seconds=2, source="client")
        c.http_get("http://no-such", source="client")
        print(c.trace_digest())
    """)
    digests = set()
    for hash_seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_figures_build(cluster):
    results = [cluster.http_get(URL, source="client") for _ in range(3)]
    anim = pviz.request_animation(cluster, results)
    assert isinstance(anim, go.Figure) and 0 < len(anim.frames) <= 100
    run = cluster.load(URL, rps=50, seconds=1, source="client")
    for fig in (pviz.distribution({"iptables": run}), pviz.choice_strip({"iptables": run}),
                pviz.timeline(run, marks=[(0.5, "now")])):
        assert isinstance(fig, go.Figure) and not fig.frames
    big = cluster.load(URL, rps=200, seconds=1, source="client")
    assert len(pviz.request_animation(cluster, big.results[:60]).frames) <= 100


def test_request_console_widget(cluster):
    from kubesim.widgets import output_text
    console = lesson07.request_console(cluster)
    console.send(3)
    text = output_text(console.children[1])
    assert "answers so far" in text and "HTTP 200" in text
