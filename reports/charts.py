"""Charts as server-rendered SVG: no JavaScript, no CDN. Each has a <title> and <desc>, and the page shows the
same numbers in a table. Lines differ by dash pattern and marker as well as colour."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 36, 12, 36
SERIES_STYLES = [  # (css class, dash pattern, marker)
    ("series-1", "", "circle"),
    ("series-2", "6 4", "square"),
    ("series-3", "2 3", "diamond"),
]


def _marker(kind: str, x: float, y: float, css: str) -> SafeString:
    if kind == "square":
        return format_html(
            '<rect class="{}" x="{}" y="{}" width="8" height="8"/>', css, round(x - 4, 1), round(y - 4, 1)
        )
    if kind == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return format_html('<polygon class="{}" points="{}"/>', css, points)
    return format_html('<circle class="{}" cx="{}" cy="{}" r="4"/>', css, round(x, 1), round(y, 1))


def line_chart(
    *, chart_id: str, title: str, desc: str, labels: list[str], series: list[tuple[str, list]]
) -> SafeString:
    """Percentages (0-100) by label; None values leave a gap."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i):
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    def y(value):
        return TOP + plot_h * (1 - value / 100)

    parts = []
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}">{}%</text>',
                LEFT,
                WIDTH - RIGHT,
                round(y(tick), 1),
                round(y(tick), 1),
                LEFT - 6,
                round(y(tick) + 4, 1),
                tick,
            )
        )
    for i, label in enumerate(labels):
        parts.append(format_html('<text class="label" x="{}" y="{}">{}</text>', round(x(i), 1), HEIGHT - 12, label))
    legend = []
    for n, (name, values) in enumerate(series):
        css, dash, marker = SERIES_STYLES[n % len(SERIES_STYLES)]
        runs, run = [], []
        for i, value in enumerate(values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x(i), y(value)))
        if run:
            runs.append(run)
        for points in runs:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(format_html('<polyline class="line {}" points="{}" stroke-dasharray="{}"/>', css, path, dash))
            parts.extend(_marker(marker, px, py, "marker " + css) for px, py in points)
        legend.append((css, dash, marker, name))
    legend_html = format_html_join(
        "",
        '<li><svg class="swatch" viewBox="0 0 28 10" aria-hidden="true">'
        '<line class="line {}" x1="1" x2="27" y1="5" y2="5" stroke-dasharray="{}"/></svg>{}</li>',
        ((css, dash, name) for css, dash, _m, name in legend),
    )
    # Every part was built with format_html (escaped), so joining them keeps them safe.
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg><ul class="chart-legend">{}</ul>',
        chart_id,
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
        mark_safe("".join(parts)),
        legend_html,
    )


def bar_chart(*, chart_id: str, title: str, desc: str, rows: list[tuple[str, float | None]]) -> SafeString:
    """Horizontal bars of percentages, one per labelled row; no value draws no bar and says so."""
    label_w, bar_h, gap = 180, 18, 8
    plot_w = WIDTH - label_w - 60
    height = TOP + len(rows) * (bar_h + gap) + 8
    parts = []
    for i, (label, value) in enumerate(rows):
        top = TOP + i * (bar_h + gap)
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(format_html('<text class="bar-label" x="{}" y="{}">{}</text>', label_w - 8, top + 13, short))
        if value is None:
            parts.append(format_html('<text class="bar-value" x="{}" y="{}">–</text>', label_w + 4, top + 13))
            continue
        width = round(plot_w * value / 100, 1)
        parts.append(
            format_html('<rect class="bar" x="{}" y="{}" width="{}" height="{}"/>', label_w, top, width, bar_h)
        )
        parts.append(
            format_html('<text class="bar-value" x="{}" y="{}">{}%</text>', label_w + width + 4, top + 13, value)
        )
    # Every part was built with format_html (escaped), so joining them keeps them safe.
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        chart_id,
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
        mark_safe("".join(parts)),
    )
