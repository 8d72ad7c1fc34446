"""Every lesson notebook runs in a real JupyterLab in a real browser, and renders.

nbval (``make test``) proves the cells run in a kernel; this test proves what a learner
*sees*: each notebook under ``notebooks/`` is opened in JupyterLab in headless chromium,
all cells are run, and the test fails if

* a cell produced an error (except cells tagged ``raises-exception``) or a traceback on stderr,
* a code cell did not run (no execution count),
* a plotly figure did not render (no ``.js-plotly-plot``),
* a widget did not render (still "Loading widget...", or an error widget).

A full-page screenshot of every notebook is saved to ``test-artifacts/browser/<name>.png``
(and the JupyterLab server log to ``test-artifacts/browser/jupyterlab.log``).

The notebook file is never saved: autosave is off in the throw-away JupyterLab settings,
nothing triggers a save, and each test checks that the file's bytes did not change.

JupyterLab runs with its own temporary config, data, runtime, settings and workspace
directories, so the user's Jupyter setup is neither used nor modified.  All tests live in
this one file, so ``pytest -n 2 --dist loadfile`` runs them on one worker with one server.

Skipped when /usr/bin/chromium is absent (``playwright install`` cannot download browsers
here); under ``CI=true`` a missing chromium is an error instead, since ``.ci/run`` installs it.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SERVER_START_TIMEOUT = 120   # s: first start of a JupyterLab server
KERNEL_READY_TIMEOUT = 120   # s: notebook opened and kernel idle
RUN_ALL_TIMEOUT = 180        # s: all cells executed
RENDER_TIMEOUT = 60          # s: figures and widgets drawn after execution
VIEWPORT = {"width": 1280, "height": 900}

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: JupyterLab user settings for the throw-away server.
LAB_SETTINGS = {
    # Never write the notebook back into the repository.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Keep every cell attached to the DOM, so all outputs render and are in the screenshot.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No network, no "news" toast over the screenshot.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}

chromium_missing = not Path(CHROMIUM).exists()
if chromium_missing and os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    raise RuntimeError(f"CI=true but {CHROMIUM} is missing: .ci/run should have installed it")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing, reason=f"{CHROMIUM} not found: install Debian's "
                       "chromium (apt-get install chromium) to run the real-browser test"),
]


# ----------------------------------------------------------------------------- server
@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory) -> Server:
    """A JupyterLab server on a free port, rooted at the repository, with private dirs."""
    home = tmp_path_factory.mktemp("jupyterlab-home")
    settings_dir = home / "lab-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    port = free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password=",
        f"--ServerApp.root_dir={ROOT}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=", f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        # Opening a notebook creates a checkpoint: keep it out of the repository.
        f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "jupyterlab.log"
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", log_path, process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not http_ok(f"{server.url}/api/status"):
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n"
                            f"{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# ----------------------------------------------------------------------------- in the page
# Helpers defined once per page; every later evaluate() calls them.
PAGE_HELPERS = """
() => {
  window.__kubesimTest = {
    panel(path) {
      const app = window.jupyterapp;
      if (!app) return null;
      for (const widget of app.shell.widgets('main')) {
        if (widget.context && widget.context.path === path && widget.content) return widget;
      }
      return null;
    },
    kernelStatus(path) {
      const panel = this.panel(path);
      const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
      return kernel ? kernel.status : 'none';
    },
    runAll(path) {
      const app = window.jupyterapp;
      const panel = this.panel(path);
      app.shell.activateById(panel.id);
      this.run = {done: false};
      app.commands.execute('notebook:run-all-cells').then(
        result => { this.run = {done: true, result: result}; },
        error => { this.run = {done: true, error: String(error)}; });
    },
    report(path, plotlyMime, widgetMime) {
      const panel = this.panel(path);
      const cells = [];
      panel.content.widgets.forEach((cell, index) => {
        const model = cell.model;
        if (model.type !== 'code') return;
        const outputs = [];
        for (let j = 0; j < model.outputs.length; j++) {
          const out = model.outputs.get(j).toJSON();
          const child = cell.outputArea.widgets[j];
          const node = child ? child.node : null;
          const summary = {type: out.output_type, mimes: Object.keys(out.data || {})};
          if (out.output_type === 'error') {
            summary.error = out.ename + ': ' + out.evalue;
            summary.traceback = (out.traceback || []).join('\\n').slice(-3000);
          }
          if (out.output_type === 'stream') {
            summary.name = out.name;
            summary.text = [].concat(out.text).join('').slice(-3000);
          }
          if (summary.mimes.includes(plotlyMime)) {
            summary.plotlyRendered = !!(node && node.querySelector('.js-plotly-plot'));
          }
          if (summary.mimes.includes(widgetMime)) {
            const text = node ? node.textContent : '';
            summary.widgetLoading = text.includes('Loading widget...');
            summary.widgetError = text.includes('Error displaying widget') ||
              !!(node && node.querySelector('.jupyter-widgets-error-widget'));
            summary.widgetRendered = !!(node && node.querySelector(
              '.jupyter-widgets:not(.jupyter-widgets-error-widget), [class*="widget-"]'));
            summary.widgetHidden = !!(node && node.querySelector('.lm-mod-hidden, .p-mod-hidden'));
          }
          outputs.push(summary);
        }
        const tags = (model.getMetadata ? model.getMetadata('tags') : model.metadata.tags) || [];
        cells.push({index: index, executionCount: model.executionCount, tags: tags,
                    source: model.sharedModel.getSource().slice(0, 200), outputs: outputs});
      });
      const root = panel.content.node;
      return {
        cells: cells,
        dom: {
          stderrTracebacks: Array.from(root.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
            .filter(n => n.textContent.includes('Traceback')).length,
          errorOutputs: root.querySelectorAll(
            '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]').length,
          plotlyPlots: root.querySelectorAll('.js-plotly-plot').length,
          loadingWidgets: Array.from(root.querySelectorAll('.jp-OutputArea-output'))
            .filter(n => n.textContent.includes('Loading widget...')).length,
        },
        dirty: panel.context.model.dirty,
        status: this.kernelStatus(path),
      };
    },
    contentHeight(path) {
      // Height of the cells (without JupyterLab's "scroll past the end" padding) and of the
      // notebook's scrolling viewport, to size the page for a full screenshot.
      const panel = this.panel(path);
      const outer = panel.content.node.querySelector('.jp-WindowedPanel-outer') || panel.content.node;
      const cells = panel.content.widgets;
      const last = cells.length ? cells[cells.length - 1].node : null;
      const top = outer.getBoundingClientRect().top - outer.scrollTop;
      const bottom = last ? last.getBoundingClientRect().bottom - top + 40 : outer.scrollHeight;
      return {content: Math.ceil(bottom), client: outer.clientHeight};
    },
    scrollToTop(path) {
      const panel = this.panel(path);
      const outer = panel.content.node.querySelector('.jp-WindowedPanel-outer') || panel.content.node;
      outer.scrollTop = 0;
    },
    async shutdown(path) {
      const panel = this.panel(path);
      if (panel) await panel.sessionContext.shutdown();
    },
  };
}
"""


def expected_problems(report: dict) -> list[str]:
    """Everything a learner would see go wrong, one line each (empty: notebook is fine)."""
    problems = []
    for cell in report["cells"]:
        where = f"cell {cell['index']} ({cell['source'].splitlines()[0] if cell['source'] else ''!r})"
        allowed_error = "raises-exception" in cell["tags"]
        if cell["executionCount"] is None and cell["source"].strip():
            problems.append(f"{where} did not run")
        for out in cell["outputs"]:
            if out["type"] == "error" and not allowed_error:
                problems.append(f"{where} raised {out['error']}\n{ANSI.sub('', out['traceback'])}")
            if out["type"] == "stream" and out.get("name") == "stderr" and "Traceback" in out["text"]:
                problems.append(f"{where} printed a traceback on stderr:\n{ANSI.sub('', out['text'])}")
            if out.get("plotlyRendered") is False:
                problems.append(f"{where}: a plotly figure was not rendered (no .js-plotly-plot)")
            if out.get("widgetLoading") or out.get("widgetError"):
                problems.append(f"{where}: a widget did not render "
                                f"({'error' if out.get('widgetError') else 'still loading'})")
            elif WIDGET_MIME in out["mimes"] and not (out.get("widgetRendered") or out.get("widgetHidden")):
                problems.append(f"{where}: a widget view is empty")
    dom = report["dom"]
    errors_in_model = sum(1 for c in report["cells"] for o in c["outputs"] if o["type"] == "error"
                          and "raises-exception" not in c["tags"])
    if dom["errorOutputs"] and not errors_in_model and not any(
            "raises-exception" in c["tags"] for c in report["cells"]):
        problems.append(f"{dom['errorOutputs']} error output(s) on the page")
    # JupyterLab renders error outputs with the stderr mime type too: count only the others.
    known = sum(1 for c in report["cells"] for o in c["outputs"]
                if o["type"] == "error" or (o["type"] == "stream" and "Traceback" in o.get("text", "")))
    if dom["stderrTracebacks"] > known:
        problems.append(f"{dom['stderrTracebacks'] - known} more traceback(s) shown on the page")
    if dom["loadingWidgets"] and not any("widget" in p for p in problems):
        problems.append(f"{dom['loadingWidgets']} widget(s) still 'Loading widget...'")
    return problems


def render_pending(report: dict) -> bool:
    """True while figures or widgets that will render are still being drawn."""
    for cell in report["cells"]:
        for out in cell["outputs"]:
            if out.get("plotlyRendered") is False or out.get("widgetLoading"):
                return True
    return False


# ----------------------------------------------------------------------------- the test
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_renders_in_jupyterlab(name, jupyterlab, browser):
    path = NOTEBOOK_DIR / name
    committed = path.read_bytes()
    doc_path = f"notebooks/{name}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / f"{Path(name).stem}.png"
    screenshot.unlink(missing_ok=True)

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    report = None
    try:
        workspace = "test-" + "".join(ch if ch.isalnum() else "-" for ch in Path(name).stem)
        page.goto(f"{jupyterlab.url}/lab/workspaces/{workspace}/tree/{doc_path}",
                  wait_until="domcontentloaded", timeout=KERNEL_READY_TIMEOUT * 1000)
        page.wait_for_function("() => !!window.jupyterapp", timeout=KERNEL_READY_TIMEOUT * 1000)
        page.evaluate(PAGE_HELPERS)
        page.wait_for_function(
            "path => { const t = window.__kubesimTest; const p = t.panel(path);"
            " return !!p && p.context.isReady && t.kernelStatus(path) === 'idle'; }",
            arg=doc_path, timeout=KERNEL_READY_TIMEOUT * 1000, polling=250)

        page.evaluate("path => window.__kubesimTest.runAll(path)", doc_path)
        page.wait_for_function(
            "path => { const t = window.__kubesimTest;"
            " return t.run.done && t.kernelStatus(path) === 'idle'; }",
            arg=doc_path, timeout=RUN_ALL_TIMEOUT * 1000, polling=250)
        run = page.evaluate("() => window.__kubesimTest.run")
        assert "error" not in run, f"JupyterLab could not run {name}: {run['error']}"

        # Outputs arrive and renderers (plotly.js, widget views) load after the replies.
        deadline = time.monotonic() + RENDER_TIMEOUT
        while True:
            page.wait_for_timeout(500)
            report = page.evaluate(
                "([path, p, w]) => window.__kubesimTest.report(path, p, w)",
                [doc_path, PLOTLY_MIME, WIDGET_MIME])
            if not render_pending(report) or time.monotonic() > deadline:
                break
    finally:
        try:
            size = page.evaluate(
                "path => window.__kubesimTest && window.__kubesimTest.panel(path)"
                " && window.__kubesimTest.contentHeight(path)", doc_path)
            if size:  # JupyterLab scrolls inside the notebook: grow the page to show it all
                extra = max(0, size["content"] - size["client"])
                page.set_viewport_size({"width": VIEWPORT["width"],
                                        "height": min(VIEWPORT["height"] + extra, 16000)})
                page.evaluate("path => window.__kubesimTest.scrollToTop(path)", doc_path)
                page.wait_for_timeout(500)
            page.screenshot(path=str(screenshot), full_page=True)
            page.evaluate("path => window.__kubesimTest && window.__kubesimTest.shutdown(path)",
                          doc_path)
        except Exception as exc:  # noqa: BLE001 - never hide the real failure
            print(f"could not take screenshot / shut the kernel down: {exc}")
        context.close()
        assert path.read_bytes() == committed, f"{doc_path} was modified on disk by the test"

    problems = expected_problems(report)
    details = "\n".join(f"- {p}" for p in problems)
    if page_errors:
        details += "\nJavaScript errors on the page:\n" + "\n".join(page_errors[:10])
    assert not problems, f"{name} in JupyterLab (screenshot: {screenshot}):\n{details}"
    assert screenshot.exists()


def test_problem_detection_rules():
    """The verdict logic itself, on hand-made reports (no browser needed)."""
    def report(*outputs, tags=(), count=1, dom=None):
        return {"cells": [{"index": 0, "executionCount": count, "tags": list(tags),
                           "source": "x = 1", "outputs": list(outputs)}],
                "dom": dom or {"stderrTracebacks": 0, "errorOutputs": 0, "plotlyPlots": 0,
                               "loadingWidgets": 0}}

    error = {"type": "error", "mimes": [], "error": "ValueError: boom", "traceback": "..."}
    assert expected_problems(report()) == []
    assert "did not run" in expected_problems(report(count=None))[0]
    assert "ValueError: boom" in expected_problems(report(error))[0]
    assert expected_problems(report(error, tags=["raises-exception"])) == []
    plot = {"type": "display_data", "mimes": [PLOTLY_MIME], "plotlyRendered": False}
    assert "plotly" in expected_problems(report(plot))[0] and render_pending(report(plot))
    widget = {"type": "display_data", "mimes": [WIDGET_MIME], "widgetLoading": True}
    assert "widget" in expected_problems(report(widget))[0]
    ok_widget = {"type": "display_data", "mimes": [WIDGET_MIME], "widgetLoading": False,
                 "widgetError": False, "widgetRendered": True}
    assert expected_problems(report(ok_widget)) == []
