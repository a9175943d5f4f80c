"""sfemu: a local Salesforce org that the real ``sf`` CLI logs in to, retrieves from, deploys to."""

from __future__ import annotations

from sfemu.emulator import Org, OrgEmulator, OrgHandle, open_root
from sfemu.faults import Fault

__all__ = ["Fault", "Org", "OrgEmulator", "OrgHandle", "open_root"]
