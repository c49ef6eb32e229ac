"""The focus indicator is visible on every background of the site (WCAG 1.4.11: contrast ≥ 3:1)."""

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css"


def luminance(hex_colour):
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    la, lb = sorted([luminance(a), luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


def variables(css):
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))


def resolve(value, names):
    value = value.strip()
    if match := re.fullmatch(r"var\(--([a-z-]+)\)", value):
        return names[match[1]]
    return value


def test_both_rings_of_the_focus_indicator_show_on_every_background():
    site = (CSS / "site.css").read_text()
    names = variables(site)
    sheets = "\n".join(p.read_text() for p in CSS.glob("*.css"))
    rules = re.findall(r":focus(?:-visible)?\s*\{([^}]*)\}", sheets)
    rings = set()
    for rule in rules:
        if outline := re.search(r"outline:\s*\d+px solid ([^;]+);", rule):
            shadow = re.search(r"box-shadow:\s*0 0 0 \d+px ([^;]+);", rule)
            assert shadow, f"a focus rule without its second ring: {rule.strip()}"
            rings.add((resolve(outline[1], names), resolve(shadow[1], names)))
    assert rings
    backgrounds = {
        resolve(value, names)
        for value in re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6}|var\(--[a-z-]+\))", sheets)
    }
    # White (the page) and the header's blue are among them.
    assert {"#fff", names["brand"]} <= backgrounds
    for inner, outer in rings:
        assert contrast(inner, outer) >= 3, (inner, outer)
        for background in backgrounds:
            # The outer ring touches the background; the inner one, what is focused.
            assert max(contrast(inner, background), contrast(outer, background)) >= 3, (
                inner,
                outer,
                background,
            )
            assert contrast(outer, background) >= 3 or contrast(inner, background) >= 3
