"""Component by component: what goes to the package, the destructive changes and the copy.

`Collector.plan` decides from paths alone and says which contents it needs; the delta reads
them all in one `git cat-file --batch`, then `Collector.finish` compares the contents that
decide (in-file elements, merged and replaced containers, master-detail fields). The rules
per type are `sfsync.metadata.rules`.

A file that is not well-formed XML (empty, truncated, broken by a merge) at either commit
is no reason to stop: its component is a whole-file change, and a warning names the file
and the commit.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sfsync.metadata import infile, prune
from sfsync.metadata.component import Component, Resolved, name_key, same_name_groups
from sfsync.metadata.kinds import HANDLERS
from sfsync.metadata.lookup import TreeLookup
from sfsync.metadata.resolver import Resolver
from sfsync.metadata.rules import (
    LIST_CONTAINER,
    MEANING_COMPARED,
    MERGED,
    PARENT_FILE,
    UNDELETABLE,
    is_standard_object,
)
from sfsync.metadata.tree import Tree
from sfsync.metadata.xmlsafe import MalformedXml, child_text, fingerprint, local, parse

Reader = Callable[[str], "bytes | None"]
_MASTER_DETAIL = re.compile(rb"<type>\s*MasterDetail\s*</type>")


class _Broken:
    """A revision of a file that does not parse (see `Collector._parse`)."""


BROKEN = _Broken()


@dataclass
class Touched:
    """The changed paths of one component: how each resolved, and its status.

    Status: A (added), M (modified), D (deleted), X (deleted by `--include-destructive-file`).
    """

    resolved: list[Resolved] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> Resolved:
        """The first resolution (every path of the component shares its type)."""
        return self.resolved[0]

    def has_upsert(self) -> bool:
        """True when a file of the component was added or changed."""
        return any(s in ("A", "M") for s in self.statuses.values())

    def forced_delete(self) -> bool:
        """True when `--include-destructive-file` deletes the component."""
        return any(s == "X" for s in self.statuses.values())


class Collector:
    """Collects the package, the destructive changes, the files to copy and the warnings."""

    def __init__(
        self, resolver: Resolver, to_tree: Tree, warnings: list[str], from_sha: str, to_sha: str
    ) -> None:
        self.resolver = resolver
        self.registry = resolver.registry
        self.to_tree = to_tree
        self.lookup = TreeLookup(resolver, to_tree)
        self.warnings = warnings
        self.shas = {"--from": from_sha, "--to": to_sha}
        self.package: dict[str, set[str]] = {}
        self.added: dict[str, set[str]] = {}
        self.destructive: dict[str, set[str]] = {}
        self.destroyed: set[Component] = set()
        self.files: set[str] = set()
        self.contents: dict[str, bytes] = {}
        self.needs_old_new: set[str] = set()
        self.needs_new: set[str] = set()
        self.in_file: list[tuple[Resolved, str, str]] = []
        self.merged: list[tuple[Component, Touched]] = []
        self.compared: list[tuple[Component, Touched, set[str]]] = []
        self.master_detail_parents: dict[str, list[str]] = {}  # object meta -> its fields
        self.object_fields: dict[str, list[str]] = {}  # deployed object root -> its fields
        self.flows: set[str] = set()  # deployed flows (their translations go with them)
        self.translations: list[str] = []
        self._broken: set[tuple[str, str]] = set()  # (path, side) already warned about
        self._twins_warned: set[tuple[str, frozenset[str]]] = set()

    # -- plan: from paths alone ---------------------------------------------------------

    def plan(self, component: Component, entry: Touched) -> None:
        """Decide what `component` needs, from its changed paths and the target's files."""
        resolved = entry.first
        mtype = resolved.mtype
        if mtype.in_file_children:
            for r in entry.resolved:
                self.needs_old_new.add(r.path)
                self.in_file.append((r, r.path, entry.statuses[r.path]))
            return
        if entry.forced_delete():
            self.destroyed.add(component)
            return
        handler = HANDLERS[mtype.adapter]
        if mtype.adapter == "matchingContentFile" and not self._has_meta(entry):
            self.warnings.append(
                f"{', '.join(sorted(entry.statuses))}: {component} has no {resolved.path} at "
                "either commit, so sf cannot read it (it lists nothing for it); it is left out"
            )
            return
        alive = entry.has_upsert() or any(
            handler.exists(self.resolver, r, self.to_tree) for r in entry.resolved
        )
        if not alive:
            kept = self.lookup.files_of(component, entry.statuses)
            if not kept:
                self.destroyed.add(component)
                return
            for other, paths in kept.items():  # the same component lives on elsewhere
                self._deploy(other, self._files_from(paths), added=False)
            return
        files = self._files_from(r.path for r in entry.resolved)
        if len(self.resolver.project.package_dirs) > 1:
            found = self.lookup.files_of(component, entry.statuses).get(component, [])
            files |= self._files_from(found)
            self._warn_duplicates(component, files)
        if mtype.name in MERGED:
            self.needs_old_new.update(entry.statuses)
            self.merged.append((component, entry))
        elif mtype.name in MEANING_COMPARED and all(s == "M" for s in entry.statuses.values()):
            self.needs_old_new.update(entry.statuses)
            self.needs_new.update(files)  # copied if the change is more than formatting
            self.compared.append((component, entry, files))
        else:
            self._deploy(component, files, added=self._is_new(entry, files), resolved=resolved)

    def _warn_duplicates(self, component: Component, files: set[str]) -> None:
        """The same file of a component in two package directories: sf reads one of them."""
        dirs: dict[str, list[str]] = {}
        for path in files:
            package_dir = self.resolver.project.package_dir_of(path) or ""
            dirs.setdefault(path.rpartition("/")[2], []).append(package_dir)
        twice = sorted(name for name, where in dirs.items() if len(set(where)) > 1)
        if twice:
            self.warnings.append(
                f"{component}: {twice[0]} is in more than one package directory; both copies "
                "are in the delta, but sf converts the first package directory's only: keep "
                "one copy"
            )

    def _has_meta(self, entry: Touched) -> bool:
        """A content + `-meta.xml` pair has its `-meta.xml` (changed, or at the target)."""
        return any(r.path in entry.statuses or self.to_tree.has(r.path) for r in entry.resolved)

    def _files_from(self, paths: Iterable[str]) -> set[str]:
        """Every file (at the target) of the components the `paths` resolve to."""
        files: set[str] = set()
        for path in paths:
            r = self.resolver.resolve(path)
            if r is not None:
                files.update(HANDLERS[r.mtype.adapter].files(self.resolver, r, self.to_tree))
        return files

    @staticmethod
    def _is_new(entry: Touched, files: set[str]) -> bool:
        """True when the component had no file at `from`: all its files are added ones."""
        added = {p for p, s in entry.statuses.items() if s == "A"}
        return len(added) == len(entry.statuses) and files <= added

    def _deploy(
        self,
        component: Component,
        files: set[str],
        *,
        added: bool,
        resolved: Resolved | None = None,
    ) -> None:
        self._add_package(component, added)
        self.files.update(files)
        if resolved is None:
            return
        mtype = resolved.mtype
        if mtype.name == "Flow":
            self.flows.add(component.full_name)
        if mtype.name == "CustomObject" and resolved.root and resolved.parent is None:
            # deployed with its master-detail fields, or a ControlledByParent object is refused
            fields = self.to_tree.under(f"{resolved.root}/fields")
            self.object_fields[resolved.root] = fields
            self.needs_new.update(fields)
        if mtype.name == "CustomField" and resolved.root and resolved.parent:
            meta = f"{resolved.root}/{resolved.parent.full_name}.object-meta.xml"
            if self.to_tree.has(meta):
                self.master_detail_parents.setdefault(meta, []).append(resolved.path)
                self.needs_new.update((resolved.path, meta))
        if resolved.parent is not None and resolved.root is not None:
            parent_type = self.registry.by_name(resolved.parent.type)
            if parent_type is not None and parent_type.name in PARENT_FILE:
                self._with_parent(resolved, parent_type.name)

    def _with_parent(self, resolved: Resolved, parent_name: str) -> None:
        """List a decomposed child's container and copy the container's own files."""
        assert resolved.parent is not None and resolved.root is not None
        parent_type = self.registry.by_name(parent_name)
        assert parent_type is not None
        container = Resolved(
            resolved.parent, parent_type, resolved.root, resolved.package_dir, None, resolved.root
        )
        own = HANDLERS[parent_type.adapter].files(self.resolver, container, self.to_tree)
        self._add_package(resolved.parent, added=False)
        self.files.update(own)

    def _add_package(self, component: Component, added: bool) -> None:
        self.package.setdefault(component.type, set()).add(component.full_name)
        if added:
            self.added.setdefault(component.type, set()).add(component.full_name)

    def plan_done(self) -> None:
        """After every component is planned: the reads the whole delta needs."""
        if self.flows:
            # a deployed flow is a new flow version, which has no translations unless they
            # are deployed with it (github.com/scolladon/sfdx-git-delta/issues/321)
            for path in self.to_tree.paths:
                if path.endswith(".translation-meta.xml"):
                    resolved = self.resolver.resolve(path)
                    if resolved is not None and resolved.mtype.name == "Translations":
                        self.translations.append(path)
            self.needs_new.update(self.translations)

    # -- finish: with the contents ------------------------------------------------------

    def finish(self, old: Reader, new: Reader, load_sources: bool) -> None:
        """Compare the contents read for `plan`, then settle the destructive changes."""
        for resolved, path, status in self.in_file:
            if status == "X":  # every element of the file is deleted
                self._finish_in_file(resolved, path, new(path), None)
            else:
                self._finish_in_file(resolved, path, old(path), new(path))
        for component, entry in self.merged:
            self._finish_merged(component, entry, old, new)
        for component, entry, files in self.compared:
            self._finish_compared(component, entry, files, old, new)
        for meta, field_paths in self.master_detail_parents.items():
            for field_path in field_paths:
                data = new(field_path)
                if data is not None and _MASTER_DETAIL.search(data):
                    self.files.add(meta)
        for field_paths in self.object_fields.values():
            for field_path in field_paths:
                data = new(field_path)
                if data is not None and _MASTER_DETAIL.search(data):
                    self.files.add(field_path)
        for path in self.translations:
            self._finish_flow_translation(path, new(path))
        self._finish_destructive()
        # an element moved between files (labels in two package dirs), or a name that only
        # changed case or Unicode normalisation, is not deleted: it is one name in the org
        for type_name, members in self.destructive.items():
            deployed = {name_key(m) for m in self.package.get(type_name, ())}
            members -= {m for m in members if name_key(m) in deployed}
            for group in same_name_groups(members):
                members -= set(group[1:])  # one deletion of the one component
        self.destructive = {t: m for t, m in self.destructive.items() if m}
        for type_name, members in sorted(self.package.items()):
            for group in same_name_groups(members):
                self._warn_twins(type_name, group, "git has a file for each")
        if load_sources:
            for path in self.files:
                if path not in self.contents:
                    data = new(path)
                    if data is not None:
                        self.contents[path] = data

    def _warn_twins(self, type_name: str, names: Sequence[str], where: str) -> None:
        """Names that are one component in an org (see `name_key`); once per group."""
        seen = (type_name, frozenset(names))
        if seen in self._twins_warned:
            return
        self._twins_warned.add(seen)
        if len(set(names)) == 1:
            listed = f"{type_name}:{names[0]} is there {len(names)} times"
        else:
            listed = " and ".join(f"{type_name}:{n}" for n in dict.fromkeys(names)) + " are"
        self.warnings.append(
            f"{listed} one component in Salesforce (names ignore case and Unicode "
            f"normalisation), and {where}: the org keeps only one of them; keep one in git"
        )

    def _parse(
        self, data: bytes | None, path: str, side: str, what: str
    ) -> ET.Element | _Broken | None:
        """The parsed file, None when absent, or BROKEN (with a warning naming file and commit)."""
        if data is None:
            return None
        try:
            return parse(data, path)
        except MalformedXml as exc:
            if (path, side) not in self._broken:  # one warning per file and commit
                self._broken.add((path, side))
                self.warnings.append(
                    f"{path} at {side} {self.shas[side][:12]}: {exc.reason}; {what}"
                )
            return BROKEN

    def _finish_in_file(
        self, resolved: Resolved, path: str, old: bytes | None, new: bytes | None
    ) -> None:
        mtype = resolved.mtype
        parent = resolved.component
        old_root = self._parse(old, path, "--from", f"every element of {parent} counts as changed")
        new_root = self._parse(new, path, "--to", f"{parent} is deployed whole, as it is")
        if isinstance(new_root, _Broken):
            assert new is not None
            self._add_package(parent, added=old is None)
            self.files.add(path)
            self.contents[path] = new
            return
        if isinstance(old_root, _Broken):
            old_root = None
        diff = infile.diff_elements(self.registry, mtype, old_root, new_root)
        for type_name, names in diff.twins:
            members = [self._member(type_name, parent.full_name, n) for n in names]
            self._warn_twins(type_name, members, f"{path} holds each")
        for type_name, keys in diff.changed.items():
            for key in keys:
                child = Component(type_name, self._member(type_name, parent.full_name, key))
                self._add_package(child, added=key in diff.added.get(type_name, ()))
        for type_name, keys in diff.removed.items():
            for key in keys:
                child = Component(type_name, self._member(type_name, parent.full_name, key))
                self.destructive.setdefault(type_name, set()).add(child.full_name)
        if diff.container_changed or (diff.changed and mtype.name in LIST_CONTAINER):
            self._add_package(parent, added=old_root is None)
        if new_root is not None and (diff.changed or diff.container_changed):
            self.files.add(path)
            self.contents[path] = infile.keep_elements(self.registry, mtype, new_root, diff)

    def _finish_flow_translation(self, path: str, data: bytes | None) -> None:
        resolved = self.resolver.resolve(path)
        root = self._parse(data, path, "--to", "its flow translations are not checked")
        if resolved is None or root is None or isinstance(root, _Broken):
            return
        for element in root:
            if (
                local(element.tag) == "flowDefinitions"
                and child_text(element, "fullName") in self.flows
            ):
                files = set(
                    HANDLERS[resolved.mtype.adapter].files(self.resolver, resolved, self.to_tree)
                )
                self._deploy(resolved.component, files, added=False)
                self.contents.setdefault(path, data or b"")
                return

    def _member(self, type_name: str, parent: str, key: str) -> str:
        child = self.registry.by_name(type_name)
        return key if child is not None and child.ignore_parent_name else f"{parent}.{key}"

    def _finish_merged(
        self, component: Component, entry: Touched, old: Reader, new: Reader
    ) -> None:
        """A Profile: pruned to what changed (the org overlays it)."""
        resolved = entry.first
        handler = HANDLERS[resolved.mtype.adapter]
        if not any(handler.exists(self.resolver, r, self.to_tree) for r in entry.resolved):
            kept = self.lookup.files_of(component, entry.statuses)
            if not kept:
                self.destroyed.add(component)
            for other, paths in kept.items():
                self._deploy(other, self._files_from(paths), added=False)
            return
        copies: dict[str, bytes] = {}
        removed: list[str] = []
        for path in entry.statuses:
            data = new(path)
            if data is None:
                continue
            before = old(path)
            what = f"{component} is deployed whole, as it is"
            new_root = self._parse(data, path, "--to", what)
            old_root = self._parse(before, path, "--from", what)
            if isinstance(new_root, _Broken) or isinstance(old_root, _Broken) or new_root is None:
                copies[path] = data
                continue
            if old_root is not None and fingerprint(old_root) == fingerprint(new_root):
                continue  # formatting only
            pruned = prune.prune(before, data, path, resolved.mtype.name)
            copies[path] = pruned.data
            removed += pruned.removed
        if not copies:
            return
        self._add_package(component, added=self._is_new(entry, set(copies)))
        self.files.update(copies)
        self.contents.update(copies)
        if removed:
            shown = ", ".join(removed[:5]) + (
                f" and {len(removed) - 5} more" if len(removed) > 5 else ""
            )
            self.warnings.append(
                f"{component}: {len(removed)} entr{'y' if len(removed) == 1 else 'ies'} removed "
                f"in git stay in the org ({shown}): a deployed {component.type} only adds and "
                "changes what its file holds; revoke them in the file (e.g. <editable>false) or "
                "in Setup"
            )

    def _finish_compared(
        self, component: Component, entry: Touched, files: set[str], old: Reader, new: Reader
    ) -> None:
        """A type the org replaces whole: deployed whole, unless only its formatting changed."""
        what = f"{component} is deployed whole"
        for path in entry.statuses:
            before, after = old(path), new(path)
            old_root = self._parse(before, path, "--from", what)
            new_root = self._parse(after, path, "--to", what)
            if (
                old_root is None
                or new_root is None
                or isinstance(old_root, _Broken)
                or isinstance(new_root, _Broken)
                or fingerprint(old_root) != fingerprint(new_root)
            ):
                self._deploy(component, files, added=False, resolved=entry.first)
                return

    def _finish_destructive(self) -> None:
        for component in sorted(self.destroyed):
            parent = self._parent_of(component)
            standard = parent is not None and (
                parent.type == "CustomObject" and is_standard_object(parent.full_name)
            )
            if parent is not None and parent in self.destroyed and not standard:
                continue  # deleting the object deletes its fields
            if component.type == "CustomObject" and is_standard_object(component.full_name):
                self.warnings.append(
                    f"{component}: a standard object cannot be deleted, so it is not in "
                    "destructiveChanges.xml; its deleted children are listed one by one"
                )
                continue
            reason = UNDELETABLE.get(component.type)
            if reason is not None:
                self.warnings.append(
                    f"{component} was deleted but is not in destructiveChanges.xml: {reason}"
                )
                continue
            if component.type == "Flow":
                self.warnings.append(
                    f"{component} is deleted: an org refuses to delete a flow with an active "
                    "version, so `sfsync deploy`, `pull-upstream` and `back-promote` deactivate "
                    "it first (FlowDefinition activeVersionNumber 0); deploying these manifests "
                    "with sf alone fails while the flow is active"
                )
            self.destructive.setdefault(component.type, set()).add(component.full_name)

    def _parent_of(self, component: Component) -> Component | None:
        mtype = self.registry.by_name(component.type)
        if mtype is None or mtype.parent is None or "." not in component.full_name:
            return None
        parent_type = self.registry.types.get(mtype.parent)
        if parent_type is None:
            return None
        return Component(parent_type.name, component.full_name.split(".", 1)[0])
