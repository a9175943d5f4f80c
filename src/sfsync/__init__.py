"""sfsync: keep Salesforce environments in sync with git and the Salesforce CLI."""

from __future__ import annotations

__version__ = "0.1.0"
