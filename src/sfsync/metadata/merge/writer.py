"""Writing the merged file: untouched elements as they were, conflicts between git's markers."""

from __future__ import annotations

from sfsync.metadata.merge.pieces import Build, Clash, Keep, Out


class Writer:
    """Writes the merged tree: untouched elements as they were, conflicts between markers."""

    def __init__(
        self, newline: str, marker_size: int, labels: tuple[str, str, str], diff3: bool
    ) -> None:
        self.parts: list[str] = []
        self.at_line_start = False
        self.newline = newline
        self.marker_size = marker_size
        self.labels = labels
        self.diff3 = diff3

    def emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.at_line_start = text.endswith("\n")

    def lead(self, whitespace: str) -> None:
        if self.at_line_start and "\n" in whitespace:
            whitespace = whitespace[whitespace.index("\n") + 1 :]
        self.emit(whitespace)

    def write(self, out: Out) -> None:
        if isinstance(out, Keep):
            self.lead(out.node.lead if out.lead is None else out.lead)
            self.emit(out.node.raw)
        elif isinstance(out, Build):
            self.build(out)
        elif isinstance(out, Clash):
            self.clash(out)
        else:  # a Choice outside an entry cannot happen: entries turn them into clashes
            raise AssertionError("unresolved choice")

    def build(self, out: Build) -> None:
        node = out.template
        self.lead(out.lead)
        start = out.start_tag
        if node.self_closing:
            start = start[:-2].rstrip() + ">"
        if not out.children:
            if node.children:
                inner = out.tail  # every child gone: the end tag on its own line
            elif node.self_closing:
                inner = ""
            else:
                inner = node.text[node.open_end : node.close_start]
            self.emit(start + (inner if not inner.strip() or "<!--" in inner else ""))
            self.emit(f"</{node.qname}>")
            return
        self.emit(start)
        for child in out.children:
            self.write(child)
        if node.children:
            self.lead(out.tail)
        else:
            indent = node.lead.rpartition("\n")[2]
            self.lead(self.newline + indent)
        self.emit(f"</{node.qname}>")

    def marker(self, char: str, label: str) -> None:
        if not self.at_line_start:
            self.emit(self.newline)
        line = char * self.marker_size
        self.emit(f"{line} {label}{self.newline}" if label else line + self.newline)

    def clash(self, out: Clash) -> None:
        base_label, ours_label, theirs_label = self.labels
        self.marker("<", ours_label)
        for item in out.ours:
            self.write(item)
        if self.diff3:
            self.marker("|", base_label)
            for item in out.base:
                self.write(item)
        self.marker("=", "")
        for item in out.theirs:
            self.write(item)
        self.marker(">", theirs_label)
