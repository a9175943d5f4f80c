"""End-to-end: projects with the shapes of public sample apps make the round trip through
the real sf and sfemu (deploy, retrieve in both formats, compare by meaning, delete)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sfemu_shapes import shape_files, shapes_project

from sfemu import roundtrip as rt
from sfemu.testing import LoggedInOrg, SfCli, write_project

pytestmark = pytest.mark.e2e

Login = Callable[..., LoggedInOrg]
NS = "http://soap.sforce.com/2006/04/metadata"


def test_every_shape_makes_the_round_trip(tmp_path: Path) -> None:
    result = rt.roundtrip(shapes_project(tmp_path / "shapes"), tmp_path / "work")
    rows = {r.type: r for r in result.rows}
    assert [r.type for r in result.rows if not r.ok] == [], rt.plain(result)
    expected = {
        "ApexClass": 2,
        "ApexTrigger": 1,
        "AuraDefinitionBundle": 1,
        "CustomField": 4,
        "CustomLabel": 2,
        "CustomLabels": 1,
        "CustomMetadata": 1,
        "CustomObject": 2,
        "CustomObjectTranslation": 2,
        "DigitalExperience": 3,
        "DigitalExperienceBundle": 2,
        "ExperienceBundle": 1,
        "Flow": 1,
        "LightningComponentBundle": 1,
        "ListView": 2,
        "NamedCredential": 1,
        "PermissionSet": 1,
        "PermissionSetGroup": 1,
        "StaticResource": 2,
        "Translations": 1,
    }
    assert {t: r.components for t, r in rows.items()} == expected
    assert {t: (r.deployed, r.same) for t, r in rows.items()} == {
        t: (n, n) for t, n in expected.items()
    }
    deleted = {t for t, r in rows.items() if r.delete_ok}
    # CustomLabels holds every label (deleted one by one); an object translation is refused,
    # and so is an object the project's Apex still names (as an org refuses both)
    assert set(expected) - deleted == {"CustomLabels", "CustomObjectTranslation", "CustomObject"}
    assert rows["CustomObjectTranslation"].refused == (
        "The CustomObjectTranslation called 'Account-fr' is standard and cannot be deleted"
    )
    assert rows["CustomObject"].refused == (
        "This custom object is used by another feature. Remove the usage and try again. "
        ": Apex Class - WidgetService."
    )
    assert rows["Flow"].deleted == "Greet"  # active: deactivated in the same deploy


def test_a_type_sfemu_does_not_model_is_refused_by_name(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    default = write_project(tmp_path)
    (default / "territory2Models" / "Sales").mkdir(parents=True)
    (default / "territory2Models" / "Sales" / "Sales.territory2Model-meta.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Territory2Model xmlns="{NS}">\n'
        "    <name>Sales</name>\n</Territory2Model>\n",
        encoding="utf-8",
    )
    for path, text in shape_files().items():
        if path.startswith("classes/WidgetService."):
            (default / path).parent.mkdir(parents=True, exist_ok=True)
            (default / path).write_text(text, encoding="utf-8")
    run = sf_cli.run(
        "project", "deploy", "start", "-o", sfemu_scratch_org.alias, "-d", "force-app",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.exit_code == 1
    failed = [
        (f["type"], f["fullName"], f["error"])
        for f in run.result["files"]
        if f["state"] == "Failed"
    ]
    assert failed == [
        (
            "Territory2Model",
            "Sales",
            "Not available for deploy for this organization (sfemu does not model Territory2Model)",
        )
    ]
    assert sfemu_scratch_org.handle.list() == []  # all or nothing: the class is not there


def test_a_case_only_field_rename_leaves_one_field(
    sf_cli: SfCli, sfemu_scratch_org: LoggedInOrg, tmp_path: Path
) -> None:
    org = sfemu_scratch_org
    default = write_project(tmp_path)
    fields = default / "objects" / "Order__c" / "fields"
    fields.mkdir(parents=True)
    (default / "objects" / "Order__c" / "Order__c.object-meta.xml").write_text(
        shape_files()["objects/Widget__c/Widget__c.object-meta.xml"], encoding="utf-8"
    )

    def field(name: str, label: str) -> None:
        for old in fields.iterdir():
            old.unlink()
        (fields / f"{name}.field-meta.xml").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="{NS}">\n'
            f"    <fullName>{name}</fullName>\n    <label>{label}</label>\n"
            "    <length>18</length>\n    <type>Text</type>\n</CustomField>\n",
            encoding="utf-8",
        )

    field("accountId__c", "Account Id")
    first = sf_cli.run("project", "deploy", "start", "-o", org.alias, "-d", "force-app",
                       cwd=tmp_path)  # fmt: skip
    assert first.exit_code == 0, first.stdout
    field("AccountId__c", "Account")  # the file renamed: only the case differs
    second = sf_cli.run("project", "deploy", "start", "-o", org.alias, "-d", "force-app",
                        cwd=tmp_path)  # fmt: skip
    assert second.exit_code == 0, second.stdout
    listed = sf_cli.run("org", "list", "metadata", "-o", org.alias, "-m", "CustomField",
                        cwd=tmp_path)  # fmt: skip
    names = sorted(i["fullName"] for i in listed.result)
    assert names == ["Order__c.accountId__c"]  # one field, under the spelling the org holds
    assert "<label>Account</label>" in org.handle.read_text("objects/Order__c.object")
