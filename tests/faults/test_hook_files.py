"""The fault matrix, files sfsync replaces: `sfsync install-hooks` replaces a hook only when
it holds what sfsync wrote (its bytes, or the hash recorded when it wrote them); the marker
comment proves nothing. A replaced hook, or a replaced sfsync.yml, is kept, and a backup is
never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import git
from sfsync.__main__ import main
from sfsync.hooks import install

MINE = "\n# added by the team: lint before every commit\nnpm run lint\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_hook_the_user_edited_is_not_replaced(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install-hooks"]) == 0
    hook = repo / ".git" / "hooks" / "pre-commit"
    edited = hook.read_text() + MINE
    hook.write_text(edited)  # still has the marker comment

    assert main(["install-hooks"]) == 1

    assert "is not what sfsync wrote" in capsys.readouterr().err
    assert hook.read_text() == edited


def test_a_marker_in_someone_elses_hook_proves_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = repo / ".git" / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\n{install.MARKER} (copied from a blog post)\n{MINE}")

    assert main(["install-hooks"]) == 1
    assert "pre-push already exists and is not what sfsync wrote" in capsys.readouterr().err
    assert MINE in hook.read_text()


def test_what_an_older_sfsync_wrote_is_replaced(repo: Path) -> None:
    assert main(["install-hooks"]) == 0
    hook = repo / ".git" / "hooks" / "pre-commit"
    older = hook.read_text().replace("refuses a commit", "blocks a commit")
    hook.write_text(older)  # as if an older sfsync had written it: recorded by its hash
    record = repo / ".git" / "sfsync" / "hooks.json"
    data = json.loads(record.read_text())
    data["hooks"][str(hook)] = install._digest(older.encode())
    record.write_text(json.dumps(data))

    assert main(["install-hooks"]) == 0
    assert hook.read_text() == install.hook_script("pre-commit")


def test_force_twice_keeps_both_replaced_hooks(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho first\n")
    assert main(["install-hooks", "--force"]) == 0
    hook.write_text("#!/bin/sh\necho second\n")
    capsys.readouterr()
    assert main(["install-hooks", "--force", "--json"]) == 0

    backups = sorted(p.read_text() for p in hook.parent.glob("pre-commit.sfsync-backup*"))
    assert backups == ["#!/bin/sh\necho first\n", "#!/bin/sh\necho second\n"]
    shown = json.loads(capsys.readouterr().out)["result"]["hooks"][0]["backup"]
    assert shown.endswith("pre-commit.sfsync-backup.1")


def test_init_force_twice_keeps_the_first_config_too(tmp_path: Path) -> None:
    from sfsync.pipeline import init

    (tmp_path / "sfsync.yml").write_text("# written by hand, months of work\n")
    init.write(tmp_path, "# proposal 1\n", force=True, schema_copy=False)
    init.write(tmp_path, "# proposal 2\n", force=True, schema_copy=False)
    init.write(tmp_path, "# proposal 3\n", force=True, schema_copy=False)

    kept = sorted(p.read_text() for p in tmp_path.glob("sfsync.yml.bak*"))
    assert kept == ["# proposal 1\n", "# proposal 2\n", "# written by hand, months of work\n"]
