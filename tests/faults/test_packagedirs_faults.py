"""The fault matrix, package directory rows: `packageDirectories` spelled in another case than
the folder git holds (`Force-App` for `force-app`), and package directories git has no file in.

`sf` accepts `Force-App` where the disk is case-insensitive (macOS, Windows) and refuses it
where it is not (Linux): sfsync must see the files `sf` deploys on the first, and say why
nothing matches on the second, instead of passing every hook and writing empty deltas.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import CLASSES, Pipeline, cls, git
from sfemu.testing import SfCli
from sfsync.metadata import packagedirs

MISCASED = '{"packageDirectories": [{"path": "Force-App", "default": true}]}\n'


def case_insensitive(folder: Path) -> bool:
    """True when the file system of `folder` finds a name whatever its case."""
    probe = folder / "case-probe"
    probe.mkdir(exist_ok=True)
    try:
        return (folder / "CASE-PROBE").is_dir()
    finally:
        probe.rmdir()


def sfsync(repo: Path, *args: str) -> tuple[int, str, str]:
    """`sfsync ARGS` as a separate process: (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("segment", "names", "found_anyway", "expected"),
    [
        pytest.param("force-app", ["force-app", "docs"], False, "force-app", id="exact"),
        pytest.param("Force-App", ["force-app", "docs"], True, "force-app", id="insensitive-disk"),
        pytest.param("Force-App", ["force-app", "docs"], False, None, id="sensitive-disk"),
        pytest.param("FORCE-APP", ["Force-App"], True, "Force-App", id="either-way"),
        pytest.param("src", ["Src", "SRC"], True, "src", id="ambiguous-keeps-the-spelling"),
        pytest.param("missing", ["force-app"], False, None, id="absent"),
    ],
)
def test_a_segment_opens_what_the_file_system_opens(
    segment: str, names: list[str], found_anyway: bool, expected: str | None
) -> None:
    assert packagedirs.match_segment(segment, names, lambda _s: found_anyway) == expected


@pytest.fixture
def miscased(tmp_path: Path) -> tuple[Pipeline, Path]:
    """dev1's project names `Force-App` while git holds `force-app/`; int deployed Foo."""
    pipe = Pipeline(tmp_path)
    pipe.deploy("main", {"sfdx-project.json": MISCASED}, "Force-App")
    for branch in ("uat", "int"):
        git(pipe.admin, "checkout", "-q", branch)
        git(pipe.admin, "merge", "-q", "--ff-only", "main")
        git(pipe.admin, "push", "-q", "origin", branch)
    dev = pipe.developer("dev1")
    pipe.deploy("int", cls("Foo"), "Foo on int")
    git(dev, "fetch", "-q", "origin")
    return pipe, dev


def test_a_miscased_package_dir_on_a_case_sensitive_disk_is_named(
    miscased: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = miscased
    if case_insensitive(dev):
        pytest.skip("this disk is case-insensitive: see the test below")

    code, _out, err = sfsync(dev, "check")
    validate = sfsync(dev, "config", "validate", "--json")
    delta = sfsync(dev, "delta", "--from", "HEAD~1", "--to", "origin/int", "--json")

    assert code == 0, err  # nothing under Force-App can be behind: said, not silent
    assert "package directory 'Force-App' does not exist" in err
    assert "git has 'force-app'" in err and "write 'force-app'" in err
    assert validate[0] == 0, validate
    warnings = json.loads(validate[1])["result"]["warnings"]
    assert any("'Force-App' does not exist" in w for w in warnings)
    assert delta[0] == 0, delta
    delta_warnings = json.loads(delta[1])["result"]["warnings"]
    assert any("'Force-App' does not exist" in w for w in delta_warnings)


def test_a_miscased_package_dir_on_a_case_insensitive_disk_is_the_folder_sf_finds(
    miscased: tuple[Pipeline, Path],
) -> None:
    _pipe, dev = miscased
    if not case_insensitive(dev):
        pytest.skip("this disk is case-sensitive (Linux): sf refuses Force-App here")

    code, _out, err = sfsync(dev, "check")
    delta = sfsync(dev, "delta", "--from", "HEAD", "--to", "origin/int", "--json")

    assert code == 1 and "dev1 is 1 deployment behind int" in err, err
    assert "case-insensitive disk" in err
    assert delta[0] == 0 and "ApexClass:Foo" in delta[1], delta


def test_a_package_dir_without_tracked_files_is_warned_about(tmp_path: Path) -> None:
    pipe = Pipeline(tmp_path)
    dev = pipe.developer("dev1")
    project = {"packageDirectories": [{"path": "force-app", "default": True}, {"path": "extra"}]}
    (dev / "sfdx-project.json").write_text(json.dumps(project))
    (dev / "extra").mkdir()

    code, out, err = sfsync(dev, "config", "validate", "--json")

    assert code == 0, err
    warnings = json.loads(out)["result"]["warnings"]
    assert warnings == [
        "sfdx-project.json: package directory 'extra' matches no file git tracks: nothing in "
        "it is deployed, compared or behind until it is committed"
    ]


@pytest.mark.e2e
def test_sf_itself_finds_package_dirs_as_the_disk_does(tmp_path: Path, sf_cli: SfCli) -> None:
    """The premise, checked against the pinned sf: it resolves `Force-App` through the file
    system (`fs.existsSync`), so it refuses it on a case-sensitive disk and reads
    `force-app/` on a case-insensitive one."""
    (tmp_path / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "Force-App", "default": true}], '
        '"sourceApiVersion": "62.0"}\n'
    )
    for rel, text in cls("A").items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)

    ran = sf_cli.run("project", "convert", "source", "--output-dir", "out", cwd=tmp_path)

    if case_insensitive(tmp_path):
        assert ran.exit_code == 0, ran.stdout
        assert (tmp_path / "out" / "classes" / "A.cls").is_file()
    else:
        assert ran.json["name"] == "MissingPackageDirectoryError", ran.stdout
        assert packagedirs.on_disk(tmp_path, "Force-App") is None
        assert packagedirs.on_disk(tmp_path, "force-app") == "force-app"
    assert os.path.isdir(tmp_path / CLASSES)
