"""What a Metadata API deploy decides and reports, shared by checking it and applying it.

``DeployOptions`` and ``InjectedError`` go in; ``sfemu.deploy.plan`` makes the ``DeployPlan``
(everything decided before the org is touched, ``DeployMessage`` failures and warnings);
``sfemu.deploy_apply`` carries it out into a ``DeployOutcome``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from sfemu.types import Component


@dataclass(frozen=True)
class DeployOptions:
    """The DeployOptions of the WSDL that change what the emulator does or reports."""

    check_only: bool = False
    ignore_warnings: bool = False
    purge_on_delete: bool = False
    rollback_on_error: bool = True
    single_package: bool = True
    test_level: str = "NoTestRun"
    run_tests: tuple[str, ...] = ()
    level_given: bool = True
    """False: no testLevel was sent and ``test_level`` is the org's default."""
    api_version: float = 0.0
    """The version of the SOAP endpoint the deploy came to (``/services/Soap/m/66.0``)."""

    @classmethod
    def from_soap(
        cls, raw: dict[str, Any], production: bool = False, api_version: float = 0.0
    ) -> DeployOptions:
        """Read the options from a parsed ``deployOptions`` element.

        Without a testLevel, production orgs run local tests and sandboxes run none;
        ``sfemu.deploy.plan`` then runs none in production either when the package holds no
        Apex (as Salesforce does: "tests are executed by default in production only if your
        deployment package contains Apex classes or triggers", Metadata API Developer Guide,
        Running Tests in a Deployment).
        """

        def flag(name: str, default: bool) -> bool:
            value = raw.get(name)
            return default if value is None else str(value).strip().lower() == "true"

        tests = raw.get("runTests") or []
        if isinstance(tests, str):
            tests = [tests]
        return cls(
            check_only=flag("checkOnly", False),
            ignore_warnings=flag("ignoreWarnings", False),
            purge_on_delete=flag("purgeOnDelete", False),
            rollback_on_error=flag("rollbackOnError", True),
            single_package=flag("singlePackage", True),
            test_level=str(
                raw.get("testLevel") or ("RunLocalTests" if production else "NoTestRun")
            ),
            run_tests=tuple(str(t) for t in tests),
            level_given=bool(raw.get("testLevel")),
            api_version=api_version,
        )

    def as_record(self) -> dict[str, Any]:
        """The options as stored in a deployment record."""
        return {
            "checkOnly": self.check_only,
            "ignoreWarnings": self.ignore_warnings,
            "purgeOnDelete": self.purge_on_delete,
            "rollbackOnError": self.rollback_on_error,
            "testLevel": self.test_level,
            "runTests": list(self.run_tests),
        }


@dataclass(frozen=True)
class DeployMessage:
    """A componentSuccess or componentFailure."""

    component_type: str
    full_name: str
    file_name: str
    success: bool
    created: bool = False
    changed: bool = False
    deleted: bool = False
    problem: str = ""
    problem_type: str = ""
    line: int | None = None
    column: int | None = None
    id: str = ""


@dataclass(frozen=True)
class InjectedError:
    """A component error forced by a fault (``Type:Name``, problem text, optional line)."""

    component: str
    problem: str
    line: int | None = None


@dataclass
class DeployPlan:
    """Everything a deploy will do, decided before the org is touched."""

    options: DeployOptions
    api_version: str = ""
    error_code: str = ""
    error_message: str = ""
    failures: list[DeployMessage] = field(default_factory=list)
    warnings: list[DeployMessage] = field(default_factory=list)
    # component -> its files in the zip (top-level components)
    writes: dict[Component, dict[str, bytes]] = field(default_factory=dict)
    # parent component -> (incoming parent XML, parent itself deployed?)
    merges: dict[Component, tuple[ET.Element, bool]] = field(default_factory=dict)
    child_components: dict[Component, str] = field(default_factory=dict)  # child -> file name
    pre_deletes: list[Component] = field(default_factory=list)
    post_deletes: list[Component] = field(default_factory=list)
    tests: tuple[str, ...] = ()
    test_failures: tuple[tuple[str, str], ...] = ()  # (test class, message)
    coverage_warnings: tuple[tuple[str, str], ...] = ()  # (class or trigger, message)

    @property
    def components(self) -> list[Component]:
        """Components to create or update, in a stable order."""
        return sorted([*self.writes, *self.merges_deployed(), *self.child_components], key=str)

    def merges_deployed(self) -> list[Component]:
        """Parents that are themselves deployed (not only their children)."""
        return [p for p, (_, own) in self.merges.items() if own]

    @property
    def total(self) -> int:
        """numberComponentsTotal."""
        failed = {(m.component_type, m.full_name) for m in self.failures if m.component_type}
        return len(self.components) + len(self.pre_deletes) + len(self.post_deletes) + len(failed)

    @property
    def fails(self) -> bool:
        """True when the deploy as a whole must fail (nothing is applied)."""
        return (
            bool(self.error_code)
            or bool(self.test_failures)
            or bool(self.coverage_warnings)
            or (bool(self.failures) and self.options.rollback_on_error)
        )


@dataclass(frozen=True)
class DeployOutcome:
    """The applied (or validated) result: successes, with created/changed/deleted flags."""

    successes: tuple[DeployMessage, ...]
    deployed: tuple[str, ...]
    deleted: tuple[str, ...]

    def with_state(self, *, created: bool = False, changed: bool = False) -> list[str]:
        """``Type:Name`` of the successes that were created (or changed)."""
        return sorted(
            f"{m.component_type}:{m.full_name}"
            for m in self.successes
            if not m.deleted and ((created and m.created) or (changed and m.changed))
        )
