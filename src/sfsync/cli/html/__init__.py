"""`sfsync report --html`: the dashboard as a static site, rendered from
`sfsync.pipeline.dashboard`'s model.

`layout` places the pipeline graph (pure geometry), `graph` draws it as SVG, `pages` writes
the HTML of every page, `style` is the one stylesheet, `text` escapes everything that came
from git, an org or a file, and `site` writes the files (only where sfsync wrote before).
No JavaScript, no CDN: the pages work from `file://` and any static host, and each carries
a Content-Security-Policy that allows no script at all.
"""
