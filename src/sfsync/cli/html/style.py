"""The dashboard's one stylesheet (inline in every page: no file to fetch, works offline).

Colours meet WCAG AA (4.5:1) for text on white and on each status tint; a status never
relies on colour alone: each has a shape in the graph and a word everywhere.

The graph is drawn at its own size (its words at their font size): one wider than the page
scrolls in its box, never shrinks to fit (50 envs shrunk onto a laptop screen are 4 px
words). Table cells break only a word too long for any line (`break-word`: `anywhere`
would let a phone squeeze a column to a letter a line) and never inside a time; wide
tables scroll in their box.
"""

from __future__ import annotations

STATUS_COLOURS = {
    # status: (text/line colour, tint behind it)
    "in-sync": ("#116329", "#dafbe1"),
    "behind": ("#7d4e00", "#fff8c5"),
    "failed": ("#a40e26", "#ffebe9"),
    "drifted": ("#6639ba", "#fbefff"),
    "never-synced": ("#424a53", "#f6f8fa"),
    "root": ("#0a3069", "#ddf4ff"),
}
STATUS_WORDS = {
    "in-sync": "in sync",
    "behind": "behind",
    "failed": "failed",
    "drifted": "drifted",
    "never-synced": "never synced",
    "root": "top of the pipeline",
}

CSS = """
:root{--fg:#1f2328;--muted:#424a53;--line:#d0d7de;--bg:#fff;--link:#0550ae}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus-visible,summary:focus-visible{outline:3px solid #0969da;outline-offset:2px}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:12px;border-bottom:1px solid var(--line)}
header p{margin:4px 0 10px;color:var(--muted)}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}
h1{font-size:1.5rem;margin:8px 0 4px}
h2{font-size:1.2rem;margin:28px 0 8px}
h3{font-size:1rem;margin:16px 0 6px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
.graph{overflow-x:auto;border:1px solid var(--line);border-radius:6px;padding:4px;
-webkit-overflow-scrolling:touch}
.graph svg{display:block;margin:0 auto}
.graph a:focus-visible rect.node{stroke:#0969da;stroke-width:4}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;padding:0;margin:8px 0;list-style:none}
.badge{display:inline-block;padding:0 8px;border-radius:10px;border:1px solid currentColor;
font-size:.85rem;white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f6f8fa}
.scroll{overflow-x:auto}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
li{overflow-wrap:anywhere}
td{overflow-wrap:break-word}
time{white-space:nowrap}
.muted{color:var(--muted)}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline>li{border-left:3px solid var(--line);padding:4px 0 10px 12px;margin-left:4px}
ol.timeline>li.failed{border-left-color:#a40e26}
.kind{font-weight:600}
details summary{cursor:pointer}
ul.components{margin:4px 0;padding-left:20px}
footer{margin-top:32px;border-top:1px solid var(--line);padding:10px 16px 24px;
color:var(--muted);font-size:.85rem}
@media (max-width:640px){body{font-size:14px}th,td{padding:4px}}
"""
CSS += "".join(
    f".b-{status}{{color:{line};background:{tint}}}"
    for status, (line, tint) in STATUS_COLOURS.items()
)
