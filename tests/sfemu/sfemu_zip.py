"""Helpers for unit tests: Metadata API zips and manifests built in memory."""

from __future__ import annotations

import io
import zipfile

NS = "http://soap.sforce.com/2006/04/metadata"
CLASS_META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<ApexClass xmlns="{NS}">\n    <apiVersion>62.0</apiVersion>\n'
    "    <status>Active</status>\n</ApexClass>\n"
)


def package(types: dict[str, list[str]], root: str = "Package") -> str:
    """A package.xml / destructiveChanges.xml text."""
    body = "".join(
        "    <types>\n"
        + "".join(f"        <members>{m}</members>\n" for m in members)
        + f"        <name>{name}</name>\n    </types>\n"
        for name, members in types.items()
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n'
    return f"{head}{body}    <version>62.0</version>\n</{root}>\n"


def make_zip(files: dict[str, str | bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    """A zip holding ``files`` (and symlink entries named in ``symlinks``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def apex(name: str, body: str | None = None) -> dict[str, str]:
    """The two files of an Apex class in Metadata API layout."""
    return {
        f"classes/{name}.cls": body or f"public class {name} {{}}\n",
        f"classes/{name}.cls-meta.xml": CLASS_META,
    }


def custom_object(name: str, fields: list[str], label: str | None = "Thing") -> str:
    """An .object file with ``fields`` (Text fields)."""
    own = f"    <label>{label}</label>\n" if label else ""
    kids = "".join(
        f"    <fields>\n        <fullName>{f}</fullName>\n        <label>{f}</label>\n"
        "        <type>Text</type>\n    </fields>\n"
        for f in fields
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomObject xmlns="{NS}">\n'
    return f"{head}{own}{kids}</CustomObject>\n"
