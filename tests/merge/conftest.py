"""The merge cases' shared check shows a diff when a merged file differs."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("mergecase")
