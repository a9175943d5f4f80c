"""Decomposed types: a folder per component, children in files of their own.

`objects/Account/Account.object-meta.xml` is CustomObject:Account and
`objects/Account/fields/Tier__c.field-meta.xml` is CustomField:Account.Tier__c. A child the
Metadata API cannot deploy alone (CustomFieldTranslation, the decomposed PermissionSet's
parts) resolves to its container.
"""

from __future__ import annotations

from sfsync.metadata.component import Component
from sfsync.metadata.kinds.base import full_name, make, manifest_type
from sfsync.metadata.paths import base_name, last_index, parse_metadata_xml

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.kinds.protocol import Context
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.tree import Tree


class DecomposedKind:
    """Parent named by its folder; addressable children named `Parent.Child`."""

    def resolve(
        self,
        resolver: Context,
        mtype: MetadataType,
        path: str,
        parts: list[str],
        package_dir: str,
    ) -> Resolved | None:
        index = last_index(parts, mtype.directory_name)
        if index < 0 or len(parts) < index + 3:
            # a root file straight in the type folder (`labels/CustomLabels.labels-meta.xml`)
            parsed = parse_metadata_xml(parts[-1])
            if index < 0 or parsed is None or parsed[1] not in (mtype.suffix, mtype.legacy_suffix):
                return None
            return make(resolver, mtype, parsed[0], path, package_dir)
        root = "/".join(parts[: index + 2])
        parent_name = base_name(parts[index + 1])
        parent = Component(
            manifest_type(resolver.registry, mtype), full_name(mtype, parent_name, None)
        )
        parsed = parse_metadata_xml(parts[-1])
        child_id = mtype.child_suffixes.get(parsed[1]) if parsed else None
        child = resolver.registry.types.get(child_id) if child_id else None
        if (
            parsed is not None
            and child is not None
            and child.addressable
            and not child.unaddressable_without_parent
        ):
            return make(resolver, child, parsed[0], path, package_dir, parent=parent, root=root)
        return make(resolver, mtype, parent_name, path, package_dir, root=root)

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        if resolved.root is None or resolved.parent is not None:
            return [resolved.path] if tree.has(resolved.path) else []
        # the container's own files: everything in its folder but addressable children
        own = []
        for p in tree.under(resolved.root):
            if resolver.is_ignored(p):
                continue
            other = resolver.resolve(p)
            if other is not None and other.component == resolved.component:
                own.append(p)
        return own

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        if resolved.root is None or resolved.parent is not None:
            return tree.has(resolved.path)
        return any(not resolver.is_ignored(p) for p in tree.under(resolved.root))
