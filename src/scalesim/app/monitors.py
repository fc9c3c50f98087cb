"""Big-number monitors of the headline metrics (explore and play pages).

The values are formatted by :func:`scalesim.metrics.units.format_metric`, so they read as in
the CLI's tables and the report (shares as %, indices with two decimals).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import solara
from mesa.visualization.utils import update_counter

from scalesim.app.play import monitors

if TYPE_CHECKING:
    from scalesim.app.model import AppModel

MONITOR_CSS = """
.scalesim-monitors .monitor { flex: 1 1 0; border: 1px solid #bbb; border-radius: 6px;
  padding: 4px 8px; text-align: center; min-width: 0; }
.scalesim-monitors .monitor .big { font-size: 2.1em; font-weight: bold; line-height: 1.1; }
.scalesim-monitors .monitor .small { font-size: 0.85em; color: #333; }
/* Solara's "This website runs on Solara" banner sits over the page's bottom right. */
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
"""


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def monitors_html(model: AppModel) -> str:
    """The headline metrics as big numbers (the units of the CLI and the report)."""
    cells = "".join(
        f'<div class="monitor"><div class="big">{_esc(value)}</div>'
        f'<div class="small">{_esc(label)}</div></div>'
        for label, value in monitors(model)
    )
    return f'<div style="display:flex; gap:8px">{cells}</div>'


@solara.component
def Monitors(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """Big-number monitors of the headline metrics, updated every step."""
    update_counter.get()
    solara.Style(MONITOR_CSS)
    with model.lock:  # Mesa's Play loop steps the model in another thread
        html = monitors_html(model)
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["scalesim-monitors"])
