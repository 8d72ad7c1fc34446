"""Colours and the plotly template every kubesim figure shares (one look across lessons)."""
from __future__ import annotations

import plotly.graph_objects as go

from .tracedata import role

TEMPLATE = "plotly_white"
FONT = dict(family="Arial, Helvetica, sans-serif", size=12)

#: One colour per component role, used for markers and sequence-diagram lanes.
ROLE_COLORS = {
    "kubectl": "#7b4fa0",
    "kube-apiserver": "#1f6fb5",
    "etcd": "#e07b00",
    "kube-controller-manager": "#a0522d",
    "kube-scheduler": "#2a9d8f",
    "kubelet": "#2e8b57",
    "container runtime": "#76b041",
    "kube-proxy": "#5f7f9f",
    "cni-agent": "#8d6e63",
    "coredns": "#5e60ce",
}
OTHER_COLOR = "#6c757d"

#: One colour per message category (see :data:`kubesim.viz.tracedata.CATEGORIES`).
MESSAGE_COLORS = {
    "request": "#1f6fb5",
    "reply": "#17a2b8",
    "watch": "#8e44ad",
    "etcd": "#e07b00",
    "other": "#6c757d",
    "dropped": "#d62728",
}

CRASHED_FILL = "#c8c8c8"
CRASHED_LINE = "#d62728"
HIGHLIGHT = "#ffc107"
REGION_FILL = {"control": "#eaf2fb", "data": "#eaf6ee", "client": "#f3eef8"}
REGION_LINE = {"control": "#1f6fb5", "data": "#2e8b57", "client": "#7b4fa0"}

#: Pod phases in the timeline, in lifecycle order: (label, colour).
PHASE_COLORS = {
    "Pending (not scheduled)": "#bdbdbd",
    "ContainerCreating": "#f2c14e",
    "Running": "#2e8b57",
    "Error / back-off": "#d62728",
    "Terminating": "#f28e2b",
}


def color_of(name: str) -> str:
    """The colour of a component, from its role."""
    return ROLE_COLORS.get(role(name), OTHER_COLOR)


def base_layout(fig: go.Figure, title: str, height: int, width: int | None = None) -> go.Figure:
    """Apply the shared template, fonts and margins."""
    fig.update_layout(template=TEMPLATE, font=FONT, height=height, width=width,
                      title=dict(text=title, x=0.01, xanchor="left", yref="container",
                                 y=1 - 14 / height, yanchor="top"),
                      margin=dict(l=20, r=20, t=60, b=20), hoverlabel=dict(align="left"))
    return fig


def hide_axes(fig: go.Figure) -> go.Figure:
    """Turn off grid, ticks and zero lines (for diagram-like figures)."""
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=True)
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def key_text(parts: list[str], per_line: int = 3) -> str:
    """Join colour-key entries with `` · ``, ``per_line`` to a line (so narrow figures fit)."""
    lines = [" · ".join(parts[i:i + per_line]) for i in range(0, len(parts), per_line)]
    return "<br>".join(lines)
