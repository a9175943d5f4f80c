"""The CI templates configure `sfsync merge-driver` in the runner before back-promote runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline import git
from sfsync.ci import generate, model
from sfsync.git import mergedriver
from test_ci import CONFIGS, load_config

LINE = f"git config merge.sfsync.driver '{mergedriver.COMMAND}'"


def test_the_ci_driver_is_the_one_install_hooks_writes() -> None:
    assert model.MERGE_DRIVER == mergedriver.COMMAND
    assert model.MERGE_DRIVER_NAME == mergedriver.NAME


@pytest.mark.parametrize("provider", ["github", "gitlab", "azure", "bitbucket"])
def test_every_provider_configures_the_driver(tmp_path: Path, provider: str) -> None:
    files = generate.files(
        load_config(tmp_path, CONFIGS["full"]), provider, sfsync_spec="sfsync==1.2.0"
    )
    text = "\n".join(files.values())
    assert LINE in text
    # before the first back-promote in the file
    assert text.index(LINE) < text.index("sfsync back-promote --from")


def test_github_deploy_job_prepares_git_before_back_promote(tmp_path: Path) -> None:
    files = generate.files(
        load_config(tmp_path, CONFIGS["full"]), "github", sfsync_spec="sfsync==1.2.0"
    )
    workflow = yaml.safe_load(files[".github/workflows/sfsync.yml"])
    steps = [s.get("run", "") for s in workflow["jobs"]["deploy-prod"]["steps"]]
    prepared = next(i for i, run in enumerate(steps) if LINE in run)
    walked = next(i for i, run in enumerate(steps) if "sfsync back-promote" in run)
    assert prepared < walked


def test_the_lines_set_the_driver_through_a_shell(tmp_path: Path) -> None:
    plan = model.plan(load_config(tmp_path / "cfg", CONFIGS["full"]), sfsync_spec="sfsync==1.2.0")
    lines = [
        line
        for line in plan.prepare_git("sfsync CI", "ci@example.invalid")
        if line.startswith("git config merge.")
    ]
    assert len(lines) == 2
    git(tmp_path, "init", "-q")
    subprocess.run(["sh", "-c", "\n".join(lines)], cwd=tmp_path, check=True)
    assert git(tmp_path, "config", "merge.sfsync.driver") == mergedriver.COMMAND
    assert git(tmp_path, "config", "merge.sfsync.name") == mergedriver.NAME
