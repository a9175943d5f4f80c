"""`sfsync merge-driver`: git's merge driver (the fast path: `sfsync.hooks.merge_driver`)."""

from __future__ import annotations

from typing import Annotated

import typer

from sfsync.cli.output import command_app
from sfsync.hooks import merge_driver

app = command_app()


@app.command("merge-driver")
def merge_driver_command(
    base: Annotated[str, typer.Argument(metavar="BASE", help="%O: the common ancestor's file.")],
    ours: Annotated[
        str, typer.Argument(metavar="OURS", help="%A: our file; the result is written here.")
    ],
    theirs: Annotated[str, typer.Argument(metavar="THEIRS", help="%B: their file.")],
    path: Annotated[str, typer.Argument(metavar="PATH", help="%P: the path in the repository.")],
    extra: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[MARKER_SIZE [BASE_LABEL OURS_LABEL THEIRS_LABEL]]",
            help="%L, and %S %X %Y (git >= 2.44): the conflict marker size and labels.",
        ),
    ] = None,
) -> None:
    """Merge one Salesforce metadata file by element (git's merge-driver convention).

    Git runs it once per file that both sides changed, as configured by `sfsync
    install-hooks --merge-driver` (a block of merge=sfsync lines in .gitattributes and
    merge.sfsync.driver in .git/config, without an absolute path). Entries of keyed lists
    (fieldPermissions, labels, flow elements...) merge by their key, so two people changing
    different entries of one profile is no conflict. The result is written back into OURS
    (atomically). Exit 0: merged cleanly; 1: conflicts remain, each between git's markers
    around the conflicting entry only, named on stderr
    (`Profile Admin: fieldPermissions Account.Rating__c: editable true vs false`).
    A file that is not well-formed XML, too large, or holds a DTD is merged by lines as git
    would (same result and exit code as `git merge-file`), with a warning. pull-upstream and
    back-promote use it whether or not it is installed. Hosted pull-request merge buttons
    (GitHub, GitLab, Bitbucket, Azure DevOps) never run merge drivers: merge locally or in
    CI instead.

    \b
    Examples:
        sfsync install-hooks --merge-driver
        sfsync merge-driver base.xml ours.xml theirs.xml profiles/Admin.profile-meta.xml
    """
    raise typer.Exit(merge_driver.main([base, ours, theirs, path, *(extra or [])]))
