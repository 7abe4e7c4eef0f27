"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, nothing to load.

Every piece of text goes through `escape`/`quoteattr`, so the finished markup is safe to
insert as is (the one place the portal marks HTML as safe, because it built it itself).
Colours are presentation attributes (`fill=`) and CSS classes (portal.css, "Reports"):
the Content-Security-Policy forbids inline `style` attributes. Each chart is an image
for assistive technology: role="img", an aria-label, a <title> and a <desc>.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from ticketing.models import ServiceClass

WIDTH = 760
LEFT, RIGHT, TOP = 56, 12, 40
COLOURS = {
    ServiceClass.HELP_DESK: "#0b5cad",
    ServiceClass.PROFESSIONAL_SERVICE: "#6a3fb5",
    ServiceClass.EMERGENCY: "#c2410c",
    "ack-median": "#c2410c",
    "ack-worst": "#1d2733",
}
Number = Decimal | float | int


@dataclass(frozen=True)
class Series:
    """One stacked layer: a key (CSS class and colour), its legend label and its values."""

    key: str
    label: str
    values: Sequence[Number]


def _num(value: Number) -> str:
    """A number as people read it: no trailing zeros, at most two decimals."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _scale(largest: float, whole: bool) -> tuple[float, float]:
    """A round top for the y axis and the step between its grid lines."""
    if largest <= 0:
        return (4.0, 1.0) if whole else (1.0, 0.25)
    raw = largest / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    return step * math.ceil(largest / step), step


def _attrs(**values: object) -> str:
    return " ".join(
        f"{name.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for name, v in values.items()
    )


def _frame(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        class_="chart",
        viewBox=f"0 0 {WIDTH} {height}",
        role="img",
        aria_label=title,
        aria_describedby=f"{chart_id}-desc",
        focusable="false",
    )
    parts = [
        f"<svg {head}>",
        f"<title id={quoteattr(chart_id + '-title')}>{escape(title)}</title>",
        f"<desc id={quoteattr(chart_id + '-desc')}>{escape(description)}</desc>",
        *body,
        "</svg>",
    ]
    # Every text above went through escape() or quoteattr().
    return Markup("\n".join(parts))


def _y_axis(top: float, step: float, plot_h: int, unit: str) -> list[str]:
    out = []
    for i in range(round(top / step) + 1):
        value = i * step
        y = TOP + plot_h - plot_h * value / top
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#d8dee6"/>'
        )
        out.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11">{escape(_num(value))}</text>'
        )
    out.append(f'<text class="unit" x="4" y="{TOP - 10}" font-size="11">{escape(unit)}</text>')
    return out


def _tilted(labels: Sequence[str]) -> bool:
    # Past a year the month labels would overlap: they are written slanted.
    return len(labels) > 12


def _height(labels: Sequence[str], plot_h: int) -> int:
    """The legend, the plot, and room for the month labels under it."""
    return TOP + plot_h + (76 if _tilted(labels) else 28)


def _x_labels(labels: Sequence[str], plot_h: int) -> list[str]:
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    tilt = _tilted(labels)
    out = []
    for i, label in enumerate(labels):
        x, y = LEFT + slot * (i + 0.5), TOP + plot_h + 16
        extra = f' transform="rotate(-45 {x:.1f} {y})"' if tilt else ""
        anchor = "end" if tilt else "middle"
        out.append(
            f'<text class="month" x="{x:.1f}" y="{y}" text-anchor="{anchor}" '
            f'font-size="11"{extra}>{escape(label)}</text>'
        )
    return out


def _legend(entries: Sequence[tuple[str, str]]) -> list[str]:
    out, x = [], LEFT
    for key, label in entries:
        out.append(
            f'<rect class={quoteattr("swatch s-" + key)} x="{x}" y="8" width="12" '
            f'height="12" fill={quoteattr(COLOURS.get(key, "#5b6776"))}/>'
        )
        out.append(
            f'<text class="legend" x="{x + 16}" y="18" font-size="12">{escape(label)}</text>'
        )
        x += 30 + 7 * len(label)
    return out


def _rect(key: str, x: float, y: float, w: float, h: float, tip: str) -> str:
    fill = quoteattr(COLOURS.get(key, "#5b6776"))
    return (
        f'<rect class={quoteattr("bar s-" + key)} x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
        f'height="{h:.1f}" fill={fill}><title>{escape(tip)}</title></rect>'
    )


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str,
    plot_h: int = 190,
) -> Markup:
    """Bars per label (month), stacked by series (service class)."""
    totals = [sum(float(s.values[i]) for s in series) for i in range(len(labels))]
    whole = all(float(v).is_integer() for s in series for v in s.values)
    top, step = _scale(max(totals, default=0.0), whole)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = [*_legend([(s.key, s.label) for s in series]), *_y_axis(top, step, plot_h, unit)]
    for i, label in enumerate(labels):
        base = TOP + plot_h
        for s in series:
            size = plot_h * float(s.values[i]) / top
            if size > 0:
                base -= size
                tip = f"{label} — {s.label}: {_num(s.values[i])} {unit}"
                body.append(_rect(s.key, LEFT + slot * (i + 0.18), base, slot * 0.64, size, tip))
    body += _x_labels(labels, plot_h)
    return _frame(chart_id, title, description, _height(labels, plot_h), body)


def ack_chart(
    *,
    chart_id: str,
    labels: Sequence[str],
    median: Sequence[float | None],
    worst: Sequence[float | None],
    plot_h: int = 130,
) -> Markup:
    """Emergency time-to-acknowledge per month: a bar for the median, a dot for the worst."""
    known = [v for v in (*median, *worst) if v is not None]
    top, step = _scale(max(known, default=0.0), whole=False)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    legend = [("ack-median", "Median"), ("ack-worst", "Worst")]
    body = [*_legend(legend), *_y_axis(top, step, plot_h, "minutes")]
    for i, label in enumerate(labels):
        mid, worst_i = median[i], worst[i]
        if mid is not None:
            size = plot_h * mid / top
            tip = f"{label} — median: {_num(mid)} minutes"
            body.append(
                _rect(
                    "ack-median",
                    LEFT + slot * (i + 0.3),
                    TOP + plot_h - size,
                    slot * 0.4,
                    size,
                    tip,
                )
            )
        if worst_i is not None:
            cx, cy = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * worst_i / top
            body.append(
                f'<circle class="dot s-ack-worst" cx="{cx:.1f}" cy="{cy:.1f}" r="4" '
                f'fill="{COLOURS["ack-worst"]}"><title>{escape(label)} — worst: '
                f"{escape(_num(worst_i))} minutes</title></circle>"
            )
    body += _x_labels(labels, plot_h)
    description = _ack_description(labels, median, worst)
    height = _height(labels, plot_h)
    return _frame(chart_id, "Emergency time to acknowledge", description, height, body)


def _ack_description(
    labels: Sequence[str], median: Sequence[float | None], worst: Sequence[float | None]
) -> str:
    known = [
        f"{label}: median {_num(m)}, worst {_num(w)} minutes"
        for label, m, w in zip(labels, median, worst, strict=True)
        if m is not None and w is not None
    ]
    if not known:
        return "No emergency was acknowledged in these months."
    return "Minutes from opening to acknowledgement. " + "; ".join(known) + "."
