"""Charts for the documents, as SVG drawn by matplotlib (its object API: no pyplot, no global
state, safe in a server). Text stays text in the SVG (`svg.fonttype: none`) in the documents'
own CJK font, so WeasyPrint sets it with the font the PDF already embeds and the words of a
chart can be read back from the PDF."""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.render import CJK_FONT, font_file

INK = "#1f3b73"
ALERT = "#b22222"
AMBER = "#d98c1f"
RATE_BANDS = ((100.0, INK), (80.0, AMBER))  # on-time rate (%) from which a bar takes the colour


@functools.cache
def _font_registered() -> None:
    font_manager.fontManager.addfont(font_file())


def _figure(width_mm: float, height_mm: float):
    _font_registered()
    figure = Figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    return figure


def _svg(figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "pension-audit"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _style():
    return matplotlib.rc_context(
        {
            "font.family": CJK_FONT,
            "font.size": 8,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def _rate_colour(rate: float) -> str:
    """All on time in ink; short of it in amber; under the threshold in red (shades as data:
    RATE_BANDS), so that 85.7 % and 0 % do not look alike."""
    for floor, colour in RATE_BANDS:
        if rate >= floor:
            return colour
    return ALERT


def on_time_rates(rows: Sequence[tuple[str, float | None]], title: str) -> str:
    """Horizontal bars: each township's on-time rate (townships with no events are left out)."""
    shown = sorted(((name, rate) for name, rate in rows if rate is not None), key=lambda r: (r[1], r[0]))
    with _style():
        figure = _figure(130, max(45, 7 * len(shown) + 22))
        ax = figure.add_subplot()
        names = [name for name, _ in shown]
        rates = [float(rate) * 100 for _, rate in shown]
        bars = ax.barh(range(len(shown)), rates, color=[_rate_colour(r) for r in rates], height=0.6)
        ax.set_yticks(range(len(shown)), names)
        ax.set_xlim(0, 110)
        ax.set_xlabel("按时上报率（%）")
        ax.set_title(title, fontsize=9)
        for bar, rate in zip(bars, rates, strict=True):
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{rate:.1f}%", va="center", fontsize=7)
        if not shown:
            ax.text(55, 0, "本期无应报事件", ha="center", va="center")
            ax.set_yticks([])
        figure.tight_layout()
        return _svg(figure)


def losses_by_month(rows: Sequence[tuple[str, Decimal]], title: str) -> str:
    """Columns: the loss attributable to late and missed reports, by month of the event."""
    with _style():
        figure = _figure(130, 70)
        ax = figure.add_subplot()
        labels = [label for label, _ in rows]
        values = [float(value) for _, value in rows]
        bars = ax.bar(range(len(rows)), values, color=ALERT, width=0.6)
        ax.set_xticks(range(len(rows)), labels, rotation=0)
        ax.set_ylabel("可归责损失（元）")
        ax.set_title(title, fontsize=9)
        top = max(values, default=0)
        ax.set_ylim(0, top * 1.18 if top else 1)
        # Round ticks (1,000, 2,000 …), not the limit cut in equal parts.
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        for bar, value in zip(bars, values, strict=True):
            if value:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_height(),
                    f"{value:,.2f}",
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                )
        figure.tight_layout()
        return _svg(figure)
