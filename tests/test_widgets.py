"""kubesim.widgets: constructible and clickable in plain Python, and their outputs change."""
from __future__ import annotations

import ipywidgets as widgets
import pytest

import kubesim
from kubesim.widgets import ClusterConsole, Predict, TraceScrubber, output_text, predict

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: 'nginx:1.25'}]}
"""

PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture()
def cluster():
    c = kubesim.Cluster(seed=0)
    c.apply(WEB)
    c.run(30)
    return c


def figures_in(out: widgets.Output) -> list[dict]:
    return [o["data"][PLOTLY] for o in out.outputs if o.get("output_type") == "display_data"
            and PLOTLY in o["data"]]


# ---------------------------------------------------------------------- TraceScrubber
def test_trace_scrubber_slider_moves_the_table_and_the_diagram(cluster):
    scrubber = TraceScrubber(cluster)
    assert isinstance(scrubber, widgets.VBox)
    count = sum(1 for r in cluster.trace if r.kind == "message")
    assert scrubber.slider.max == count
    first = output_text(scrubber.table)
    assert "message 1 of" in first and "kubectl" not in first.splitlines()[0]
    scrubber.slider.value = 40
    later = output_text(scrubber.table)
    assert later != first and "message 40 of" in later
    assert len(figures_in(scrubber.figure)) == 1


def test_trace_scrubber_play_drives_the_slider(cluster):
    scrubber = TraceScrubber(cluster, start=0, end=5, rows=5)
    scrubber.play.value = 7
    assert scrubber.slider.value == 7
    assert "message 7 of" in output_text(scrubber.table)
    assert output_text(scrubber.table).count(" → ") == 5


def test_trace_scrubber_on_an_empty_window(cluster):
    scrubber = TraceScrubber(cluster.trace, start=1000)
    assert scrubber.slider.max == 0
    assert "no message yet" in output_text(scrubber.figure)


# ---------------------------------------------------------------------- ClusterConsole
def test_console_buttons_run_and_show_kubectl(cluster):
    console = ClusterConsole(cluster)
    before = cluster.now
    text = output_text(console.output)
    assert "$ kubectl get nodes" in text and "$ kubectl get pods -o wide" in text
    console.run5_button.click()                  # kubectl itself takes a few simulated ms
    assert before + 5 <= cluster.now < before + 5.5
    console.run30_button.click()
    assert before + 35 <= cluster.now < before + 36
    assert "ran 30 s" in console.status.value
    assert len(figures_in(console.graph)) == 1


def test_console_crash_and_restart_a_node(cluster):
    console = ClusterConsole(cluster)
    assert console.target.options[0] == "control-plane"
    console.target.value = "worker-1"
    console.crash_button.click()
    assert not cluster.network.is_up("kubelet-worker-1")
    assert "crash worker-1" in console.status.value
    before = output_text(console.output)
    console.run30_button.click()
    console.run30_button.click()
    after = output_text(console.output)
    assert "NotReady" not in before and "NotReady" in after     # 40 s without a heartbeat
    graph = figures_in(console.graph)[0]
    assert any("✗" in str(t.get("text")) for t in graph["data"])
    console.restart_button.click()
    assert cluster.network.is_up("kubelet-worker-1")
    assert "restart worker-1" in console.status.value


def test_console_reports_errors_instead_of_raising(cluster, monkeypatch):
    console = ClusterConsole(cluster, graph=False)

    def broken(name):
        raise kubesim.errors.UsageError("error: nope")

    monkeypatch.setattr(cluster, "crash", broken)
    console.crash_button.click()
    assert "could not crash" in console.status.value and "nope" in console.status.value
    assert console.graph.outputs == ()


# ---------------------------------------------------------------------- predict
def test_predict_accepts_the_right_answer():
    q = predict("Which component picks the node?", ["kubelet", "kube-scheduler", "etcd"],
                "kube-scheduler", "The scheduler binds the Pod.")
    assert isinstance(q, Predict) and isinstance(q, widgets.VBox)
    assert q.check() is None and "Pick" in q.feedback.value
    q.choices.value = "kube-scheduler"
    q.check_button.click()
    assert q.feedback.value.startswith("✅") and "binds" in q.feedback.value


def test_predict_rejects_a_wrong_answer_and_then_explains():
    q = predict("Where is the Deployment stored?", ["etcd", "kubelet"], 0, "Only etcd persists.")
    q.choices.value = "kubelet"
    assert q.check() is False
    assert q.feedback.value.startswith("❌") and "etcd" not in q.feedback.value
    q.check_button.click()
    assert "<b>etcd</b>" in q.feedback.value and "persists" in q.feedback.value
    q.choices.value = "etcd"
    assert q.check() is True


def test_predict_refuses_an_answer_that_is_not_an_option():
    with pytest.raises(ValueError):
        predict("?", ["a", "b"], "c")
