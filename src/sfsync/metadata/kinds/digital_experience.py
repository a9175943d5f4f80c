"""Digital Experience bundles: `digitalExperiences/<base type>/<space>/...`.

The bundle is `site/MySpace`; each content item below it
(`sfdc_cms__view/home/content.json`, `_meta.json`, variants) is a DigitalExperience child.
"""

from __future__ import annotations

from sfsync.metadata.component import Component
from sfsync.metadata.kinds.base import make, manifest_type
from sfsync.metadata.paths import base_name, last_index

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.resolver import Resolver
    from sfsync.metadata.tree import Tree


class DigitalExperienceKind:
    """The bundle from its `-meta.xml`; children from their content folder."""

    def resolve(
        self, resolver: Resolver, mtype: MetadataType, path: str, parts: list[str], package_dir: str
    ) -> Resolved | None:
        registry = resolver.registry
        bundle_type = registry.types.get(mtype.parent) if mtype.parent else mtype
        if bundle_type is None:
            return None
        index = last_index(parts, bundle_type.directory_name)
        if index < 0 or len(parts) < index + 4:
            return None
        bundle_name = f"{parts[index + 1]}/{parts[index + 2]}"
        bundle_root = "/".join(parts[: index + 3])
        if len(parts) == index + 4:
            # `<space>/<space>.digitalExperience-meta.xml`: the bundle itself
            return make(resolver, bundle_type, bundle_name, path, package_dir, root=bundle_root)
        child_type = mtype if mtype.parent else None
        if child_type is None:
            child_type = next(
                (registry.types[c] for c in bundle_type.children if c in registry.types), None
            )
        if child_type is None or len(parts) < index + 6:
            return None
        content = parts[index + 3 : index + 5]
        parent = Component(manifest_type(registry, bundle_type), bundle_name)
        name = f"{content[0]}/{base_name(content[1])}"
        root = "/".join(parts[: index + 5])
        return make(resolver, child_type, name, path, package_dir, parent=parent, root=root)

    def files(self, resolver: Resolver, resolved: Resolved, tree: Tree) -> list[str]:
        # the bundle's folder, or one content item's folder (`sfdc_cms__view/home/`)
        assert resolved.root is not None
        return [p for p in tree.under(resolved.root) if not resolver.is_ignored(p)]

    def exists(self, resolver: Resolver, resolved: Resolved, tree: Tree) -> bool:
        return bool(self.files(resolver, resolved, tree))
