"""sfemu: a local Salesforce org emulator that the real `sf` CLI talks to over loopback."""

from __future__ import annotations
