"""The reference graph of a project's Apex and of the metadata that runs Apex.

    graph = build(files)                  # {project-relative path: bytes}
    graph.nodes["ApexClass:AccountService"]
    graph.edges["ApexClass:AccountServiceTest"]["ApexClass:AccountService"]  # "uses AccountService"

Nodes are components, keyed `Type:Name` as written in the source file names:

- `ApexClass` (`*.cls`) and `ApexTrigger` (`*.trigger`), read by `parse.parse_apex`;
- `Flow` (`*.flow-meta.xml`): apex actions (`<actionCalls>` of type `apex`), Apex-defined
  variables (`<apexClass>`), subflows; a record-triggered or platform-event flow runs when
  its object (`<start><object>`) is written;
- `LightningComponentBundle` (`lwc/<name>/*.js|ts`: `import x from
  '@salesforce/apex/Class.method'`), `AuraDefinitionBundle` (`aura/<name>/<name>.cmp|app`:
  `controller="Class"`), `ApexPage` and `ApexComponent` (`*.page`, `*.component`:
  `controller="Class"`, `extensions="A,B"`).

An edge `A -> B` says that running A can run B, with a label that says why: A uses B's name
in code, names it in a string (`Type.forName('B')`), writes B's object (a trigger or a
record-triggered flow on Account runs when code that uses `Account` inserts one), calls it
from a flow, or imports it as a controller. Names match ignoring case, as Apex does.
Files that cannot be read (not UTF-8, not XML) are listed in `warnings`, never fatal.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sfsync.metadata.apex.parse import ApexUnit, parse_apex

APEX_CLASS = "ApexClass"
APEX_TRIGGER = "ApexTrigger"
FLOW = "Flow"
LWC = "LightningComponentBundle"
AURA = "AuraDefinitionBundle"
PAGE = "ApexPage"
VF_COMPONENT = "ApexComponent"

_FLOW_SUFFIX = ".flow-meta.xml"
_LWC_IMPORT = re.compile(r"""['"]@salesforce/apex/([A-Za-z0-9_.]+)['"]""")
_MARKUP_ATTR = re.compile(
    r"""\b(controller|extensions)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE
)
_NS = "{http://soap.sforce.com/2006/04/metadata}"


@dataclass(frozen=True)
class Node:
    """A component of the graph: Apex (with what its code says) or metadata that runs Apex."""

    key: str
    unit: ApexUnit | None = None
    sobject: str | None = None
    """A trigger's object, or the object whose records start a flow."""

    @property
    def type(self) -> str:
        """`ApexClass`, `ApexTrigger`, `Flow`..."""
        return self.key.partition(":")[0]

    @property
    def name(self) -> str:
        """The component's name."""
        return self.key.partition(":")[2]

    @property
    def runs_tests(self) -> bool:
        """A test class with test methods."""
        return self.unit is not None and self.unit.runs_tests


@dataclass(frozen=True)
class Graph:
    """Nodes by key, edges both ways (`edges[a][b]` and `reverse[b][a]` are the label)."""

    nodes: dict[str, Node]
    edges: dict[str, dict[str, str]]
    reverse: dict[str, dict[str, str]]
    warnings: tuple[str, ...] = ()
    _folded: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def key(self, type_name: str, name: str) -> str | None:
        """The key of the `type_name` component called `name` (ignoring case), or None."""
        return self._folded.get(f"{type_name}:{name}".lower())

    def tests(self) -> list[str]:
        """Keys of the test classes that run tests, by name."""
        return sorted(k for k, n in self.nodes.items() if n.runs_tests)

    def on_object(self, sobject: str) -> list[str]:
        """Triggers and record-triggered flows that run when `sobject` records are written."""
        folded = sobject.lower()
        return sorted(
            k
            for k, n in self.nodes.items()
            if n.sobject is not None and n.sobject.lower() == folded
        )


def build(files: Mapping[str, bytes]) -> Graph:
    """The graph of the Apex, flows and UI bundles among `files` (other paths are ignored)."""
    nodes: dict[str, Node] = {}
    warnings: list[str] = []
    calls: dict[str, list[tuple[str, str, str]]] = {}  # from -> [(type, name, label)]
    for path in sorted(files):
        kind, name = _classify(path)
        if kind is None:
            continue
        data = files[path]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            warnings.append(f"{path}: not UTF-8 text, left out of the test selection's graph")
            continue
        if kind in (APEX_CLASS, APEX_TRIGGER):
            unit = parse_apex(name, text, trigger=kind == APEX_TRIGGER)
            nodes[f"{kind}:{name}"] = Node(f"{kind}:{name}", unit, unit.sobject)
        elif kind == FLOW:
            flow = _read_flow(text)
            if flow is None:
                warnings.append(f"{path}: not readable flow XML, left out of the graph")
                continue
            sobject, refs = flow
            nodes[f"{FLOW}:{name}"] = Node(f"{FLOW}:{name}", None, sobject)
            calls[f"{FLOW}:{name}"] = refs
        else:
            key = f"{kind}:{name}"
            nodes.setdefault(key, Node(key))
            calls.setdefault(key, []).extend(_markup_refs(kind, text))
    return _link(nodes, calls, warnings)


def component_of(path: str) -> str | None:
    """`Type:Name` of a file the graph reads (`classes/Foo.cls` -> `ApexClass:Foo`), else None."""
    kind, name = _classify(path)
    return f"{kind}:{name}" if kind is not None else None


def overlay(base: Mapping[str, bytes], replacing: Mapping[str, bytes]) -> dict[str, bytes]:
    """`base` with the components of `replacing` swapped in (by component, not by path: a
    class read from an org replaces the project's file of that class wherever it lives)."""
    keys = {k.lower() for p in replacing if (k := component_of(p)) is not None}
    out = {p: d for p, d in base.items() if (component_of(p) or "").lower() not in keys}
    for path, data in replacing.items():
        if component_of(path) is not None:
            out[f"(replaced)/{path}"] = data
    return out


# --- internals -------------------------------------------------------------------------


def _classify(path: str) -> tuple[str | None, str]:
    base = posixpath.basename(path)
    if base.endswith(".cls"):
        return APEX_CLASS, base[: -len(".cls")]
    if base.endswith(".trigger"):
        return APEX_TRIGGER, base[: -len(".trigger")]
    if base.endswith(_FLOW_SUFFIX):
        return FLOW, base[: -len(_FLOW_SUFFIX)]
    parts = path.split("/")
    if len(parts) >= 3 and parts[-3] == "lwc" and base.endswith((".js", ".ts")):
        return LWC, parts[-2]
    if len(parts) >= 3 and parts[-3] == "aura" and base.endswith((".cmp", ".app")):
        return AURA, parts[-2]
    if base.endswith(".page"):
        return PAGE, base[: -len(".page")]
    if base.endswith(".component"):
        return VF_COMPONENT, base[: -len(".component")]
    return None, ""


def _read_flow(text: str) -> tuple[str | None, list[tuple[str, str, str]]] | None:
    from sfsync.metadata.xmlsafe import MalformedXml, parse

    try:
        root = parse(text.encode("utf-8"), "flow")
    except MalformedXml:
        return None
    refs: list[tuple[str, str, str]] = []
    for call in root.iter(f"{_NS}actionCalls"):
        action_type = (call.findtext(f"{_NS}actionType") or "").strip().lower()
        action = (call.findtext(f"{_NS}actionName") or "").strip()
        if action_type == "apex" and action:
            name = _strip_namespace(action)
            refs.append((APEX_CLASS, name, f"calls invocable Apex {name}"))
    for element in root.iter(f"{_NS}apexClass"):
        if element.text and element.text.strip():
            name = _strip_namespace(element.text.strip())
            refs.append((APEX_CLASS, name, f"uses Apex type {name}"))
    for sub in root.iter(f"{_NS}subflows"):
        name = (sub.findtext(f"{_NS}flowName") or "").strip()
        if name:
            refs.append((FLOW, name, f"runs subflow {name}"))
    sobject = None
    start = root.find(f"{_NS}start")
    if start is not None:
        trigger_type = (start.findtext(f"{_NS}triggerType") or "").strip()
        if trigger_type:  # RecordBeforeSave, RecordAfterSave, RecordBeforeDelete, PlatformEvent
            sobject = (start.findtext(f"{_NS}object") or "").strip() or None
    return sobject, refs


def _markup_refs(kind: str, text: str) -> list[tuple[str, str, str]]:
    refs: list[tuple[str, str, str]] = []
    if kind == LWC:
        for match in _LWC_IMPORT.finditer(text):
            parts = match.group(1).split(".")
            if len(parts) >= 2:  # Class.method, or ns.Class.method
                refs.append((APEX_CLASS, parts[-2], f"imports @salesforce/apex/{match.group(1)}"))
        return refs
    for match in _MARKUP_ATTR.finditer(text):
        attribute = match.group(1).lower()
        for name in (match.group(2) or match.group(3) or "").split(","):
            name = _strip_namespace(name.strip())
            if name:
                refs.append((APEX_CLASS, name, f"{attribute}={name}"))
    return refs


def _strip_namespace(name: str) -> str:
    """`ns.Class` and `ns__Class` (a namespaced action) -> `Class`."""
    name = name.rsplit(".", 1)[-1]
    return name.split("__", 1)[1] if name.count("__") == 1 and not name.endswith("__c") else name


def _link(
    nodes: dict[str, Node], calls: Mapping[str, list[tuple[str, str, str]]], warnings: list[str]
) -> Graph:
    folded = {key.lower(): key for key in nodes}
    classes = {n.name.lower(): k for k, n in nodes.items() if n.type == APEX_CLASS}
    flows = {n.name.lower(): k for k, n in nodes.items() if n.type == FLOW}
    on_object: dict[str, list[str]] = {}
    for key, node in nodes.items():
        if node.sobject:
            on_object.setdefault(node.sobject.lower(), []).append(key)
    class_names = frozenset(classes)
    object_names = frozenset(on_object)
    flow_names = frozenset(flows)
    edges: dict[str, dict[str, str]] = {key: {} for key in nodes}
    reverse: dict[str, dict[str, str]] = {key: {} for key in nodes}

    def add(source: str, target: str, label: str) -> None:
        if source != target and target not in edges[source]:
            edges[source][target] = label
            reverse[target][source] = label

    for key, node in nodes.items():
        unit = node.unit
        if unit is not None:
            for word in _sorted(unit.words & class_names):
                target = classes[word]
                add(key, target, f"uses {nodes[target].name}")
            for word in _sorted(unit.words & object_names):
                for target in on_object[word]:
                    what = "trigger" if nodes[target].type == APEX_TRIGGER else "flow"
                    add(key, target, f"uses {nodes[target].sobject} ({what} on it)")
            for word in _sorted(unit.strings & class_names):
                target = classes[word]
                add(key, target, f"names '{nodes[target].name}' in a string")
            for word in _sorted((unit.strings | unit.interviews) & flow_names):
                target = flows[word]
                add(key, target, f"runs flow {nodes[target].name}")
        for type_name, name, label in calls.get(key, ()):
            called = folded.get(f"{type_name}:{name}".lower())
            if called is not None:
                add(key, called, label)
    return Graph(nodes, edges, reverse, tuple(warnings), folded)


def _sorted(words: Iterable[str]) -> list[str]:
    return sorted(words)
