"""Deltas between real commits: every sample type added, modified and deleted, and the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitfixtures import commit, git, init_project, remove, write
from metadata_samples import CASES, IN_FILE, Case, content_for, element_member
from sfsync.errors import UsageError
from sfsync.metadata.delta import Delta, compute_delta, flatten

BASE = "force-app/main/default"
NS = "http://soap.sforce.com/2006/04/metadata"


def _members(types: dict[str, list[str]]) -> set[str]:
    return set(flatten(types))


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Delta]:
    """One repository: all sample components added, then all modified, then all deleted."""
    repo = init_project(tmp_path_factory.mktemp("lifecycle") / "repo")
    start = git(repo, "rev-parse", "HEAD")
    write(repo, {p: content_for(p, c.id, 1) for c in CASES for p in c.paths})
    added = commit(repo, "add")
    write(repo, {p: content_for(p, c.id, 2) for c in CASES for p in c.paths})
    modified = commit(repo, "modify")
    remove(repo, "force-app")
    deleted = commit(repo, "delete")
    return {
        "add": compute_delta(repo, start, added),
        "modify": compute_delta(repo, added, modified),
        "delete": compute_delta(repo, modified, deleted),
    }


def _deployed(case: Case) -> str:
    return element_member(case) if case.id in IN_FILE else case.expected


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_addition(lifecycle: dict[str, Delta], case: Case) -> None:
    delta = lifecycle["add"]
    assert _deployed(case) in _members(delta.package)
    assert not _members(delta.destructive)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_modification(lifecycle: dict[str, Delta], case: Case) -> None:
    delta = lifecycle["modify"]
    assert _deployed(case) in _members(delta.package)
    assert not _members(delta.destructive)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_deletion(lifecycle: dict[str, Delta], case: Case) -> None:
    delta = lifecycle["delete"]
    destructive = _members(delta.destructive)
    member = _deployed(case)
    assert member not in _members(delta.package)
    type_name, name = member.split(":", 1)
    if type_name == "RecordType":
        assert member not in destructive
        assert any(w.startswith(member + " was deleted") for w in delta.warnings)
    elif type_name == "Flow":
        # listed like sfdx-git-delta lists it; the warning says the deploy step deactivates it
        assert member in destructive
        warned = [w for w in delta.warnings if w.startswith(member + " is deleted")]
        assert warned and "deactivate" in warned[0]
    elif member in destructive:
        pass
    else:
        # a child goes with its deleted parent (the object, the bot, the bundle)
        parents = {m for m in destructive if name.startswith(m.split(":", 1)[1] + ".")}
        assert parents, f"{member} neither deleted nor covered by a deleted parent"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_project(tmp_path / "repo")


def _xml(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'


def test_file_removed_from_existing_bundle_is_a_modification(repo: Path) -> None:
    write(
        repo,
        {
            f"{BASE}/lwc/card/card.js": "a",
            f"{BASE}/lwc/card/card.html": "<template/>",
            f"{BASE}/lwc/card/card.js-meta.xml": _xml("LightningComponentBundle", ""),
        },
    )
    before = commit(repo, "card")
    remove(repo, f"{BASE}/lwc/card/card.html")
    after = commit(repo, "drop html")
    delta = compute_delta(repo, before, after)
    assert delta.package == {"LightningComponentBundle": ["card"]}
    assert delta.destructive == {}
    assert f"{BASE}/lwc/card/card.js" in delta.files
    assert f"{BASE}/lwc/card/card.html" not in delta.files


def test_whole_bundle_removed_is_destroyed(repo: Path) -> None:
    write(
        repo,
        {
            f"{BASE}/aura/Banner/Banner.cmp": "<aura:component/>",
            f"{BASE}/aura/Banner/Banner.cmp-meta.xml": _xml("AuraDefinitionBundle", ""),
        },
    )
    before = commit(repo, "banner")
    remove(repo, f"{BASE}/aura/Banner")
    delta = compute_delta(repo, before, commit(repo, "drop"))
    assert delta.destructive == {"AuraDefinitionBundle": ["Banner"]}
    assert delta.package == {}


def test_move_to_other_folder_or_package_dir_is_not_destroyed(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", package_dirs=("force-app", "core"))
    write(
        repo,
        {
            f"{BASE}/classes/Svc.cls": "class Svc {}",
            f"{BASE}/classes/Svc.cls-meta.xml": _xml("ApexClass", ""),
        },
    )
    before = commit(repo, "svc")
    (repo / "core" / "main").mkdir(parents=True)
    git(repo, "mv", f"{BASE}/classes", "core/main/services")
    after = commit(repo, "move")
    delta = compute_delta(repo, before, after)
    assert delta.destructive == {}
    assert delta.package == {"ApexClass": ["Svc"]}


def test_in_folder_move_is_a_different_component(repo: Path) -> None:
    write(repo, {f"{BASE}/reports/Old/Pipe.report-meta.xml": _xml("Report", "")})
    before = commit(repo, "report")
    git(repo, "mv", f"{BASE}/reports/Old", f"{BASE}/reports/New")
    delta = compute_delta(repo, before, commit(repo, "move"))
    assert delta.package == {"Report": ["New/Pipe"]}
    assert delta.destructive == {"Report": ["Old/Pipe"]}


def test_custom_labels_are_diffed_per_label(repo: Path) -> None:
    labels = f"{BASE}/labels/CustomLabels.labels-meta.xml"

    def label(name: str, value: str) -> str:
        return f"    <labels><fullName>{name}</fullName><value>{value}</value></labels>\n"

    write(
        repo,
        {
            labels: _xml(
                "CustomLabels", label("Keep", "k") + label("Edit", "1") + label("Gone", "g")
            )
        },
    )
    before = commit(repo, "labels")
    # reformatted + one edit + one new + one removed
    write(
        repo,
        {
            labels: _xml(
                "CustomLabels", label("Edit", "2") + label("New", "n") + "  " + label("Keep", "k")
            )
        },
    )
    delta = compute_delta(repo, before, commit(repo, "edit"), load_sources=True)
    assert delta.package == {"CustomLabel": ["Edit", "New"]}
    assert delta.destructive == {"CustomLabel": ["Gone"]}
    copied = delta.contents[labels].decode()
    assert "<fullName>Edit</fullName>" in copied and "<fullName>New</fullName>" in copied
    assert "<fullName>Keep</fullName>" not in copied


def test_workflow_elements_become_child_members(repo: Path) -> None:
    wf = f"{BASE}/workflows/Case.workflow-meta.xml"
    write(
        repo,
        {
            wf: _xml(
                "Workflow",
                "    <alerts><fullName>Notify</fullName><description>a</description></alerts>\n"
                "    <rules><fullName>Escalate</fullName><active>true</active></rules>\n",
            )
        },
    )
    before = commit(repo, "wf")
    write(
        repo,
        {
            wf: _xml(
                "Workflow",
                "    <rules><fullName>Escalate</fullName><active>false</active></rules>\n",
            )
        },
    )
    delta = compute_delta(repo, before, commit(repo, "edit"))
    # the container goes with its changed child: sf converts a child alone into the wrong folder
    assert delta.package == {"Workflow": ["Case"], "WorkflowRule": ["Case.Escalate"]}
    assert delta.destructive == {"WorkflowAlert": ["Case.Notify"]}


def test_profile_is_pruned_to_changed_elements(repo: Path) -> None:
    profile = f"{BASE}/profiles/Support.profile-meta.xml"

    def perm(field: str, edit: str) -> str:
        return (
            f"    <fieldPermissions><editable>{edit}</editable><field>{field}</field>"
            "<readable>true</readable></fieldPermissions>\n"
        )

    body = "    <custom>true</custom>\n{}    <userLicense>Salesforce</userLicense>\n"
    write(
        repo,
        {
            profile: _xml(
                "Profile", body.format(perm("Account.A__c", "true") + perm("Account.B__c", "true"))
            )
        },
    )
    before = commit(repo, "profile")
    write(
        repo,
        {
            profile: _xml(
                "Profile", body.format(perm("Account.A__c", "true") + perm("Account.B__c", "false"))
            )
        },
    )
    delta = compute_delta(repo, before, commit(repo, "edit"), load_sources=True)
    assert delta.package == {"Profile": ["Support"]}
    copied = delta.contents[profile].decode()
    assert "Account.B__c" in copied and "Account.A__c" not in copied
    assert "<userLicense>Salesforce</userLicense>" in copied and "<custom>true</custom>" in copied


def test_whitespace_only_change_of_a_profile_is_no_change(repo: Path) -> None:
    profile = f"{BASE}/profiles/Support.profile-meta.xml"
    write(repo, {profile: _xml("Profile", "    <custom>true</custom>\n")})
    before = commit(repo, "profile")
    write(repo, {profile: _xml("Profile", "  <custom>true</custom>\n\n")})
    assert compute_delta(repo, before, commit(repo, "fmt")).is_empty()


def test_object_translation_is_deployed_whole(repo: Path) -> None:
    folder = f"{BASE}/objectTranslations/Account-es"
    write(
        repo,
        {
            f"{folder}/Account-es.objectTranslation-meta.xml": _xml(
                "CustomObjectTranslation",
                "    <caseValues><value>Cuenta</value></caseValues>\n"
                "    <gender>Feminine</gender>\n",
            ),
            f"{folder}/Tier__c.fieldTranslation-meta.xml": _xml(
                "CustomFieldTranslation", "    <label>Nivel</label>\n"
            ),
        },
    )
    before = commit(repo, "cot")
    write(
        repo,
        {
            f"{folder}/Tier__c.fieldTranslation-meta.xml": _xml(
                "CustomFieldTranslation", "    <label>Rango</label>\n"
            )
        },
    )
    delta = compute_delta(repo, before, commit(repo, "edit"), load_sources=True)
    assert delta.package == {"CustomObjectTranslation": ["Account-es"]}
    # no guarantee that the org merges it: every file, as committed
    root = delta.contents[f"{folder}/Account-es.objectTranslation-meta.xml"].decode()
    assert "<gender>Feminine</gender>" in root and "<caseValues>" in root
    assert b"Rango" in delta.contents[f"{folder}/Tier__c.fieldTranslation-meta.xml"]


def test_master_detail_field_brings_its_object(repo: Path) -> None:
    obj = f"{BASE}/objects/Line__c"
    write(
        repo,
        {
            f"{obj}/Line__c.object-meta.xml": _xml("CustomObject", "    <label>Line</label>\n"),
            f"{obj}/fields/Name__c.field-meta.xml": _xml("CustomField", "    <type>Text</type>\n"),
        },
    )
    before = commit(repo, "object")
    write(
        repo,
        {
            f"{obj}/fields/Invoice__c.field-meta.xml": _xml(
                "CustomField", "    <type>MasterDetail</type>\n"
            ),
            f"{obj}/fields/Name__c.field-meta.xml": _xml(
                "CustomField", "    <type>LongText</type>\n"
            ),
        },
    )
    delta = compute_delta(repo, before, commit(repo, "md"))
    assert delta.package == {"CustomField": ["Line__c.Invoice__c", "Line__c.Name__c"]}
    assert f"{obj}/Line__c.object-meta.xml" in delta.files


def test_text_field_alone_does_not_copy_object(repo: Path) -> None:
    obj = f"{BASE}/objects/Line__c"
    write(
        repo, {f"{obj}/Line__c.object-meta.xml": _xml("CustomObject", "    <label>Line</label>\n")}
    )
    before = commit(repo, "object")
    write(
        repo,
        {f"{obj}/fields/Name__c.field-meta.xml": _xml("CustomField", "    <type>Text</type>\n")},
    )
    delta = compute_delta(repo, before, commit(repo, "field"))
    assert delta.files == [f"{obj}/fields/Name__c.field-meta.xml"]


def test_manifest_order_and_api_version(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", api_version="59.0")
    write(
        repo,
        {
            f"{BASE}/objects/Z__c/Z__c.object-meta.xml": _xml(
                "CustomObject", "    <label>Z</label>\n"
            ),
            f"{BASE}/classes/B.cls": "x",
            f"{BASE}/classes/B.cls-meta.xml": _xml("ApexClass", ""),
            f"{BASE}/classes/A.cls": "x",
            f"{BASE}/classes/A.cls-meta.xml": _xml("ApexClass", ""),
        },
    )
    first = git(repo, "rev-parse", "HEAD")
    after = commit(repo, "add")
    delta = compute_delta(repo, first, after)
    assert list(delta.package) == ["CustomObject", "ApexClass"]
    assert delta.package["ApexClass"] == ["A", "B"]
    assert delta.api_version == "59.0"
    assert compute_delta(repo, first, after, api_version="61.0").api_version == "61.0"


def test_missing_api_version_warns(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", api_version=None)
    head = git(repo, "rev-parse", "HEAD")
    delta = compute_delta(repo, head, head)
    assert delta.is_empty()
    assert any("sourceApiVersion" in w for w in delta.warnings)


def test_forceignored_changes_are_skipped(repo: Path) -> None:
    write(repo, {".forceignore": "**/classes/Scratch*\n"})
    before = commit(repo, "ignore")
    write(
        repo, {f"{BASE}/classes/Scratch.cls": "x", f"{BASE}/classes/Scratch.cls-meta.xml": "<x/>"}
    )
    assert compute_delta(repo, before, commit(repo, "scratch")).is_empty()


def test_source_dir_narrows_the_diff(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    write(
        repo,
        {
            f"{BASE}/classes/A.cls": "x",
            f"{BASE}/classes/A.cls-meta.xml": "<x/>",
            f"{BASE}/pages/P.page": "x",
            f"{BASE}/pages/P.page-meta.xml": "<x/>",
        },
    )
    after = commit(repo, "two")
    delta = compute_delta(repo, before, after, source_dirs=[f"{BASE}/pages"])
    assert delta.package == {"ApexPage": ["P"]}


def test_merge_base_mode_ignores_changes_only_on_from_side(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, {f"{BASE}/classes/F.cls": "x", f"{BASE}/classes/F.cls-meta.xml": "<x/>"})
    feature = commit(repo, "feature")
    git(repo, "checkout", "-q", "main")
    write(repo, {f"{BASE}/classes/M.cls": "x", f"{BASE}/classes/M.cls-meta.xml": "<x/>"})
    main = commit(repo, "main")
    two_dot = compute_delta(repo, main, feature)
    assert two_dot.destructive == {"ApexClass": ["M"]}
    three_dot = compute_delta(repo, main, feature, merge_base=True)
    assert three_dot.from_sha == base
    assert three_dot.package == {"ApexClass": ["F"]} and three_dot.destructive == {}


@pytest.mark.parametrize(
    ("from_ref", "to_ref", "message"),
    [
        pytest.param("nope", "HEAD", "--from 'nope': no such commit", id="bad-from"),
        pytest.param("HEAD~1", "nope", "--to 'nope': no such commit", id="bad-to"),
        pytest.param("HEAD", "HEAD~1", "look swapped", id="swapped"),
    ],
)
def test_bad_refs_are_usage_errors(repo: Path, from_ref: str, to_ref: str, message: str) -> None:
    write(repo, {"x.txt": "x"})
    commit(repo, "second")
    with pytest.raises(UsageError, match=message):
        compute_delta(repo, from_ref, to_ref)


def test_shallow_clone_missing_history(tmp_path: Path) -> None:
    origin = init_project(tmp_path / "origin")
    for n in range(3):
        write(origin, {f"{BASE}/classes/C{n}.cls": "x"})
        commit(origin, f"c{n}")
    first = git(origin, "rev-list", "--max-parents=0", "HEAD")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    with pytest.raises(UsageError, match="shallow clone"):
        compute_delta(clone, first, "HEAD")


def test_label_moved_between_package_dirs_is_not_deleted(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", package_dirs=("force-app", "core"))
    one = f"{BASE}/labels/CustomLabels.labels-meta.xml"
    two = "core/labels/CustomLabels.labels-meta.xml"
    label = "    <labels><fullName>Moved</fullName><value>v</value></labels>\n"
    write(repo, {one: _xml("CustomLabels", label), two: _xml("CustomLabels", "")})
    before = commit(repo, "labels")
    write(repo, {one: _xml("CustomLabels", ""), two: _xml("CustomLabels", label)})
    delta = compute_delta(repo, before, commit(repo, "move label"))
    assert delta.package == {"CustomLabel": ["Moved"]}
    assert delta.destructive == {}


def test_package_dir_with_glob_characters_is_literal(tmp_path: Path) -> None:
    repo = init_project(tmp_path / "r", package_dirs=("app[1]",))
    before = git(repo, "rev-parse", "HEAD")
    write(
        repo,
        {
            "app[1]/classes/A.cls": "x",
            "app[1]/classes/A.cls-meta.xml": "<x/>",
            "app1/classes/B.cls": "x",
            "app1/classes/B.cls-meta.xml": "<x/>",
        },
    )
    delta = compute_delta(repo, before, commit(repo, "two dirs"))
    assert delta.package == {"ApexClass": ["A"]}


def test_project_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(
        repo,
        {
            "sf/sfdx-project.json": '{"packageDirectories": [{"path": "force-app"}]}',
            "web/classes/NotMe.cls": "x",
        },
    )
    before = commit(repo, "mono")
    write(
        repo,
        {
            "sf/force-app/classes/A.cls": "x",
            "sf/force-app/classes/A.cls-meta.xml": "<x/>",
            "web/classes/Other.cls": "x",
        },
    )
    after = commit(repo, "change")
    delta = compute_delta(repo / "sf", before, after, load_sources=True)
    assert delta.prefix == "sf"
    assert delta.package == {"ApexClass": ["A"]}
    assert set(delta.contents) == {"force-app/classes/A.cls", "force-app/classes/A.cls-meta.xml"}
