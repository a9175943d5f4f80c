"""Digital Experience bundles: `digitalExperiences/<base type>/<space>/...`.

The bundle is `site/MySpace`; each content item below it
(`sfdc_cms__view/home/content.json`, `_meta.json`, variants) is a DigitalExperience child.
Names follow the CLI's rules for any layout, standard or not: a content item is the folder
holding the file, cut to `<base type>/<space>/<content type>/<api name>`, named by its last
two folders (`site/MySpace.sfdc_cms__view/home`); a bundle's `.digitalExperience-meta.xml`
is named by its two parent folders. So `digitalExperiences/site/MySpace/home/content.json`
(no content-type folder) is `site/MySpace.MySpace/home`, as `sf` lists it.
"""

from __future__ import annotations

from sfsync.metadata.component import Component
from sfsync.metadata.kinds.base import make, manifest_type
from sfsync.metadata.paths import META_XML, last_index, parse_metadata_xml

TYPE_CHECKING = False  # typing stays unimported on the hook path
if TYPE_CHECKING:
    from sfsync.metadata.component import Resolved
    from sfsync.metadata.kinds.protocol import Context
    from sfsync.metadata.registry import MetadataType
    from sfsync.metadata.tree import Tree

_CONTENT_DEPTH = 4  # base type, space, content type, content api name


class DigitalExperienceKind:
    """The bundle from its `-meta.xml`; children from their content folder."""

    def resolve(
        self,
        resolver: Context,
        mtype: MetadataType,
        path: str,
        parts: list[str],
        package_dir: str,
    ) -> Resolved | None:
        registry = resolver.registry
        bundle_type = registry.types.get(mtype.parent) if mtype.parent else mtype
        if bundle_type is None:
            return None
        index = last_index(parts[:-1], bundle_type.directory_name)
        if index < 0 or len(parts) < index + 3:
            return None
        parsed = parse_metadata_xml(parts[-1]) if parts[-1].endswith(META_XML) else None
        if parsed is not None and parsed[1] == bundle_type.suffix:
            # the bundle itself, named by the folders above its file
            name = f"{parts[-3]}/{parts[-2]}"
            # its files: the folder it sits in, or (beside it) the folder named like it
            inside = len(parts) == index + 4 and parts[-2] == parsed[0]
            root = "/".join(parts[:-1] if inside else [*parts[:-1], parsed[0]])
            return make(resolver, bundle_type, name, path, package_dir, root=root)
        child_type = mtype if mtype.parent else None
        if child_type is None:
            child_type = next(
                (registry.types[c] for c in bundle_type.children if c in registry.types), None
            )
        content = parts[:-1][: index + 1 + _CONTENT_DEPTH]
        if child_type is None or len(content) < index + 3:
            return None
        parent = Component(
            manifest_type(registry, bundle_type), f"{parts[index + 1]}/{parts[index + 2]}"
        )
        name = f"{content[-2]}/{content[-1]}"
        return make(
            resolver, child_type, name, path, package_dir, parent=parent, root="/".join(content)
        )

    def files(self, resolver: Context, resolved: Resolved, tree: Tree) -> list[str]:
        # the bundle's folder (and its meta file), or one content item's folder
        assert resolved.root is not None
        found = [p for p in tree.under(resolved.root) if not resolver.is_ignored(p)]
        if resolved.parent is None and tree.has(resolved.path) and resolved.path not in found:
            found.append(resolved.path)
        return found

    def exists(self, resolver: Context, resolved: Resolved, tree: Tree) -> bool:
        return bool(self.files(resolver, resolved, tree))
