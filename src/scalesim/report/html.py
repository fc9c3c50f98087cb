"""The page: one self-contained HTML file (inline CSS, figures as data URIs, no scripts).

Nothing on the page loads from the network: no external stylesheets, fonts or scripts
(the system font stack is used). The template is rendered with Jinja2 with autoescaping
on; section bodies arrive as :class:`markupsafe.Markup` built by
:mod:`scalesim.report.sections`, where every user-provided string is escaped.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from scalesim.common.sources import cite_titles
from scalesim.report.sections import Section

CSS = """
:root { --ink:#1d2430; --muted:#5b6573; --line:#d9dee5; --bg:#f6f7f9; --accent:#0072B2;
  --good:#00734f; --good-bg:#e3f4ee; --bad:#a23b00; --bad-bg:#fbe9df; --neutral-bg:#eceff3; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin:0; color:var(--ink); background:var(--bg); line-height:1.45;
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
  "Liberation Sans", sans-serif; }
header.top { background:#14324a; color:#fff; padding:1.4rem 2rem 1.1rem; }
header.top h1 { margin:0 0 .25rem; font-size:1.6rem; font-weight:650; }
header.top .sub { color:#c9d6e2; font-size:.95rem; }
header.top .kind { display:inline-block; background:#2b5677; border-radius:3px;
  padding:.05rem .45rem; margin-right:.5rem; font-size:.8rem; text-transform:uppercase;
  letter-spacing:.04em; }
nav.toc { position:sticky; top:0; z-index:5; background:#fff; border-bottom:1px solid var(--line);
  padding:.5rem 2rem; font-size:.9rem; }
nav.toc a { color:var(--accent); text-decoration:none; margin-right:1.1rem; white-space:nowrap; }
nav.toc a:hover { text-decoration:underline; }
main { max-width:1180px; margin:0 auto; padding:1rem 2rem 3rem; }
.cards { display:flex; flex-wrap:wrap; gap:.8rem; margin:1rem 0 .5rem; }
.card { background:#fff; border:1px solid var(--line); border-left:5px solid var(--line);
  border-radius:6px; padding:.7rem .9rem; min-width:12rem; flex:1 1 12rem; }
.card.good { border-left-color:var(--good); } .card.bad { border-left-color:var(--bad); }
.card.opt0 { border-left-color:#0072B2; } .card.opt1 { border-left-color:#E69F00; }
.card.opt2 { border-left-color:#009E73; } .card.opt3 { border-left-color:#D55E00; }
.card.opt4 { border-left-color:#CC79A7; } .card.opt5 { border-left-color:#56B4E9; }
.card.opt6 { border-left-color:#F0E442; } .card.opt7 { border-left-color:#000000; }
.card-title { color:var(--muted); font-size:.8rem; text-transform:uppercase;
  letter-spacing:.04em; }
.card-value { font-size:1.55rem; font-weight:650; margin:.1rem 0; }
.card-sub { color:var(--muted); font-size:.85rem; }
section.report { background:#fff; border:1px solid var(--line); border-radius:8px;
  padding:1.1rem 1.5rem 1.3rem; margin:1.2rem 0; }
section.report > h2 { margin:0; font-size:1.3rem; }
section.report > p.question { margin:.2rem 0 .9rem; color:var(--muted); font-style:italic; }
p.note { color:var(--muted); font-size:.9rem; }
p.dest { font-size:1.05rem; }
span.dest { font-size:1.05rem; }
p.verdict { font-size:1.05rem; }
.table-wrap { overflow-x:auto; margin:.6rem 0 1rem; }
table { border-collapse:collapse; width:100%; font-size:.88rem; }
caption { caption-side:top; text-align:left; color:var(--muted); font-size:.85rem;
  padding:0 0 .35rem; }
th, td { border-bottom:1px solid var(--line); padding:.35rem .5rem; vertical-align:top;
  text-align:left; }
thead th { background:var(--bg); font-weight:600; border-bottom:2px solid var(--line); }
tbody th { font-weight:500; }
table.num-table td { font-variant-numeric: tabular-nums; }
tr.group th { background:#eef3f8; font-weight:650; color:#14324a; }
.ci, .kn, .unit { color:var(--muted); font-size:.85em; }
.chip { display:inline-block; border-radius:10px; padding:0 .5rem; font-size:.8rem;
  background:var(--neutral-bg); color:var(--ink); white-space:nowrap; }
.chip.good { background:var(--good-bg); color:var(--good); }
.chip.bad { background:var(--bad-bg); color:var(--bad); }
.chip.info { background:#e3eef8; color:#0b4f80; }
figure.fig { margin:1rem 0; }
figure.fig img { max-width:100%; height:auto; display:block; margin:0 auto;
  border:1px solid var(--line); border-radius:4px; background:#fff; }
figcaption { color:var(--muted); font-size:.87rem; margin-top:.4rem; }
figcaption b { color:var(--ink); }
ul.inline { list-style:none; padding:0; display:flex; flex-wrap:wrap; gap:1.2rem; }
ul.events { columns:2; font-size:.9rem; }
details summary { cursor:pointer; color:var(--accent); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; font-size:.88em; background:var(--bg); padding:0 .2rem; border-radius:3px; }
code.path { font-size:.75em; color:var(--muted); background:none; padding:0; }
footer { color:var(--muted); font-size:.8rem; text-align:center; padding:1rem; }
.warn { background:#fff4d6; border:1px solid #e6c65c; padding:.6rem .9rem; border-radius:6px; }
@media print {
  body { background:#fff; font-size:11pt; }
  nav.toc { display:none; }
  header.top { background:#fff; color:#000; border-bottom:2px solid #000; padding:0 0 .5rem; }
  header.top .sub { color:#333; }
  section.report { border:none; padding:0; break-before:page; }
  section.report:first-of-type { break-before:auto; }
  figure.fig, table { break-inside:avoid; }
  ul.events { columns:1; }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scalesim report">
<meta name="scalesim-kind" content="{{ kind }}">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body data-kind="{{ kind }}">
<header class="top">
<h1>{{ title }}</h1>
<div class="sub"><span class="kind">{{ kind }}</span>{{ subtitle }}</div>
</header>
<nav class="toc" aria-label="Sections">
{% for s in sections %}<a href="#{{ s.id }}">{{ s.title }}</a>{% endfor %}
</nav>
<main>
{% if warning %}<p class="warn">{{ warning }}</p>{% endif %}
{{ headline }}
{% for s in sections %}
<section class="report" id="{{ s.id }}" data-section="{{ s.id }}">
<h2>{{ s.title }}</h2>
<p class="question">{{ s.question }}</p>
{% for b in s.blocks %}{{ b }}
{% endfor %}
</section>
{% endfor %}
</main>
<footer>Written by <code>scalesim report</code> from the tables in this results folder;
figures are also saved as PNG files in <code>figures/</code>. Self-contained: no network
needed to view or print it.</footer>
</body>
</html>
"""


def render(
    kind: str,
    title: str,
    subtitle: str,
    headline: Markup,
    sections: list[Section],
    warning: str | None = None,
) -> str:
    """Render the page."""
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    tpl = env.from_string(TEMPLATE)
    ctx: dict[str, Any] = {
        "kind": kind,
        "title": title,
        "subtitle": subtitle,
        "headline": headline,
        "sections": sections,
        "warning": warning,
        "css": Markup(CSS),
    }
    # Users see the documents cited by title (scalesim.common.sources).
    return cite_titles(tpl.render(**ctx), fmt="html")
