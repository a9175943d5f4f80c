"""The provider table, and writing a provider's files into the repository.

files = generate.files(config, "github", login="sfdx-url", sfsync_spec="sfsync==1.2.0")
written = generate.write(root, files, force=False)   # UsageError over an existing file
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from sfsync.ci import azure, bitbucket, github, gitlab, model
from sfsync.errors import UsageError
from sfsync.pipeline import files as files_
from sfsync.pipeline.config import Config

PROVIDERS: dict[str, Callable[[model.CiPlan], dict[str, str]]] = {
    "github": github.files,
    "gitlab": gitlab.files,
    "azure": azure.files,
    "bitbucket": bitbucket.files,
}


def files(
    config: Config, provider: str, *, login: str = "sfdx-url", sfsync_spec: str
) -> dict[str, str]:
    """The provider's files for `config`'s pipeline: {path relative to the repository: text};
    the jobs pip-install `sfsync_spec` (see `sfsync.ci.install`)."""
    check(provider, login)
    the_plan = model.plan(config, login=login, sfsync_spec=sfsync_spec)
    if not the_plan.envs:
        raise UsageError("sfsync.yml has no environment with a branch: nothing to deploy from CI")
    return PROVIDERS[provider](the_plan)


def check(provider: str, login: str) -> None:
    """UsageError for a provider or login method sfsync does not write."""
    if provider not in PROVIDERS:
        raise UsageError(f"--provider {provider}: use one of {', '.join(PROVIDERS)}")
    if login not in model.LOGINS:
        raise UsageError(f"--login {login}: use one of {', '.join(model.LOGINS)}")


def write(root: Path, generated: Mapping[str, str], *, force: bool) -> list[Path]:
    """Write the files under `root`; none is written when one exists and `force` is not set."""
    targets = {root / rel: text for rel, text in generated.items()}
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        names = ", ".join(str(p.relative_to(root)) for p in existing)
        raise UsageError(f"{names} already exists: pass --force to replace it")
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        files_.replace(path, text.encode("utf-8"))
    return list(targets)
