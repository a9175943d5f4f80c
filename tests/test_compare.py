"""`sfsync compare` with the real sf CLI against two emulated orgs, and a backup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orgsample import apex, custom_object, fresh_org, git, make_repo, run, source_project
from sfemu.emulator import OrgHandle
from sfemu.testing import LoggedInOrg, SfCli
from sfsync.errors import UsageError
from sfsync.org.listed import Listed
from sfsync.pipeline import project
from sfsync.pipeline.config import Environment
from sfsync.workflows import compare


@pytest.fixture
def orgs(
    tmp_path: Path, sfemu_login: Callable[..., LoggedInOrg], sf_home: Path, sf_cli: SfCli
) -> tuple[Path, OrgHandle, OrgHandle]:
    uat = fresh_org(sfemu_login, "cm-uat")
    prod = fresh_org(sfemu_login, "cm-prod", sandbox=False)
    repo = make_repo(
        tmp_path, {"prod": "cm-prod", "uat": "cm-uat", "dev1": "cm-dev1"}, source_project()
    )
    for alias in ("cm-uat", "cm-prod"):
        done = sf_cli.run(
            "project", "deploy", "start", "--source-dir", "force-app", "-o", alias, cwd=repo
        )
        assert done.exit_code == 0, done.stdout[-2000:]
    return repo, uat, prod


def names(entries: list[dict[str, Any]]) -> list[str]:
    return [e["component"] for e in entries]


@pytest.mark.e2e
def test_compare_two_orgs_then_deploy_the_chosen_differences(
    orgs: tuple[Path, OrgHandle, OrgHandle], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    repo, uat, prod = orgs
    uat.put_many(apex("Util", "// v2 from uat"), by="Ana Admin")
    uat.put_many(apex("NewThing"), by="Ana Admin")
    prod.put_many(apex("Legacy"), by="Old Admin")
    # a hotfix made in prod's Setup, not in git: work that exists only in prod's org
    obj = custom_object("Widget__c", {"Size__c": "Size (hotfix)", "Weight__c": "Weight"})
    text = prod.read_text("objects/Widget__c.object")
    start = text.index("<fields>")
    prod.put(
        "objects/Widget__c.object",
        text[:start]
        + obj["objects/Widget__c.object"][obj["objects/Widget__c.object"].index("<fields>") :],
        by="Hot Fixer",
    )

    code, out = run(
        repo, "compare", "uat", "prod", "--show", "ApexClass:Util", monkeypatch=monkeypatch,
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    result = out["result"]
    assert names(result["onlyInA"]) == ["ApexClass:NewThing"]
    assert names(result["onlyInB"]) == ["ApexClass:Legacy"]
    assert names(result["different"]) == ["ApexClass:Util", "CustomField:Widget__c.Size__c"]
    assert result["different"][0]["a"]["lastModifiedByName"] == "Ana Admin"
    assert result["same"] >= 5  # the object, a field, the report and its folder, a class
    diff = result["diffs"]["ApexClass:Util"]
    assert "--- a/force-app/main/default/classes/Util.cls" in diff
    assert "+public class Util { }" in diff.replace(
        "+public class Util {  }", "+public class Util { }"
    )

    # the field changed only in prod's org is protected: nothing is deployed
    before = len(prod.deployments())
    args = ("compare", "uat", "prod", "--types", "ApexClass,CustomObject", "--yes")
    code, out = run(
        repo, *args, "--deploy", "ApexClass:Util", "--deploy", "CustomField:Widget__c.Size__c",
        monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 1, out
    assert out["name"] == "InOrgWork"
    assert "CustomField:Widget__c.Size__c (changed in the org by Hot Fixer" in out["message"]
    assert len(prod.deployments()) == before
    assert "v2 from uat" not in prod.read_text("classes/Util.cls")

    # the rest goes through the deploy step: snapshot, deploy, recorded event
    code, out = run(
        repo, *args, "--deploy", "ApexClass:Util", "--deploy", "ApexClass:NewThing",
        "--deploy", "ApexClass:Legacy", monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 0, out
    step = out["result"]["step"]
    assert step["kind"] == "compare-deploy"
    assert sorted(step["deployed"]) == ["ApexClass:NewThing", "ApexClass:Util"]
    assert step["deleted"] == ["ApexClass:Legacy"]
    assert step["snapshot"].startswith("refs/sfsync/snapshots/prod/")
    assert "v2 from uat" in prod.read_text("classes/Util.cls")
    assert prod.exists("classes/NewThing.cls") and not prod.exists("classes/Legacy.cls")
    assert "Size (hotfix)" in prod.read_text("objects/Widget__c.object")  # left alone
    record = prod.deployments()[-1]
    assert sorted(record["deployed"]) == ["ApexClass:NewThing", "ApexClass:Util"]
    assert record["deleted"] == ["ApexClass:Legacy"]
    log = git(repo, "log", "-1", "--format=%B", "refs/sfsync/envs/prod")
    assert log.startswith("compare-deploy prod")
    assert git(repo, "cat-file", "-e", step["snapshot"]) == ""


CLS = "force-app/main/default/classes"


def side(kind: str, files: dict[str, str], env: Environment | None = None) -> compare.Side:
    comps = {}
    for path in files:
        if path.endswith(".cls"):
            name = path.rsplit("/", 1)[1][:-4]
            comps[f"ApexClass:{name}"] = Listed("ApexClass", name, modified_by="Ana")
    data = {p: t.encode() for p, t in files.items()}
    return compare.Side(kind, kind, "org", comps, data, env=env)


def comparison(b_env: Environment | None) -> compare.Result:
    a = side("a", {f"{CLS}/Foo.cls": "class Foo { v2 }\n", f"{CLS}/New.cls": "class New {}\n"})
    b = side("b", {f"{CLS}/Foo.cls": "class Foo { v1 }\n", f"{CLS}/Old.cls": "x\n"}, b_env)
    return compare.Result(
        a=a,
        b=b,
        types=("ApexClass",),
        only_a=(compare.Entry("ApexClass:New", a.components["ApexClass:New"], None),),
        only_b=(compare.Entry("ApexClass:Old", None, b.components["ApexClass:Old"]),),
        different=(
            compare.Entry(
                "ApexClass:Foo", a.components["ApexClass:Foo"], b.components["ApexClass:Foo"]
            ),
        ),
        same=0,
        sf_calls=0,
    )


def test_diff_of_a_component(tmp_path: Path) -> None:
    result = comparison(None)
    diff = result.diff("ApexClass:Foo")
    assert f"--- a/{CLS}/Foo.cls" in diff and f"+++ b/{CLS}/Foo.cls" in diff
    assert "-class Foo { v2 }" in diff and "+class Foo { v1 }" in diff
    assert "+++ /dev/null" in result.diff("ApexClass:New")
    with pytest.raises(UsageError, match="neither a nor b has it"):
        result.diff("ApexClass:Nope")


def test_what_deploy_accepts(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"prod": "p", "uat": "u", "dev1": "d"}, source_project())
    proj = project.load(repo)
    with pytest.raises(UsageError, match="B to be an environment"):
        compare.plan_deploy(proj, comparison(None), ["ApexClass:Foo"])
    result = comparison(proj.config.env("prod"))
    plan = compare.plan_deploy(proj, result, ["ApexClass:Foo", "ApexClass:New", "ApexClass:Old"])
    assert (plan.deploy, plan.delete) == (("ApexClass:Foo", "ApexClass:New"), ("ApexClass:Old",))
    with pytest.raises(UsageError, match="not a difference"):
        compare.plan_deploy(proj, result, ["ApexClass:Same"])
    with pytest.raises(UsageError, match="two different sides"):
        compare.run(proj, "prod", "prod")
    with pytest.raises(UsageError, match="neither an environment"):
        compare.run(proj, "prod", "nothing-like-it", types=["ApexClass"])
