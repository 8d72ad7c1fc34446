"""Small ipywidgets for the lessons: scrub a trace, poke a cluster, predict before running.

* :class:`TraceScrubber` — a ▶/slider over the messages of a trace, with a text table and a
  sequence diagram of what happened up to that point;
* :class:`ClusterConsole` — buttons to run time, crash and restart nodes or components,
  showing ``kubectl get nodes`` / ``get pods -o wide`` and the component graph after each;
* :func:`predict` — a multiple-choice "predict first" question with a Check button.

Every widget works without a browser too: its handlers are plain methods
(``console.crash_button.click()`` runs the crash), and its outputs are written straight
into ``Output.outputs`` so tests can read them.  Figures are ``plotly.graph_objects.Figure``
shown with the default renderer (never ``FigureWidget``).
"""
from __future__ import annotations

import html
import json
from typing import Iterable, Optional, Sequence, Union

import ipywidgets as widgets

from . import viz
from .viz.tracedata import messages, trace_of

__all__ = ["TraceScrubber", "ClusterConsole", "Predict", "predict"]


# ---------------------------------------------------------------------- showing things in an Output
def text_output(text: str) -> dict:
    """An Output entry that prints ``text``."""
    text = text if text.endswith("\n") else text + "\n"
    return {"output_type": "stream", "name": "stdout", "text": text}


def figure_output(fig) -> dict:
    """An Output entry that displays a plotly figure with the default renderer.

    Outside Jupyter (no default renderer) the figure's JSON is stored under plotly's own
    mimetype, which is also what JupyterLab's renderer reads.
    """
    bundle = dict(fig._repr_mimebundle_() or {})
    if not bundle:
        bundle = {"application/vnd.plotly.v1+json": json.loads(fig.to_json())}
    bundle.setdefault("text/plain", f"<plotly figure: {fig.layout.title.text or ''}>")
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def show(out: widgets.Output, *items) -> None:
    """Replace what ``out`` shows with ``items`` (strings are printed, figures displayed)."""
    out.outputs = tuple(text_output(i) if isinstance(i, str) else figure_output(i) for i in items)


def output_text(out: widgets.Output) -> str:
    """Everything ``out`` printed (handy in tests and checks)."""
    return "".join(o.get("text", "") for o in out.outputs if o.get("output_type") == "stream")


# ---------------------------------------------------------------------- TraceScrubber
class TraceScrubber(widgets.VBox):
    """Step through the messages of a trace with ▶ or a slider.

    Below the controls: a table of the last ``rows`` messages up to the slider's position
    (time, from → to, summary) and a sequence diagram of the last ``diagram_messages``.
    ``include`` / ``exclude_rpc`` select messages as in :func:`kubesim.viz.sequence_diagram`.
    """

    def __init__(self, cluster_or_trace, start: float = 0.0, end: Optional[float] = None,
                 include=None, exclude_rpc: Iterable[str] = (), rows: int = 12,
                 diagram_messages: int = 30, interval_ms: int = 700):
        """Build the controls for ``cluster_or_trace`` and show the first message."""
        self.trace = trace_of(cluster_or_trace)
        self.messages = messages(self.trace, start, end, include, exclude_rpc)
        self.rows, self.diagram_messages = rows, diagram_messages
        count = len(self.messages)
        first = min(1, count)
        self.play = widgets.Play(value=first, min=0, max=count, step=1, interval=interval_ms,
                                 description="play")
        self.slider = widgets.IntSlider(value=first, min=0, max=count, step=1,
                                        description="message", continuous_update=False,
                                        layout=widgets.Layout(width="70%"))
        widgets.link((self.play, "value"), (self.slider, "value"))
        self.table = widgets.Output()
        self.figure = widgets.Output()
        self.slider.observe(lambda change: self.render(change["new"]), names="value")
        super().__init__([widgets.HBox([self.play, self.slider]), self.table, self.figure])
        self.render(self.slider.value)

    def render(self, upto: int) -> None:
        """Show the messages up to number ``upto`` (1 = the first message)."""
        shown = self.messages[:upto]
        show(self.table, self.table_text(shown))
        recent = shown[-self.diagram_messages:]
        if recent:
            show(self.figure, viz.sequence_diagram(self.trace, include=recent, animate=False,
                                                   max_messages=self.diagram_messages,
                                                   title=f"The last {len(recent)} messages up to "
                                                         f"t = {recent[-1].time:.4f} s"))
        else:
            show(self.figure, "(no message yet — press ▶ or move the slider)")

    def table_text(self, shown: Sequence) -> str:
        """The text table of the last ``rows`` of ``shown``."""
        lines = [f"message {len(shown)} of {len(self.messages)}"]
        if len(shown) > self.rows:
            lines.append(f"  … {len(shown) - self.rows} earlier messages")
        for m in shown[-self.rows:]:
            fate = f"  [dropped: {m.ref['dropped']}]" if "dropped" in m.ref else ""
            lines.append(f"{m.time:12.6f} s  {m.source:>24} → {m.target:<24} {m.summary}{fate}")
        return "\n".join(lines)


# ---------------------------------------------------------------------- ClusterConsole
class ClusterConsole(widgets.VBox):
    """Buttons to drive a cluster: run 5 s / 30 s, crash or restart a node or component.

    After each action the console shows ``kubectl get nodes``, ``kubectl get pods -o wide``
    (``pods_command`` changes that line) and the component graph at the new time.
    """

    def __init__(self, cluster, pods_command: str = "get pods -o wide", graph: bool = True):
        """Build the buttons for ``cluster`` and show its current state."""
        self.cluster = cluster
        self.pods_command = pods_command
        self.with_graph = graph
        self.run5_button = widgets.Button(description="run 5 s", icon="play")
        self.run30_button = widgets.Button(description="run 30 s", icon="forward")
        self.target = widgets.Dropdown(options=self.targets(), description="target")
        self.crash_button = widgets.Button(description="crash", button_style="danger", icon="bolt")
        self.restart_button = widgets.Button(description="restart", button_style="success",
                                             icon="refresh")
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.graph = widgets.Output()
        self.run5_button.on_click(lambda _b: self.run(5))
        self.run30_button.on_click(lambda _b: self.run(30))
        self.crash_button.on_click(lambda _b: self.crash())
        self.restart_button.on_click(lambda _b: self.restart())
        super().__init__([
            widgets.HBox([self.run5_button, self.run30_button]),
            widgets.HBox([self.target, self.crash_button, self.restart_button]),
            self.status, self.output, self.graph])
        self.history: list[str] = []
        self.refresh()

    def targets(self) -> list[str]:
        """Nodes first (crashing a node takes down everything on it), then components."""
        nodes = list(self.cluster.kubelets)
        return nodes + sorted(self.cluster.components)

    def run(self, seconds: float) -> None:
        """Advance simulated time."""
        self.cluster.run(seconds)
        self._done(f"ran {seconds:g} s")

    def crash(self) -> None:
        """Crash the selected node or component."""
        self._act("crash", self.cluster.crash)

    def restart(self) -> None:
        """Restart the selected node or component."""
        self._act("restart", self.cluster.restart)

    def _act(self, verb: str, action) -> None:
        """Run ``action`` on the selected target; report failures instead of raising."""
        name = self.target.value
        try:
            action(name)
        except Exception as err:                     # shown to the learner, not raised
            self._done(f"could not {verb} {name}: {err}", error=True)
            return
        self._done(f"{verb} {name}")

    def _done(self, what: str, error: bool = False) -> None:
        """Log what happened and redraw."""
        self.history.append(f"t = {self.cluster.now:.1f} s: {what}")
        self.refresh(error=error)

    def refresh(self, error: bool = False) -> None:
        """Redraw the status line, the kubectl output and the component graph."""
        color = "#d62728" if error else "#333"
        last = self.history[-1] if self.history else f"t = {self.cluster.now:.1f} s: ready"
        last = html.escape(last)
        self.status.value = f'<span style="color:{color}">{last}</span>'
        show(self.output, self.kubectl_text())
        if self.with_graph:
            show(self.graph, viz.component_graph(self.cluster))

    def kubectl_text(self) -> str:
        """What kubectl prints for the nodes and the Pods right now."""
        parts = []
        for command in ("get nodes", self.pods_command):
            parts.append(f"$ kubectl {command}\n{self.cluster.kubectl(command).rstrip()}")
        return "\n\n".join(parts)


# ---------------------------------------------------------------------- predict
class Predict(widgets.VBox):
    """A "predict first" question: pick an option, press Check, read the feedback.

    After two wrong tries the right answer is shown with the explanation.  ``question``
    and ``explanation`` may contain HTML (``<code>…</code>``).
    """

    def __init__(self, question: str, options: Sequence[str], answer: Union[str, int],
                 explanation: str = ""):
        """Build the question; ``answer`` is an option or its index."""
        options = [str(o) for o in options]
        if isinstance(answer, int) and not isinstance(answer, bool) and str(answer) not in options:
            answer = options[answer]
        if str(answer) not in options:
            raise ValueError(f"the answer {answer!r} is not one of the options")
        self.answer = str(answer)
        self.explanation = explanation
        self.tries = 0
        self.question = widgets.HTML(f"<b>🤔 Predict:</b> {question}")
        self.choices = widgets.RadioButtons(options=options, value=None,
                                            layout=widgets.Layout(width="max-content"))
        self.check_button = widgets.Button(description="Check", button_style="info")
        self.feedback = widgets.HTML()
        self.check_button.on_click(lambda _b: self.check())
        super().__init__([self.question, self.choices, self.check_button, self.feedback])

    def check(self) -> Optional[bool]:
        """Judge the chosen option: True (right), False (wrong) or None (nothing chosen)."""
        if self.choices.value is None:
            self.feedback.value = "Pick an answer first."
            return None
        if self.choices.value == self.answer:
            self.feedback.value = f"✅ Right! {self.explanation}"
            return True
        self.tries += 1
        if self.tries >= 2:
            self.feedback.value = (f"❌ Not quite. The answer is <b>{html.escape(self.answer)}</b>. "
                                   f"{self.explanation}")
        else:
            self.feedback.value = "❌ Not quite — think about it once more and try another answer."
        return False


def predict(question: str, options: Sequence[str], answer: Union[str, int],
            explanation: str = "") -> Predict:
    """A multiple-choice "predict first" widget; ``answer`` is the right option (or its index)."""
    return Predict(question, options, answer, explanation)
