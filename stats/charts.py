"""Charts drawn on the server as SVG with pygal, served from our own URLs as `<img>` (no script)."""

import re
import sys

import pygal
from pygal.style import Style

# pygal puts an import hook for its map plugins (pygal.maps.*) on sys.meta_path; it lacks
# `find_spec`, so every later import warns (ImportWarning). We draw no maps: take it off.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1f",
    foreground_strong="#1b1b1f",
    foreground_subtle="#4a4a55",
    opacity="1",
    opacity_hover="1",
    colors=("#1d4e89", "#a1361b", "#1d6b3a", "#6b3fa0"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    title_font_size=16,
    legend_font_size=13,
)


def render_svg(figure):
    """The figure as an SVG document, without any script (pygal always embeds one: it is removed)."""
    chart_class = pygal.HorizontalBar if figure.chart == "horizontal" else pygal.Bar
    series = figure.series
    chart = chart_class(
        js=[],
        style=STYLE,
        title=figure.title,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        print_values=False,
        x_label_rotation=0 if figure.chart == "horizontal" or len(figure.rows) < 8 else -35,
        width=800,
        height=max(360, 34 * len(figure.rows) + 140) if figure.chart == "horizontal" else 400,
        no_data_text="Aucune donnée",
        truncate_label=-1,
        show_y_guides=True,
        min_scale=1,
    )
    chart.x_labels = figure.labels
    for name, values in series:
        chart.add(name, values)
    return SCRIPT.sub(b"", chart.render())
