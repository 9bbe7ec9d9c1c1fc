"""Small charts as inline SVG, drawn on the server: no script, nothing fetched."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from markupsafe import Markup, escape


def trend_svg(points: list[dict], width: int = 720, height: int = 220) -> Markup:
    """Bars of money per month with the count of findings above each bar."""
    if not points:
        return Markup("")
    left, right, top, bottom = 64, 12, 20, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((p["amount"] for p in points), default=Decimal(0)))
    peak = ticks[-1]
    step = plot_w / len(points)
    bar = step * 0.62
    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="近{len(points)}个月疑点金额趋势" xmlns="http://www.w3.org/2000/svg">'
        )
    ]
    for value in ticks:
        y = top + plot_h - plot_h * float(value / peak)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{_short(value)}</text>')
    for i, p in enumerate(points):
        h = float(p["amount"] / peak) * plot_h
        x = left + i * step + (step - bar) / 2
        y = top + plot_h - h
        label = escape(p["month"])
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="bar">'
            f"<title>{label}：{p['count']} 条，{p['amount']:,.2f} 元</title></rect>"
        )
        if p["count"]:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" class="count" text-anchor="middle">{p["count"]}</text>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 14}" class="axis" text-anchor="middle">{label[2:]}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_ticks(peak: Decimal, most: int = 5) -> list[Decimal]:
    """Axis values from 0 in a round step (1, 2 or 5 times a power of ten), the last at
    or above the peak, at most `most` intervals: 0, 2000, 4000, 6000, 8000, 10000."""
    if peak <= 0:
        return [Decimal(0), Decimal(1)]
    raw = peak / most
    power = Decimal(10) ** (raw.adjusted())
    step = next(power * m for m in (Decimal(1), Decimal(2), Decimal(5), Decimal(10)) if power * m >= raw)
    count = int((peak / step).to_integral_value(rounding=ROUND_CEILING))
    return [step * i for i in range(count + 1)]


def _short(value: Decimal) -> str:
    if value >= 10000:
        return f"{(value / 10000).normalize():f}万"
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.1f}"
