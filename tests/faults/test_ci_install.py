"""`sfsync ci init` installs what the user runs, as pip recorded it, or asks for --sfsync-spec.

The old files pinned `sfsync==<this version>` whatever the installation, a version no index
had: every job failed at its first step. Each row here is a real pip record (`.dist-info`
with METADATA and PEP 610's `direct_url.json`, the fields pip writes) on sys.path ahead of the
installed sfsync, and, for a local checkout, a real git repository.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import SFDX_PROJECT, git
from sfsync.__main__ import main
from sfsync.ci import install
from sfsync.errors import UsageError

SHA = "4f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9"


def record(folder: Path, version: str, direct: dict[str, Any] | None) -> Path:
    """A `.dist-info` as pip leaves it, under `folder` (a sys.path entry)."""
    info = folder / f"sfsync-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: sfsync\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    if direct is not None:
        (info / "direct_url.json").write_text(json.dumps(direct), encoding="utf-8")
    return info


def checkout(folder: Path, *, remote: str | None, pushed: bool, dirty: bool) -> str:
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "pyproject.toml").write_text("[project]\nname = 'sfsync'\n", encoding="utf-8")
    git(folder, "add", "pyproject.toml")
    git(folder, "commit", "-q", "-m", "sfsync")
    sha = git(folder, "rev-parse", "HEAD")
    if remote is not None:
        git(folder, "remote", "add", "origin", remote)
        if pushed:  # what `git push` leaves in the clone: the remote-tracking branch
            git(folder, "update-ref", "refs/remotes/origin/main", sha)
    if dirty:
        (folder / "pyproject.toml").write_text("[project]\nname = 'changed'\n", encoding="utf-8")
    return sha


ROWS = [
    pytest.param(None, "sfsync==2.3.1", "the version pip installed (2.3.1)", id="index"),
    pytest.param(
        {
            "url": "https://git.example.invalid/team/sfsync.git",
            "vcs_info": {"vcs": "git", "commit_id": SHA, "requested_revision": "main"},
        },
        f"sfsync @ git+https://git.example.invalid/team/sfsync.git@{SHA}",
        "the git URL and commit pip installed from",
        id="git-url",
    ),
    pytest.param(
        {
            "url": "https://deploy:ghp_t0ken@git.example.invalid/team/sfsync.git",
            "vcs_info": {"vcs": "git", "commit_id": SHA},
        },
        f"sfsync @ git+https://git.example.invalid/team/sfsync.git@{SHA}",
        "the git URL and commit pip installed from",
        id="git-url-with-a-token",
    ),
    pytest.param(
        {
            "url": "ssh://git@git.example.invalid/team/sfsync.git",
            "vcs_info": {"vcs": "git", "commit_id": SHA},
        },
        f"sfsync @ git+ssh://git@git.example.invalid/team/sfsync.git@{SHA}",
        "the git URL and commit pip installed from",
        id="git-ssh",
    ),
    pytest.param(
        {
            "url": "https://files.example.invalid/sfsync-2.3.1.tar.gz",
            "archive_info": {"hashes": {"sha256": "ab" * 32}},
        },
        "sfsync @ https://files.example.invalid/sfsync-2.3.1.tar.gz#sha256=" + "ab" * 32,
        "the archive URL pip installed from",
        id="archive-url",
    ),
]


@pytest.mark.parametrize(("direct", "spec", "source"), ROWS)
def test_the_spec_is_what_pip_recorded(
    tmp_path: Path, direct: dict[str, Any] | None, spec: str, source: str
) -> None:
    dist = metadata.PathDistribution(record(tmp_path, "2.3.1", direct))
    chosen = install.spec(dist=dist)
    assert (chosen.spec, chosen.source) == (spec, source)
    assert "t0ken" not in chosen.spec


REFUSED = [
    pytest.param(
        {"url": "file:///home/ana/src/sfsync", "vcs_info": {"vcs": "git", "commit_id": SHA}},
        "installed from file:///home/ana/src/sfsync, which a CI job cannot reach",
        id="git-from-a-local-path",
    ),
    pytest.param(
        {"url": "file:///tmp/sfsync-2.3.1.tar.gz", "archive_info": {}},
        "installed from the file file:///tmp/sfsync-2.3.1.tar.gz, which a CI job cannot reach",
        id="local-archive",
    ),
    pytest.param(
        {"url": "https://hg.example.invalid/sfsync", "vcs_info": {"vcs": "hg", "commit_id": "1"}},
        "with hg, not git",
        id="not-git",
    ),
]


@pytest.mark.parametrize(("direct", "why"), REFUSED)
def test_an_installation_no_job_can_repeat_is_refused(
    tmp_path: Path, direct: dict[str, Any], why: str
) -> None:
    dist = metadata.PathDistribution(record(tmp_path, "2.3.1", direct))
    with pytest.raises(UsageError) as caught:
        install.spec(dist=dist)
    assert why in caught.value.message
    assert "pass --sfsync-spec" in caught.value.message


@pytest.mark.parametrize(
    ("remote", "pushed", "dirty", "expected"),
    [
        pytest.param(None, False, True, "which has uncommitted changes", id="dirty-no-remote"),
        pytest.param(None, False, False, "which has no remote", id="clean-no-remote"),
        pytest.param(
            "https://git.example.invalid/team/sfsync.git", False, False,
            "that is on no remote (push it)", id="not-pushed",
        ),
        pytest.param(
            "/srv/git/sfsync.git", True, False, "whose remote is a local path", id="local-remote"
        ),
        pytest.param(
            "https://git.example.invalid/team/sfsync.git", True, False,
            "sfsync @ git+https://git.example.invalid/team/sfsync.git@{sha}", id="pushed",
        ),
        pytest.param(
            "git@git.example.invalid:team/sfsync.git", True, False,
            "sfsync @ git+ssh://git@git.example.invalid/team/sfsync.git@{sha}", id="pushed-scp",
        ),
    ],
)  # fmt: skip
def test_an_editable_checkout_counts_once_its_commit_is_pushed(
    tmp_path: Path, remote: str | None, pushed: bool, dirty: bool, expected: str
) -> None:
    source = tmp_path / "src" / "sfsync"
    sha = checkout(source, remote=remote, pushed=pushed, dirty=dirty)
    direct = {"url": source.as_uri(), "dir_info": {"editable": True}}
    dist = metadata.PathDistribution(record(tmp_path / "site", "2.3.1", direct))
    if expected.startswith("sfsync @"):
        assert install.spec(dist=dist).spec == expected.format(sha=sha)
        return
    with pytest.raises(UsageError) as caught:
        install.spec(dist=dist)
    assert f"this sfsync is an editable install of {source}, " in caught.value.message
    assert expected in caught.value.message


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "crm"
    root.mkdir()
    (root / "sfsync.yml").write_text(
        "version: 1\nenvironments:\n  prod: {org: p, branch: main}\n", encoding="utf-8"
    )
    (root / "sfdx-project.json").write_text(SFDX_PROJECT, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root)
    return root


def run(capsys: Any, *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def installed_spec(repo: Path, provider: str = "gitlab") -> str:
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in repo.rglob("*.yml") if p.name != "sfsync.yml"
    )
    data = yaml.safe_load(text) if provider == "gitlab" else None
    assert data is not None
    spec: str = data["variables"]["SFSYNC_SPEC"]["value"]
    return spec


def test_ci_init_installs_the_version_pip_installed(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    site = tmp_path / "site"
    record(site, "2.3.1", None)
    monkeypatch.syspath_prepend(str(site))  # found before the sfsync installed here
    code, out = run(capsys, "ci", "init", "--provider", "gitlab")
    assert code == 0, out
    assert out["result"]["sfsync"] == {
        "spec": "sfsync==2.3.1",
        "from": "the version pip installed (2.3.1)",
    }
    assert installed_spec(repo) == "sfsync==2.3.1"
    capsys.readouterr()
    code = main(["ci", "init", "--provider", "gitlab", "--force"])
    assert code == 0
    assert "the jobs install sfsync==2.3.1 (the version pip installed (2.3.1)" in (
        capsys.readouterr().out
    )


def test_ci_init_refuses_when_nothing_says_what_to_install(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    source = tmp_path / "src" / "sfsync"
    checkout(source, remote=None, pushed=False, dirty=True)
    site = tmp_path / "site"
    record(site, "2.3.1", {"url": source.as_uri(), "dir_info": {"editable": True}})
    monkeypatch.syspath_prepend(str(site))
    code, out = run(capsys, "ci", "init", "--provider", "gitlab")
    assert code == 2
    assert out["message"].startswith(
        f"cannot tell what the CI jobs should install: this sfsync is an editable install of "
        f"{source}, which has uncommitted changes; pass --sfsync-spec"
    )
    assert not (repo / ".gitlab-ci.yml").exists()
    code, out = run(capsys, "ci", "init", "--provider", "gitlab", "--sfsync-spec", "sfsync==2.3.0")
    assert code == 0 and out["result"]["sfsync"] == {
        "spec": "sfsync==2.3.0",
        "from": "--sfsync-spec",
    }
    assert installed_spec(repo) == "sfsync==2.3.0"
