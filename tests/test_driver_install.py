"""`sfsync install-hooks --merge-driver` and `--uninstall`: the .gitattributes block and the
driver's config, in real repositories; uninstall removes exactly what install added."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import git
from sfsync.cli.app import main
from sfsync.git import mergedriver
from sfsync.hooks import driver_install, install
from sfsync.metadata.merge import gitattributes_patterns

USER_TEXT = (
    "# the team's own attributes\n"
    "*.cls text eol=lf\n"
    "*.profile-meta.xml merge=sfsync\n"  # the user's own line, identical to one of sfsync's
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sfsync(capsys: Any, *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def config(repo: Path, key: str) -> str | None:
    try:
        return git(repo, "config", "--local", "--get", key)
    except AssertionError:
        return None


def test_install_writes_every_pattern_in_a_block_and_the_driver_without_a_path(
    repo: Path, capsys: Any
) -> None:
    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")
    assert code == 0, out
    text = (repo / ".gitattributes").read_text()
    lines = text.splitlines()
    assert lines[0] == driver_install.BEGIN and lines[-1] == driver_install.END
    assert lines[1:-1] == [f"{p} merge=sfsync" for p in gitattributes_patterns()]
    for pattern in ("*.profile-meta.xml", "*.permissionset-meta.xml", "*.flow-meta.xml"):
        assert f"{pattern} merge=sfsync" in lines
    driver = config(repo, "merge.sfsync.driver")
    assert driver == mergedriver.DRIVER_COMMAND
    assert "sfsync merge-driver %O %A %B %P %L %S %X %Y;" in driver
    assert "/" not in driver.split("&&")[1].split(";")[0]  # no path: survives a new virtualenv
    assert config(repo, "merge.sfsync.name") == mergedriver.NAME
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()  # --no-hooks
    assert out["result"]["mergeDriver"]["config"] == ["merge.sfsync.name", "merge.sfsync.driver"]
    # git sees the attribute
    attr = git(repo, "check-attr", "merge", "--", "a/b/Admin.profile-meta.xml")
    assert attr.endswith("merge: sfsync")


def test_install_twice_keeps_one_block(repo: Path, capsys: Any) -> None:
    (repo / ".gitattributes").write_text(USER_TEXT)
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    once = (repo / ".gitattributes").read_text()
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    assert (repo / ".gitattributes").read_text() == once
    assert once.startswith(USER_TEXT) and once.count(driver_install.BEGIN) == 1


def test_uninstall_removes_exactly_what_install_added(repo: Path, capsys: Any) -> None:
    (repo / ".gitattributes").write_text(USER_TEXT)
    git(repo, "config", "merge.other.driver", "keep me")
    assert sfsync(capsys, "install-hooks", "--merge-driver")[0] == 0
    after_install = (repo / ".gitattributes").read_text()
    (repo / ".gitattributes").write_text(after_install + "*.json text\n")  # the user goes on

    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--uninstall")

    assert code == 0, out
    assert (repo / ".gitattributes").read_text() == USER_TEXT + "*.json text\n"
    assert config(repo, "merge.sfsync.driver") is None
    assert config(repo, "merge.sfsync.name") is None
    assert config(repo, driver_install.CREATED_KEY) is None
    assert config(repo, "merge.other.driver") == "keep me"
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert out["result"]["mergeDriver"]["lines"] == [
        f"{p} merge=sfsync" for p in gitattributes_patterns()
    ]


def test_uninstall_keeps_what_the_user_wrote_inside_the_block_and_a_changed_driver(
    repo: Path, capsys: Any
) -> None:
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    path = repo / ".gitattributes"
    path.write_text(
        path.read_text().replace(driver_install.END, f"*.md text\n{driver_install.END}")
    )
    git(repo, "config", "merge.sfsync.driver", "/opt/venv/bin/sfsync merge-driver %O %A %B %P")

    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")

    assert code == 0
    assert path.read_text() == "*.md text\n"  # the file was not sfsync's alone: it stays
    assert config(repo, "merge.sfsync.driver") == "/opt/venv/bin/sfsync merge-driver %O %A %B %P"
    assert config(repo, "merge.sfsync.name") is None
    kept = out["result"]["mergeDriver"]["kept"]
    assert any("'*.md text'" in k for k in kept) and any("merge.sfsync.driver" in k for k in kept)


def test_uninstall_removes_the_file_it_created_once_empty(repo: Path, capsys: Any) -> None:
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")
    assert code == 0 and out["result"]["mergeDriver"]["removedFile"] is True
    assert not (repo / ".gitattributes").exists()


def test_an_empty_file_of_the_users_stays(repo: Path, capsys: Any) -> None:
    (repo / ".gitattributes").write_text("")
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")[0] == 0
    assert (repo / ".gitattributes").read_text() == ""


def test_crlf_file_keeps_its_line_endings(repo: Path, capsys: Any) -> None:
    original = USER_TEXT.replace("\n", "\r\n").encode()
    (repo / ".gitattributes").write_bytes(original)
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    data = (repo / ".gitattributes").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")[0] == 0
    assert (repo / ".gitattributes").read_bytes() == original


def test_a_foreign_driver_is_refused_unless_force(repo: Path, capsys: Any) -> None:
    git(repo, "config", "merge.sfsync.driver", "my-own-tool %O %A %B")
    code, out = sfsync(capsys, "install-hooks", "--merge-driver")
    assert code == 1 and "not by sfsync; nothing was changed" in out["message"]
    assert not (repo / ".gitattributes").exists()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--force")
    assert code == 0 and out["result"]["mergeDriver"]["replaced"] == "my-own-tool %O %A %B"
    assert config(repo, "merge.sfsync.driver") == mergedriver.DRIVER_COMMAND
    # the human output names what --force overwrote (nothing kept it: this is the record)
    git(repo, "config", "merge.sfsync.driver", "my-own-tool\x1b[2J %O %A %B")
    capsys.readouterr()
    assert main(["install-hooks", "--merge-driver", "--no-hooks", "--force"]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # lines as a terminal wraps them
    assert "replaced (--force) merge.sfsync.driver 'my-own-tool\\x1b[2J %O %A %B'" in printed
    assert "\x1b" not in printed
    assert (
        sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[1]["result"]["mergeDriver"][
            "replaced"
        ]
        is None
    )  # sfsync's own value is no replacement


def test_no_hooks_alone_is_bad_usage(repo: Path, capsys: Any) -> None:
    code, out = sfsync(capsys, "install-hooks", "--no-hooks")
    assert code == 2 and "--merge-driver" in out["message"]


def test_uninstall_hooks_only_as_written_and_puts_back_what_they_replaced(
    repo: Path, capsys: Any
) -> None:
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-push").write_text("#!/bin/sh\necho mine\n")
    assert sfsync(capsys, "install-hooks", "--force")[0] == 0
    (hooks / "pre-commit").write_text(install.hook_script("pre-commit") + "# edited\n")

    code, out = sfsync(capsys, "install-hooks", "--uninstall")

    assert code == 0
    assert (hooks / "pre-commit").read_text().endswith("# edited\n")  # changed since: kept
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\necho mine\n"  # back in place
    assert not (hooks / "pre-push.sfsync-backup").exists()
    assert [(h["name"], h["removed"]) for h in out["result"]["hooks"]] == [
        ("pre-commit", False),
        ("pre-push", True),
    ]


def test_uninstall_leaves_no_record_of_the_hooks_it_removed(repo: Path, capsys: Any) -> None:
    """The record of what sfsync wrote (`.git/sfsync/hooks.json`) goes with the hooks; a hook
    an earlier sfsync wrote (its bytes in the record) is sfsync's too, as install says."""
    hooks = repo / ".git" / "hooks"
    assert sfsync(capsys, "install-hooks", "--merge-driver")[0] == 0
    record = repo / ".git" / "sfsync" / "hooks.json"
    assert record.exists()

    assert sfsync(capsys, "install-hooks", "--merge-driver", "--uninstall")[0] == 0

    assert not record.exists() and not (repo / ".git" / "sfsync").exists()
    assert not (hooks / "pre-commit").exists() and not (hooks / "pre-push").exists()
    # an earlier sfsync's hook: recorded when written, removed like the current one
    assert sfsync(capsys, "install-hooks")[0] == 0
    older = "#!/bin/sh\n# sfsync-managed hook: an earlier version\nexec sfsync check\n"
    (hooks / "pre-commit").write_text(older)
    data = json.loads(record.read_text())
    data["hooks"][str(hooks / "pre-commit")] = install._digest(older.encode())
    record.write_text(json.dumps(data))
    code, out = sfsync(capsys, "install-hooks", "--uninstall")
    assert code == 0, out
    assert [(h["name"], h["removed"]) for h in out["result"]["hooks"]] == [
        ("pre-commit", True),
        ("pre-push", True),
    ]
    assert not (hooks / "pre-commit").exists() and not record.exists()


@pytest.mark.parametrize("earlier", mergedriver.EARLIER_COMMANDS)
def test_a_driver_an_earlier_sfsync_wrote_is_sfsyncs(repo: Path, capsys: Any, earlier: str) -> None:
    git(repo, "config", "merge.sfsync.driver", earlier)
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0  # no --force
    assert config(repo, "merge.sfsync.driver") == mergedriver.DRIVER_COMMAND
    git(repo, "config", "merge.sfsync.driver", earlier)
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")[0] == 0
    assert config(repo, "merge.sfsync.driver") is None


@pytest.mark.parametrize("text", ["* text=auto\r\n*.png binary", "*.png binary", "a\n\n"])
def test_install_then_uninstall_gives_back_the_file_byte_for_byte(
    repo: Path, capsys: Any, text: str
) -> None:
    """Even a last line without a newline: install put one there to start its block."""
    (repo / ".gitattributes").write_bytes(text.encode())
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0
    installed = (repo / ".gitattributes").read_bytes()
    assert installed.startswith(text.encode()) and driver_install.BEGIN.encode() in installed
    assert git(repo, "check-attr", "merge", "--", "a.flow-meta.xml").endswith("merge: sfsync")
    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")[0] == 0  # again
    assert (repo / ".gitattributes").read_bytes() == installed

    assert sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")[0] == 0

    assert (repo / ".gitattributes").read_bytes() == text.encode()


def test_a_symlinked_gitattributes_is_refused_and_its_target_never_written(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: Any
) -> None:
    """Git ignores a symlinked in-tree .gitattributes (2.32); writing through it wrote the
    block into a file outside the repository, and git still did not merge by element."""
    outside = tmp_path_factory.mktemp("elsewhere") / "notes.txt"
    outside.write_text("mine\n")
    (repo / ".gitattributes").symlink_to(outside)

    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks")

    assert code == 2 and "is a symbolic link" in out["message"], out
    assert outside.read_text() == "mine\n"
    assert config(repo, "merge.sfsync.driver") is None
    git(repo, "config", "merge.sfsync.driver", mergedriver.DRIVER_COMMAND)
    code, out = sfsync(capsys, "install-hooks", "--merge-driver", "--no-hooks", "--uninstall")
    assert code == 0 and outside.read_text() == "mine\n"
    assert (repo / ".gitattributes").is_symlink()
    assert config(repo, "merge.sfsync.driver") is None


def test_uninstall_with_nothing_installed_says_so(repo: Path, capsys: Any) -> None:
    """Not "removed 0 merge=sfsync lines from .gitattributes" (a file that does not exist),
    nor nothing at all for the hooks."""
    capsys.readouterr()
    assert main(["install-hooks", "--merge-driver", "--uninstall"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "removed 0" not in printed
    assert "no pre-commit or pre-push hook to remove" in printed
    assert "no sfsync merge driver block in" in printed
    assert "no merge.sfsync driver in git config" in printed
    assert not (repo / ".gitattributes").exists()
