"""HTML pieces shared by the inspection tabs: token chips, probability bars, heatmaps.

Inspection functions return plain data; colours and layout are decided only here. Every
piece of model text goes through ``html.escape``. No words are written into this HTML:
translated labels and legends live in the components around it (lmdemo/locales/*.json).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import gradio as gr

from ..i18n import t

# Scoped to each gr.HTML by Gradio; CSS variables keep it readable in dark mode too. The
# chart's title is placed above it by assets/style.css (``.lm-view``), not floated over it.
CSS = """
.lm-wrap { overflow-x: auto; padding: 4px 0; }
.lm-chips { display: flex; flex-wrap: wrap; gap: 3px; line-height: 1.2; }
.lm-chip { display: inline-flex; flex-direction: column; align-items: center;
  padding: 2px 4px; border-radius: 4px; font-family: var(--font-mono); font-size: 14px;
  white-space: pre; }
.lm-chip small { font-size: 10px; opacity: .65; }
.lm-bars { display: grid; grid-template-columns: minmax(5em, max-content) 1fr 4.5em;
  gap: 3px 8px; align-items: center; font-size: 14px; }
.lm-tok { font-family: var(--font-mono); white-space: pre; text-align: right; }
.lm-track { position: relative; height: 1.1em; border-radius: 3px;
  background: var(--background-fill-secondary); }
.lm-track span { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.lm-raw { background: var(--color-accent, #6366f1); opacity: .3; }
.lm-prob { background: var(--color-accent, #6366f1); }
.lm-pct { font-variant-numeric: tabular-nums; text-align: right; }
.lm-cut { opacity: .45; text-decoration: line-through; }
[data-pick] { cursor: pointer; }
.lm-bars [data-pick]:hover, .lm-text [data-pick]:hover { outline: 2px solid var(--color-accent); }
.lm-text { font-size: 16px; line-height: 1.9; white-space: pre-wrap; word-break: break-word; }
.lm-text span { border-radius: 3px; padding: 1px 0; }
.lm-prompt { opacity: .55; }
.lm-chosen { outline: 2px solid var(--body-text-color); }
.lm-scroll > .lm-wrap { container-type: inline-size; }
.lm-scroll > .lm-wrap::-webkit-scrollbar { height: 8px; }
.lm-scroll > .lm-wrap::-webkit-scrollbar-thumb { border-radius: 4px;
  background: var(--border-color-primary); }
.lm-heat { border-collapse: collapse; font-size: 11px; }
.lm-heat td { width: var(--cell); height: var(--cell); min-width: var(--cell); padding: 0;
  border: 1px solid var(--background-fill-primary); }
.lm-heat td[data-cell] { cursor: pointer; }
.lm-heat td.lm-picked { outline: 3px solid var(--body-text-color); outline-offset: -2px; }
.lm-caption { font-family: var(--font-mono); font-size: 16px; min-height: 1.6em;
  margin: 0 0 6px; white-space: pre-wrap; }
.lm-heat th { font-family: var(--font-mono); font-weight: normal; white-space: pre;
  padding: 0 4px; }
.lm-heat thead th { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left;
  padding: 4px 0; }
.lm-heat tbody th { text-align: right; }
.lm-scroll { position: relative; }
.lm-more { display: none; position: absolute; top: 0; right: 0; bottom: 8px; width: 2.4em;
  align-items: flex-start; justify-content: flex-end; padding-top: 4px; pointer-events: none;
  font-size: 22px; font-weight: 700; color: var(--color-accent);
  background: linear-gradient(to right, transparent, var(--block-background-fill) 65%); }
.lm-heat-box.lm-has-more .lm-more { display: flex; }
.lm-cols { display: flex; flex-wrap: wrap; gap: 16px; }
.lm-col { flex: 1 1 240px; min-width: 220px; }
.lm-col h4 { margin: 0 0 2px; }
.lm-col code { font-size: 12px; }
.lm-cont { margin: 6px 0 0; padding-left: 1.2em; font-size: 14px; }
.lm-meter { height: 12px; border-radius: 6px; background: var(--background-fill-secondary);
  overflow: hidden; }
.lm-meter span { display: block; height: 100%; background: var(--color-accent); }
"""
# One listener on the component's root survives every re-render of its content.
PICK_JS = """
element.addEventListener('click', (e) => {
  const el = e.target.closest('[data-pick]');
  if (el) trigger('select', {index: Number(el.dataset.pick), value: el.dataset.value});
});
"""
# The attention map needs no hover: a tap or click on a cell writes it into the caption.
# A map wider than its box scrolls sideways; the "more" mark shows while columns are hidden
# to the right (a phone's scrollbar is invisible until touched).
HEAT_JS = """
const more = () => element.querySelectorAll('.lm-heat-box').forEach((box) => {
  const wrap = box.querySelector('.lm-wrap');
  box.classList.toggle('lm-has-more', wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 2);
});
element.addEventListener('scroll', more, true);
new ResizeObserver(more).observe(element);
new MutationObserver(more).observe(element, {childList: true, subtree: true});
element.addEventListener('click', (e) => {
  const cell = e.target.closest('td[data-cell]');
  if (!cell) return;
  const caption = element.querySelector('.lm-caption');
  if (caption) caption.textContent = cell.dataset.cell;
  element.querySelectorAll('td.lm-picked').forEach((c) => c.classList.remove('lm-picked'));
  cell.classList.add('lm-picked');
});
"""
CHIP_COLOURS = ("rgba(99,102,241,.22)", "rgba(16,185,129,.22)", "rgba(245,158,11,.25)",
                "rgba(236,72,153,.20)", "rgba(14,165,233,.22)")


def view(label_key: str, clickable: bool = False, value: str = "", **kwargs) -> gr.HTML:
    """A labelled gr.HTML with the shared styles; ``clickable`` sends select events, and a
    ``js_on_load`` of its own (HEAT_JS) replaces that listener."""
    js = kwargs.pop("js_on_load", PICK_JS if clickable else None)
    classes = ["lm-view", *kwargs.pop("elem_classes", [])]
    return gr.HTML(value, label=t(label_key), show_label=True, container=True, css_template=CSS,
                   js_on_load=js, elem_classes=classes, **kwargs)


def esc(text: str) -> str:
    """Escape model text for HTML."""
    return html.escape(text, quote=True)


def chips(tokens: Sequence[dict]) -> str:
    """Tokens as coloured chips with their id underneath (tooltip: id and exact text)."""
    out = []
    for i, tok in enumerate(tokens):
        colour = CHIP_COLOURS[i % len(CHIP_COLOURS)]
        tip = esc(f"id {tok['id']}: {tok['token']!r}")
        out.append(f'<span class="lm-chip" style="background:{colour}" title="{tip}">'
                   f'{esc(tok["display"])}<small>{tok["id"]}</small></span>')
    return f'<div class="lm-wrap"><div class="lm-chips">{"".join(out)}</div></div>'


def meter(fraction: float) -> str:
    """A horizontal fill bar with the percentage written after it."""
    pct = max(0.0, min(1.0, fraction)) * 100
    return (f'<div class="lm-bars lm-meter-row" style="grid-template-columns:1fr 4.5em">'
            f'<div class="lm-meter"><span style="width:{pct:.2f}%"></span></div>'
            f'<div class="lm-pct">{percent(fraction)}</div></div>')


def bars(rows: Sequence[dict], pick: bool = False, scale: float | None = None) -> str:
    """Probability bars: rows of {"display", "value", "raw"?, "cut"?, "id"?}.

    ``value`` (0..1) is the solid bar and the number; ``raw`` a lighter bar behind it. With
    ``pick`` each row is clickable and sends its position and id as a select event.
    """
    top = scale or max([r["value"] for r in rows] + [r.get("raw", 0.0) for r in rows] + [1e-9])
    cells = []
    for i, row in enumerate(rows):
        cls = ' class="lm-cut"' if row.get("cut") else ""
        attrs = f' data-pick="{i}" data-value="{row.get("id", "")}"' if pick else ""
        raw = row.get("raw")
        raw_bar = (f'<span class="lm-raw" style="width:{100 * raw / top:.2f}%"></span>'
                   if raw is not None else "")
        width = 100 * max(row["value"], 0.0) / top
        cells.append(
            f'<div class="lm-tok"{attrs}><span{cls}>{esc(row["display"])}</span></div>'
            f'<div class="lm-track"{attrs}>{raw_bar}'
            f'<span class="lm-prob" style="width:{width:.2f}%"></span></div>'
            f'<div class="lm-pct"><span{cls}>{_number(row["value"], row.get("percent", True))}'
            f'</span></div>')
    return f'<div class="lm-bars">{"".join(cells)}</div>'


def percent(p: float) -> str:
    """A probability as a class reads it: "42 %", "6.1 %", "0.06 %", "< 0.01 %", "99.9 %".

    Two significant digits at most below 10 %, whole numbers from 10 to 99 %, then one
    decimal; never "100 %" or "0 %" for a value that is not exactly 1 or 0.
    """
    pct = 100 * float(p)
    if pct <= 0:
        return "0 %"
    if pct >= 100:
        return "100 %"
    if pct < 0.01:
        return "< 0.01 %"
    if pct >= 99.95:
        return "> 99.9 %"
    if pct < 0.995:
        return f"{pct:.2f} %"
    if pct < 9.95:
        return f"{pct:.1f} %"
    if pct < 99.5:
        return f"{pct:.0f} %"
    return f"{pct:.1f} %"  # 99.5 to 99.9: near-certain tokens still differ


def _number(value: float, is_percent: bool) -> str:
    return percent(value) if is_percent else f"{value:.3f}"


def probability_colour(p: float) -> str:
    """Red (surprising) through yellow to green (likely), translucent for either theme."""
    hue = 120 * max(0.0, min(1.0, p)) ** 0.5  # sqrt: most sampled tokens are well under 50%
    return f"hsla({hue:.0f}, 85%, 50%, .35)"


def coloured_text(prompt: str, steps: Sequence[dict], chosen: int | None = None) -> str:
    """The prompt in grey, then each generated piece coloured by its probability.

    ``steps``: [{"text", "display", "probability"}]; pieces are clickable by step index.
    """
    out = [f'<span class="lm-prompt">{esc(prompt)}</span>']
    for i, step in enumerate(steps):
        tip = esc(f"{step['display']}  {percent(step['probability'])}")
        cls = ' class="lm-chosen"' if i == chosen else ""
        out.append(f'<span{cls} data-pick="{i}" data-value="{i}" title="{tip}" '
                   f'style="background:{probability_colour(step["probability"])}">'
                   f'{esc(step["text"])}</span>')
    return f'<div class="lm-text">{"".join(out)}</div>'


def heatmap(tokens: Sequence[str], weights: Sequence[Sequence[float]]) -> str:
    """A T x T table: row i, column j shaded by how much token i attends to token j.

    Each cell carries its reading ("cat → The · 42 %": the row's token, the token it looks
    at, the weight) for HEAT_JS to write into the caption above the map on a tap or click.
    The caption starts on the last token's strongest link, so it is never blank.
    Cells share the box's width (``cell_size``): the map shrinks on a phone and grows with
    the page in presentation mode; a map that still does not fit scrolls inside its box.
    """
    head = "".join(f"<th>{esc(tok)}</th>" for tok in tokens)
    rows, first = [], ""
    for i, (tok, row) in enumerate(zip(tokens, weights, strict=True)):
        strongest = max(range(len(row)), key=lambda j: row[j]) if row else -1
        cells = []
        for j, w in enumerate(row):
            if j > i and w < 1e-6:
                cells.append("<td></td>")
                continue
            alpha = math.sqrt(max(0.0, min(1.0, w)))  # sqrt keeps weak links visible
            reading = esc(cell_reading(tok, tokens[j], w))
            picked = ""
            if i == len(tokens) - 1 and j == strongest:
                picked, first = ' class="lm-picked"', reading
            cells.append(f'<td{picked} data-cell="{reading}" title="{reading}" '
                         f'style="background:rgba(37,99,235,{alpha:.3f})"></td>')
        rows.append(f"<tr><th>{esc(tok)}</th>{''.join(cells)}</tr>")
    return (f'<div class="lm-heat-box"><p class="lm-caption" aria-live="polite">{first}</p>'
            f'<div class="lm-scroll"><div class="lm-wrap">'
            f'<table class="lm-heat" style="{cell_size(tokens)}"><thead><tr><th></th>{head}'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            f'<span class="lm-more" aria-hidden="true">→</span></div></div>')


# A cell's side: the box's width left after the row labels, shared by the T columns, within
# bounds (--cell-min/--cell-max, raised in presentation mode by assets/style.css). 100cqw is
# the scrolling box's width; a monospace character is about 0.62 em wide.
CELL = ("--n:{n};--lab:{lab};--cell:clamp(var(--cell-min, 14px), "
        "calc((100cqw - var(--lab) * 0.62em - 14px) / var(--n)), var(--cell-max, 24px))")


def cell_size(tokens: Sequence[str]) -> str:
    """The map's inline style: its column count and widest row label, and the cell size."""
    return CELL.format(n=max(len(tokens), 1), lab=max((len(t) for t in tokens), default=1))


def cell_reading(query: str, key: str, weight: float) -> str:
    """What one attention cell says: "cat → The · 42 %" (row token → looked-at token)."""
    return f"{query} → {key} · {percent(weight)}"


def scatter(points: Sequence[dict], width: int = 560, height: int = 400) -> str:
    """An SVG map of {"word", "x", "y"} points, each dot labelled with its word.

    Every dot has the one accent colour: only positions mean something on this map.
    """
    pad, label_room = 30, 110  # room on the right for the last word's label
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]

    def fit(v: float, values: list[float], start: float, end: float) -> float:
        lo, hi = min(values), max(values)
        return start + (v - lo) / ((hi - lo) or 1.0) * (end - start)

    dots, labels = [], []  # labels: (x, y) of those placed so far
    colour = "var(--color-accent, #6366f1)"
    for p in points:
        x = fit(p["x"], xs, pad, width - label_room)
        y = fit(p["y"], ys, height - pad, pad)  # SVG's y grows downwards
        label_y = y + 5
        # Close words (Paris, London…) would print on top of each other: step down a line.
        while any(abs(label_y - ly) < 16 and abs(x - lx) < 80 for lx, ly in labels):
            label_y += 16
        labels.append((x, label_y))
        tip = esc(f"{p['word']}: ({p['x']:.2f}, {p['y']:.2f})")
        leader = (f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 8:.1f}" y2="{label_y - 5:.1f}" '
                  f'style="stroke:{colour}"/>' if label_y != y + 5 else "")
        dots.append(f'<g><title>{tip}</title>{leader}<circle cx="{x:.1f}" cy="{y:.1f}" r="6" '
                    f'style="fill:{colour}"/><text x="{x + 9:.1f}" y="{label_y:.1f}" '
                    f'fill="currentColor" font-size="15">{esc(p["word"])}</text></g>')
    frame = (f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="none" '
             f'stroke="currentColor" stroke-opacity=".15"/>')
    return (f'<div class="lm-wrap"><svg viewBox="0 0 {width} {height}" width="100%" '
            f'style="max-width:{width}px">{frame}{"".join(dots)}</svg></div>')


def columns(blocks: Sequence[tuple[str, str, str]]) -> str:
    """Side-by-side columns of (title, subtitle, body HTML); titles are model data."""
    cols = [f'<div class="lm-col"><h4>{esc(title)}</h4><code>{esc(sub)}</code>{body}</div>'
            for title, sub, body in blocks]
    return f'<div class="lm-cols">{"".join(cols)}</div>'


def continuations(texts: Sequence[str]) -> str:
    """A numbered list of sampled continuations."""
    items = "".join(f"<li>…{esc(text)}</li>" for text in texts)
    return f'<ol class="lm-cont">{items}</ol>'
