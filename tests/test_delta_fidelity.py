"""Delta fidelity, one test per class of defect: what is deployed is what changed, whole where
the org replaces, nothing lost, nothing deleted by mistake. Real git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitfixtures import commit, git, init_project, remove, write
from sfsync.metadata.delta import Delta, compute_delta

BASE = "force-app/main/default"
NS = "http://soap.sforce.com/2006/04/metadata"


def _xml(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_project(tmp_path / "repo")


def _delta(repo: Path, before: str, message: str = "change") -> Delta:
    return compute_delta(repo, before, commit(repo, message), load_sources=True)


# --- 0: what the org replaces is deployed whole; Profile (merged) is pruned ---------------

PERM = "    <fieldPermissions><editable>{1}</editable><field>{0}</field></fieldPermissions>\n"


def test_permission_set_is_deployed_whole(repo: Path) -> None:
    path = f"{BASE}/permissionsets/Sales.permissionset-meta.xml"
    fields = [f"Account.F{i}__c" for i in range(46)]
    body = "    <label>Sales</label>\n" + "".join(PERM.format(f, "true") for f in fields)
    write(repo, {path: _xml("PermissionSet", body)})
    before = commit(repo, "permission set")
    write(
        repo,
        {
            path: _xml(
                "PermissionSet",
                body.replace(PERM.format(fields[3], "true"), PERM.format(fields[3], "false")),
            )
        },
    )
    delta = _delta(repo, before)
    assert delta.package == {"PermissionSet": ["Sales"]}
    copied = delta.contents[path].decode()
    # the org replaces a permission set with what is deployed: all 46 entries go
    assert all(f"<field>{f}</field>" in copied for f in fields)


def test_decomposed_permission_set_is_deployed_whole(tmp_path: Path) -> None:
    repo = init_project(
        tmp_path / "r", extra={"sourceBehaviorOptions": ["decomposePermissionSetBeta2"]}
    )
    folder = f"{BASE}/permissionsets/Sales"
    settings = (
        "    <objectPermissions><object>{0}</object><allowRead>{1}</allowRead>"
        "</objectPermissions>\n"
    )
    write(
        repo,
        {
            f"{folder}/Sales.permissionset-meta.xml": _xml(
                "PermissionSet", "    <label>Sales</label>\n"
            ),
            f"{folder}/objectSettings/Account.objectSettings-meta.xml": _xml(
                "ObjectSettings", settings.format("Account", "true")
            ),
            f"{folder}/objectSettings/Case.objectSettings-meta.xml": _xml(
                "ObjectSettings", settings.format("Case", "true")
            ),
        },
    )
    before = commit(repo, "ps")
    write(
        repo,
        {
            f"{folder}/objectSettings/Case.objectSettings-meta.xml": _xml(
                "ObjectSettings", settings.format("Case", "false")
            )
        },
    )
    delta = _delta(repo, before)
    assert delta.package == {"PermissionSet": ["Sales"]}
    assert set(delta.files) == {
        f"{folder}/Sales.permissionset-meta.xml",
        f"{folder}/objectSettings/Account.objectSettings-meta.xml",
        f"{folder}/objectSettings/Case.objectSettings-meta.xml",
    }


@pytest.mark.parametrize(
    ("folder", "suffix", "root"),
    [
        pytest.param(
            "permissionsetgroups",
            "permissionsetgroup",
            "PermissionSetGroup",
            id="PermissionSetGroup",
        ),
        pytest.param(
            "mutingpermissionsets",
            "mutingpermissionset",
            "MutingPermissionSet",
            id="MutingPermissionSet",
        ),
        pytest.param("translations", "translation", "Translations", id="Translations"),
        pytest.param(
            "globalValueSetTranslations",
            "globalValueSetTranslation",
            "GlobalValueSetTranslation",
            id="GlobalValueSetTranslation",
        ),
    ],
)
def test_replaced_types_are_whole_and_formatting_is_no_change(
    repo: Path, folder: str, suffix: str, root: str
) -> None:
    path = f"{BASE}/{folder}/X.{suffix}-meta.xml"
    body = "    <label>X</label>\n    <description>one</description>\n    <entry><a>1</a></entry>\n"
    write(repo, {path: _xml(root, body)})
    before = commit(repo, "one")
    write(repo, {path: _xml(root, body.replace("    ", "  "))})
    assert compute_delta(repo, before, commit(repo, "formatting")).is_empty()
    second = git(repo, "rev-parse", "HEAD")
    write(repo, {path: _xml(root, body.replace("one", "two"))})
    delta = _delta(repo, second)
    assert list(delta.package.values()) == [["X"]]
    assert b"<entry>" in delta.contents[path]  # unchanged entries too


def test_profile_removal_is_named_in_a_warning(repo: Path) -> None:
    path = f"{BASE}/profiles/Support.profile-meta.xml"
    write(
        repo,
        {
            path: _xml(
                "Profile", PERM.format("Account.A__c", "true") + PERM.format("Account.B__c", "true")
            )
        },
    )
    before = commit(repo, "profile")
    write(repo, {path: _xml("Profile", PERM.format("Account.A__c", "false"))})
    delta = _delta(repo, before)
    assert delta.package == {"Profile": ["Support"]}
    assert any(
        "Profile:Support" in w and "fieldPermissions Account.B__c" in w for w in delta.warnings
    )


# --- 1: a name that only changes case is not deleted ---------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "classes/customerServices.cls",
            "classes/CustomerServices.cls",
            {"ApexClass": ["CustomerServices"]},
            id="ApexClass",
        ),
        pytest.param(
            "objects/Account/fields/abc__c.field-meta.xml",
            "objects/Account/fields/ABC__c.field-meta.xml",
            {"CustomField": ["Account.ABC__c"]},
            id="CustomField",
        ),
        pytest.param(
            "flows/onboard.flow-meta.xml",
            "flows/Onboard.flow-meta.xml",
            {"Flow": ["Onboard"]},
            id="Flow",
        ),
        pytest.param(
            "lwc/card/card.js-meta.xml",
            "lwc/Card/card.js-meta.xml",
            {"LightningComponentBundle": ["Card"]},
            id="bundle",
        ),
    ],
)
def test_case_only_rename_is_a_modification(
    repo: Path, old: str, new: str, expected: dict[str, list[str]]
) -> None:
    files = {f"{BASE}/{old}": "<x/>"}
    if old.endswith(".cls"):
        files[f"{BASE}/{old}-meta.xml"] = "<x/>"
    write(repo, files)
    before = commit(repo, "lower")
    git(repo, "mv", f"{BASE}/{old}", f"{BASE}/{old}.tmp")
    (repo / f"{BASE}/{new}").parent.mkdir(parents=True, exist_ok=True)
    git(repo, "mv", f"{BASE}/{old}.tmp", f"{BASE}/{new}")
    if old.endswith(".cls"):
        git(repo, "mv", f"{BASE}/{old}-meta.xml", f"{BASE}/{new}-meta.xml")
    delta = _delta(repo, before, "case")
    assert delta.package == expected
    assert delta.destructive == {}


def test_deletion_kept_under_another_case_elsewhere_deploys_the_kept_one(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", package_dirs=("force-app", "core"))
    write(
        repo,
        {
            f"{BASE}/classes/foo.cls": "a",
            f"{BASE}/classes/foo.cls-meta.xml": "<x/>",
            "core/classes/Foo.cls": "b",
            "core/classes/Foo.cls-meta.xml": "<x/>",
        },
    )
    before = commit(repo, "two copies")
    remove(repo, f"{BASE}/classes/foo.cls", f"{BASE}/classes/foo.cls-meta.xml")
    delta = _delta(repo, before, "drop one")
    # ApexClass:foo and ApexClass:Foo are one class in the org: deleting it loses Foo
    assert delta.destructive == {}
    assert delta.package == {"ApexClass": ["Foo"]}
    assert set(delta.files) == {"core/classes/Foo.cls", "core/classes/Foo.cls-meta.xml"}


# --- 2 and 15: an unreadable XML file is a whole-file change, named with its commit --------


def test_file_emptied_at_to_is_deployed_whole_with_a_warning(repo: Path) -> None:
    path = f"{BASE}/translations/fr.translation-meta.xml"
    write(
        repo,
        {
            path: _xml(
                "Translations",
                "    <customLabels><label>Oui</label><name>Yes</name></customLabels>\n",
            )
        },
    )
    before = commit(repo, "fr")
    write(repo, {path: b""})
    delta = _delta(repo, before, "emptied")
    assert delta.package == {"Translations": ["fr"]}
    assert delta.contents[path] == b""
    assert any(
        w.startswith(f"{path} at --to {delta.to_sha[:12]}: not well-formed XML")
        for w in delta.warnings
    )


def test_labels_broken_at_from_and_fixed_at_to(repo: Path) -> None:
    path = f"{BASE}/labels/CustomLabels.labels-meta.xml"
    label = "    <labels><fullName>{0}</fullName><value>{0}</value></labels>\n"
    write(repo, {path: "<<<<<<< HEAD\n" + _xml("CustomLabels", label.format("A"))})
    before = commit(repo, "broken by a merge")
    write(repo, {path: _xml("CustomLabels", label.format("A") + label.format("B"))})
    delta = _delta(repo, before, "fixed")
    assert delta.package == {"CustomLabel": ["A", "B"]}
    assert delta.destructive == {}
    assert any(w.startswith(f"{path} at --from {delta.from_sha[:12]}:") for w in delta.warnings)


def test_profile_broken_at_from_is_deployed_whole(repo: Path) -> None:
    path = f"{BASE}/profiles/Support.profile-meta.xml"
    write(repo, {path: "<Profile><custom>"})
    before = commit(repo, "broken")
    good = _xml("Profile", "    <custom>true</custom>\n" + PERM.format("Account.A__c", "true"))
    write(repo, {path: good})
    delta = _delta(repo, before, "fixed")
    assert delta.package == {"Profile": ["Support"]}
    assert delta.contents[path] == good.encode()
    assert any(f"at --from {delta.from_sha[:12]}" in w for w in delta.warnings)


# --- 3: in-file children go with their container ---------------------------------------------


@pytest.mark.parametrize(
    ("folder", "suffix", "root", "element", "child"),
    [
        pytest.param("workflows", "workflow", "Workflow", "alerts", "WorkflowAlert", id="Workflow"),
        pytest.param(
            "matchingRules",
            "matchingRule",
            "MatchingRules",
            "matchingRules",
            "MatchingRule",
            id="MatchingRules",
        ),
        pytest.param(
            "sharingRules",
            "sharingRules",
            "SharingRules",
            "sharingOwnerRules",
            "SharingOwnerRule",
            id="SharingRules",
        ),
        pytest.param(
            "escalationRules",
            "escalationRules",
            "EscalationRules",
            "escalationRule",
            "EscalationRule",
            id="EscalationRules",
        ),
    ],
)
def test_in_file_child_is_listed_with_its_container(
    repo: Path, folder: str, suffix: str, root: str, element: str, child: str
) -> None:
    path = f"{BASE}/{folder}/Case.{suffix}-meta.xml"
    body = f"    <{element}><fullName>X</fullName><description>{{}}</description></{element}>\n"
    write(repo, {path: _xml(root, body.format("one"))})
    before = commit(repo, "one")
    write(repo, {path: _xml(root, body.format("two"))})
    delta = _delta(repo, before)
    assert delta.package == {child: ["Case.X"], root: ["Case"]}


def test_labels_stay_children_only(repo: Path) -> None:
    path = f"{BASE}/labels/CustomLabels.labels-meta.xml"
    write(
        repo,
        {
            path: _xml(
                "CustomLabels", "    <labels><fullName>A</fullName><value>1</value></labels>\n"
            )
        },
    )
    before = commit(repo, "one")
    write(
        repo,
        {
            path: _xml(
                "CustomLabels", "    <labels><fullName>A</fullName><value>2</value></labels>\n"
            )
        },
    )
    assert _delta(repo, before).package == {"CustomLabel": ["A"]}


# --- 4: decomposed children that need their parent's file -----------------------------------


def test_bot_version_brings_its_bot(repo: Path) -> None:
    folder = f"{BASE}/bots/Helper"
    write(
        repo,
        {
            f"{folder}/Helper.bot-meta.xml": _xml("Bot", "    <label>Helper</label>\n"),
            f"{folder}/v1.botVersion-meta.xml": _xml("BotVersion", "    <fullName>v1</fullName>\n"),
            f"{folder}/v2.botVersion-meta.xml": _xml("BotVersion", "    <fullName>v2</fullName>\n"),
        },
    )
    before = commit(repo, "bot")
    write(
        repo,
        {
            f"{folder}/v2.botVersion-meta.xml": _xml(
                "BotVersion", "    <fullName>v2</fullName>\n    <description>x</description>\n"
            )
        },
    )
    delta = _delta(repo, before)
    assert delta.package == {"Bot": ["Helper"], "BotVersion": ["Helper.v2"]}
    assert set(delta.files) == {f"{folder}/Helper.bot-meta.xml", f"{folder}/v2.botVersion-meta.xml"}
    after = git(repo, "rev-parse", "HEAD")
    remove(repo, f"{folder}/v1.botVersion-meta.xml")
    deleted = _delta(repo, after, "drop v1")
    assert deleted.destructive == {"BotVersion": ["Helper.v1"]}
    assert deleted.package == {}


# --- 5: Digital Experience, any layout, as sf names it ----------------------------------------


def test_digital_experience_non_standard_layout_and_lost_file(repo: Path) -> None:
    item = f"{BASE}/digitalExperiences/site/Store1/home"
    write(repo, {f"{item}/content.json": "{}", f"{item}/_meta.json": "{}", f"{item}/fr.json": "{}"})
    before = commit(repo, "site")
    remove(repo, f"{item}/fr.json")
    delta = _delta(repo, before, "lost a variant")
    # sf: `digitalExperiences/site/Store1/home/content.json` is this item (no content-type folder)
    assert delta.package == {"DigitalExperience": ["site/Store1.Store1/home"]}
    assert delta.destructive == {}  # the item lost a file: modified, not deleted
    assert set(delta.files) == {f"{item}/content.json", f"{item}/_meta.json"}


def test_digital_experience_content_item_deleted(repo: Path) -> None:
    site = f"{BASE}/digitalExperiences/site/Store1"
    write(
        repo,
        {
            f"{site}/Store1.digitalExperience-meta.xml": _xml("DigitalExperienceBundle", ""),
            f"{site}/sfdc_cms__view/home/content.json": "{}",
            f"{site}/sfdc_cms__view/about/content.json": "{}",
        },
    )
    before = commit(repo, "site")
    remove(repo, f"{site}/sfdc_cms__view/about")
    delta = _delta(repo, before, "drop about")
    assert delta.destructive == {"DigitalExperience": ["site/Store1.sfdc_cms__view/about"]}


# --- 6: a single-file type without -meta.xml ----------------------------------------------------


def test_wave_application_without_meta(repo: Path) -> None:
    write(repo, {f"{BASE}/wave/MyApp.wapp": '{"a": 1}', f"{BASE}/wave/Old.wapp": "{}"})
    before = commit(repo, "apps")
    write(repo, {f"{BASE}/wave/MyApp.wapp": '{"a": 2}'})
    remove(repo, f"{BASE}/wave/Old.wapp")
    delta = _delta(repo, before)
    assert delta.package == {"WaveApplication": ["MyApp"]}
    assert delta.destructive == {"WaveApplication": ["Old"]}
    assert delta.files == [f"{BASE}/wave/MyApp.wapp"]


def test_content_file_without_its_meta_is_a_warning(repo: Path) -> None:
    write(repo, {f"{BASE}/wave/Comp.wcomp": "{}"})
    delta = _delta(repo, git(repo, "rev-parse", "HEAD"))
    assert delta.is_empty()
    assert any("WaveComponent:Comp" in w and "left out" in w for w in delta.warnings)


def test_unplaceable_path_is_a_warning(repo: Path) -> None:
    write(repo, {f"{BASE}/lwc/jsconfig.json": "{}", f"{BASE}/notes/README.txt": "x"})
    delta = _delta(repo, git(repo, "rev-parse", "HEAD"))
    assert delta.is_empty()
    warned = " ".join(delta.warnings)
    assert f"{BASE}/lwc/jsconfig.json" in warned and f"{BASE}/notes/README.txt" in warned


# --- 7: every file of a component, in every package directory ---------------------------------


def test_object_in_two_package_dirs_copies_both(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", package_dirs=("force-app", "core"))
    one = f"{BASE}/objects/Account/Account.object-meta.xml"
    two = "core/objects/Account/Account.object-meta.xml"
    write(
        repo,
        {
            one: _xml("CustomObject", "    <enableHistory>true</enableHistory>\n"),
            two: _xml("CustomObject", "    <label>A</label>\n"),
        },
    )
    before = commit(repo, "object")
    write(repo, {two: _xml("CustomObject", "    <label>B</label>\n")})
    delta = _delta(repo, before)
    assert delta.package == {"CustomObject": ["Account"]}
    assert set(delta.files) == {one, two}


def test_object_brings_its_master_detail_fields(repo: Path) -> None:
    obj = f"{BASE}/objects/Line__c"
    write(
        repo,
        {
            f"{obj}/Line__c.object-meta.xml": _xml(
                "CustomObject", "    <sharingModel>ControlledByParent</sharingModel>\n"
            ),
            f"{obj}/fields/Inv__c.field-meta.xml": _xml(
                "CustomField", "    <type>MasterDetail</type>\n"
            ),
            f"{obj}/fields/Note__c.field-meta.xml": _xml("CustomField", "    <type>Text</type>\n"),
        },
    )
    before = commit(repo, "object")
    write(
        repo,
        {
            f"{obj}/Line__c.object-meta.xml": _xml(
                "CustomObject",
                "    <sharingModel>ControlledByParent</sharingModel>\n    <label>L</label>\n",
            )
        },
    )
    delta = _delta(repo, before)
    assert delta.package == {"CustomObject": ["Line__c"]}
    assert set(delta.files) == {
        f"{obj}/Line__c.object-meta.xml",
        f"{obj}/fields/Inv__c.field-meta.xml",
    }


# --- 8: whitespace inside a text value is content --------------------------------------------


def test_whitespace_in_a_label_value_is_a_change(repo: Path) -> None:
    path = f"{BASE}/labels/CustomLabels.labels-meta.xml"
    label = "    <labels><fullName>Plan</fullName><value>{}</value></labels>\n"
    write(repo, {path: _xml("CustomLabels", label.format(" Leistungszeitpläne"))})
    before = commit(repo, "space")
    write(repo, {path: _xml("CustomLabels", label.format("Leistungszeitpläne"))})
    assert _delta(repo, before).package == {"CustomLabel": ["Plan"]}


# --- 9: a standard object's deleted children are deleted one by one -------------------------


def test_standard_object_children_listed_one_by_one(repo: Path) -> None:
    folder = f"{BASE}/objects/Account"
    write(
        repo,
        {
            f"{folder}/Account.object-meta.xml": _xml(
                "CustomObject", "    <enableHistory>true</enableHistory>\n"
            ),
            f"{folder}/listViews/Mine.listView-meta.xml": _xml(
                "ListView", "    <label>Mine</label>\n"
            ),
            f"{folder}/fields/Tier__c.field-meta.xml": _xml(
                "CustomField", "    <type>Text</type>\n"
            ),
        },
    )
    before = commit(repo, "account")
    remove(repo, folder)
    delta = _delta(repo, before, "drop")
    assert delta.destructive == {"CustomField": ["Account.Tier__c"], "ListView": ["Account.Mine"]}
    assert any(w.startswith("CustomObject:Account: a standard object") for w in delta.warnings)


def test_custom_object_deletion_covers_its_children(repo: Path) -> None:
    folder = f"{BASE}/objects/Inv__c"
    write(
        repo,
        {
            f"{folder}/Inv__c.object-meta.xml": _xml("CustomObject", "    <label>Inv</label>\n"),
            f"{folder}/listViews/All.listView-meta.xml": _xml(
                "ListView", "    <label>All</label>\n"
            ),
        },
    )
    before = commit(repo, "inv")
    remove(repo, folder)
    assert _delta(repo, before, "drop").destructive == {"CustomObject": ["Inv__c"]}


# --- 11 (delta side): a deleted flow is listed; the flow's translations go with a changed flow ---


def test_changed_flow_brings_the_translations_that_name_it(repo: Path) -> None:
    flow = f"{BASE}/flows/Onboard.flow-meta.xml"
    de = f"{BASE}/translations/de.translation-meta.xml"
    es = f"{BASE}/translations/es.translation-meta.xml"
    write(
        repo,
        {
            flow: _xml("Flow", "    <label>v1</label>\n"),
            de: _xml(
                "Translations",
                "    <flowDefinitions><fullName>Onboard</fullName><label>Ein</label>"
                "</flowDefinitions>\n",
            ),
            es: _xml(
                "Translations", "    <customLabels><name>X</name><label>x</label></customLabels>\n"
            ),
        },
    )
    before = commit(repo, "flow")
    write(repo, {flow: _xml("Flow", "    <label>v2</label>\n")})
    delta = _delta(repo, before)
    # a deployed flow is a new version, which has no translations unless they come with it
    assert delta.package == {"Flow": ["Onboard"], "Translations": ["de"]}
    assert de in delta.files and es not in delta.files


# --- 12: sfdx-git-delta's options, and added vs modified --------------------------------------


def test_added_and_modified_are_told_apart(repo: Path) -> None:
    write(repo, {f"{BASE}/classes/Old.cls": "a", f"{BASE}/classes/Old.cls-meta.xml": "<x/>"})
    before = commit(repo, "old")
    write(
        repo,
        {
            f"{BASE}/classes/Old.cls": "b",
            f"{BASE}/classes/New.cls": "n",
            f"{BASE}/classes/New.cls-meta.xml": "<x/>",
            f"{BASE}/labels/CustomLabels.labels-meta.xml": _xml(
                "CustomLabels", "    <labels><fullName>L</fullName></labels>\n"
            ),
        },
    )
    delta = _delta(repo, before)
    assert delta.added == {"ApexClass": ["New"], "CustomLabel": ["L"]}
    assert delta.modified == {"ApexClass": ["Old"]}
