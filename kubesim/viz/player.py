"""Play/pause buttons and a slider for animated figures (plain ``go.Figure`` frames)."""
from __future__ import annotations

import plotly.graph_objects as go

MAX_FRAMES = 100


def frame_ends(total: int, frames: int) -> list[int]:
    """Split ``total`` items into at most ``frames`` (≤ 100) growing prefixes: the number of
    items each frame shows, ending with ``total``.  One item per frame when they fit."""
    frames = max(1, min(frames, MAX_FRAMES, total)) if total else 1
    return [round(total * (k + 1) / frames) for k in range(frames)]


def add_player(fig: go.Figure, frames: list[go.Frame], labels: list[str],
               duration: int = 300, active: int = -1, prefix: str = "") -> go.Figure:
    """Attach ``frames`` with ▶/⏸ buttons and a slider whose current value reads ``labels[k]``.

    The figure keeps its own data as the state shown before anyone presses play (usually
    the last frame, so a figure that is never animated still tells the whole story); ▶
    always starts again from the first frame.
    """
    fig.frames = frames
    names = [f.name for f in frames]
    play = dict(frame=dict(duration=duration, redraw=False), fromcurrent=False,
                transition=dict(duration=0), mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0),
                 mode="immediate")
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=0,
                          xanchor="left", yanchor="top", pad=dict(t=8, r=8),
                          buttons=[dict(label="▶ play", method="animate", args=[None, play]),
                                   dict(label="⏸ pause", method="animate", args=[[None], pause])])],
        sliders=[dict(active=active % len(frames) if frames else 0, x=0, len=1, y=0,
                      yanchor="top", pad=dict(t=8, l=175), font=dict(color="rgba(0,0,0,0)", size=6),
                      ticklen=2, currentvalue=dict(prefix=prefix, font=dict(size=12, color="#333"),
                                                   xanchor="left"),
                      steps=[dict(method="animate", label=label,
                                  args=[[name], dict(pause, frame=dict(duration=0, redraw=False))])
                             for name, label in zip(names, labels)])])
    return fig
