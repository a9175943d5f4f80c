"""Component versions: git and retrieved files compare by meaning, per component."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfemu.testing import LoggedInOrg, SfCli
from sfsync.metadata.component import Component
from sfsync.metadata.manifest import render
from sfsync.metadata.project import Project
from sfsync.org import sf
from sfsync.org.versions import files_under, parse_component, versions_at, versions_in_files
from workflows import SFDX_PROJECT, commit, git

D = "force-app/main/default"
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def labels(greeting: str, bye: str = "Bye", indent: str = "    ") -> str:
    """A CustomLabels file with two labels."""
    body = "".join(
        f"{indent}<labels>\n{indent * 2}<fullName>{name}</fullName>\n"
        f"{indent * 2}<language>en_US</language>\n{indent * 2}<protected>false</protected>\n"
        f"{indent * 2}<shortDescription>{name}</shortDescription>\n"
        f"{indent * 2}<value>{value}</value>\n{indent}</labels>\n"
        for name, value in (("Greeting", greeting), ("Bye", bye))
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomLabels {NS}>\n{body}</CustomLabels>\n'


FILES = {
    f"{D}/labels/CustomLabels.labels-meta.xml": labels("Hello"),
    f"{D}/classes/Foo.cls": "public class Foo {}\n",
    f"{D}/classes/Foo.cls-meta.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass {NS}>\n'
        "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
    ),
    f"{D}/objects/Widget__c/Widget__c.object-meta.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomObject {NS}>\n'
        "    <deploymentStatus>Deployed</deploymentStatus>\n    <label>Widget</label>\n"
        "    <nameField>\n        <label>Widget Name</label>\n        <type>Text</type>\n"
        "    </nameField>\n    <pluralLabel>Widgets</pluralLabel>\n"
        "    <sharingModel>ReadWrite</sharingModel>\n</CustomObject>\n"
    ),
    f"{D}/objects/Widget__c/fields/Size__c.field-meta.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomField {NS}>\n'
        "    <fullName>Size__c</fullName>\n    <label>Size</label>\n"
        "    <precision>18</precision>\n    <scale>0</scale>\n    <type>Number</type>\n"
        "</CustomField>\n"
    ),
    f"{D}/lwc/greeting/greeting.js": "export default class Greeting {}\n",
    f"{D}/lwc/greeting/greeting.js-meta.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<LightningComponentBundle {NS}>\n'
        "    <apiVersion>62.0</apiVersion>\n    <isExposed>false</isExposed>\n"
        "</LightningComponentBundle>\n"
    ),
}
WANTED = [
    parse_component(c)
    for c in (
        "CustomLabel:Greeting",
        "CustomLabel:Bye",
        "ApexClass:Foo",
        "CustomObject:Widget__c",
        "CustomField:Widget__c.Size__c",
        "LightningComponentBundle:greeting",
    )
]


def project() -> Project:
    return Project.from_texts(SFDX_PROJECT)


def test_every_component_gets_a_version() -> None:
    found = versions_in_files({p: t.encode() for p, t in FILES.items()}, project(), WANTED)
    assert sorted(found) == sorted(WANTED)
    assert Component("ApexClass", "Missing") not in found


def test_xml_layout_does_not_matter_but_values_do() -> None:
    label_file = f"{D}/labels/CustomLabels.labels-meta.xml"
    base = versions_in_files({label_file: labels("Hello").encode()}, project(), WANTED)
    relaid = versions_in_files(
        {label_file: labels("Hello", indent="\t").encode()}, project(), WANTED
    )
    changed = versions_in_files({label_file: labels("Hi there").encode()}, project(), WANTED)
    greeting, bye = Component("CustomLabel", "Greeting"), Component("CustomLabel", "Bye")
    assert base == relaid
    assert changed[greeting] != base[greeting]
    assert changed[bye] == base[bye]  # one label changed, not the whole file


def test_source_files_compare_byte_for_byte() -> None:
    cls = f"{D}/classes/Foo.cls"
    one = versions_in_files({cls: b"public class Foo {}\n"}, project(), WANTED)
    two = versions_in_files({cls: b"public class Foo {} \n"}, project(), WANTED)
    assert one != two


def test_malformed_component_names_are_refused() -> None:
    with pytest.raises(Exception, match="Type:FullName"):
        parse_component("Foo")


@pytest.mark.e2e
def test_a_retrieve_of_what_git_deployed_has_the_same_versions(
    tmp_path: Path, sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, sf_home: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    # sfemu does not take CustomLabel members: labels are covered by the tests above
    files = {p: t for p, t in FILES.items() if "/labels/" not in p}
    wanted = [c for c in WANTED if c.type != "CustomLabel"]
    sha = commit(repo, {"sfdx-project.json": SFDX_PROJECT, **files}, "project")
    run = sf_cli.run(
        "project", "deploy", "start", "-o", sfemu_scratch_org.alias, "-d", "force-app", cwd=repo
    )
    assert run.exit_code == 0, run.stdout
    manifest = tmp_path / "package.xml"
    types: dict[str, list[str]] = {}
    for c in wanted:
        types.setdefault(c.type, []).append(c.full_name)
    manifest.write_bytes(render(types, "62.0"))

    got = sf.retrieve(sfemu_scratch_org.alias, manifest, tmp_path / "out", api_version="62.0")

    in_org = versions_in_files(files_under(got.out_dir), Project.load(got.out_dir), wanted)
    in_git = versions_at(repo, sha, project(), wanted)
    assert sorted(in_git) == sorted(wanted)
    assert in_org == in_git
    assert got.properties["ApexClass:Foo"].last_modified_by
