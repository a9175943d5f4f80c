"""The REST answers `sf` needs to log in and check an org: token, userinfo, User, Organization."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from sfemu.store import ADMIN_NAME, OrgInfo


def userinfo(org: OrgInfo, base: str) -> dict[str, Any]:
    return {
        "sub": f"{base}/id/{org.org_id}/{org.user_id}",
        "user_id": org.user_id,
        "organization_id": org.org_id,
        "preferred_username": org.username,
        "nickname": "admin",
        "name": ADMIN_NAME,
        "email": org.username,
        "email_verified": True,
        "given_name": "Admin",
        "family_name": "User",
        "zoneinfo": "Europe/London",
        "locale": "en_US",
        "language": "en_US",
        "active": True,
        "user_type": "STANDARD",
        "is_app_installed": True,
        "urls": {
            "enterprise": f"{base}/services/Soap/c/{{version}}/{org.org_id[:15]}",
            "metadata": f"{base}/services/Soap/m/{{version}}/{org.org_id[:15]}",
            "partner": f"{base}/services/Soap/u/{{version}}/{org.org_id[:15]}",
            "rest": f"{base}/services/data/v{{version}}/",
            "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
            "query": f"{base}/services/data/v{{version}}/query/",
            "tooling_rest": f"{base}/services/data/v{{version}}/tooling/",
        },
        "updated_at": org.created,
    }


def user(org: OrgInfo, base: str) -> dict[str, Any]:
    return {
        "attributes": {"type": "User", "url": f"/services/data/v62.0/sobjects/User/{org.user_id}"},
        "Id": org.user_id,
        "Username": org.username,
        "Name": ADMIN_NAME,
        "Email": org.username,
        "IsActive": True,
    }


def organization(org: OrgInfo, base: str) -> dict[str, Any]:
    return {
        "attributes": {
            "type": "Organization",
            "url": f"/services/data/v62.0/sobjects/Organization/{org.org_id}",
        },
        "Id": org.org_id,
        "Name": f"sfemu {org.name}",
        "InstanceName": org.instance_name,
        "IsSandbox": org.sandbox,
        "TrialExpirationDate": None,
        "NamespacePrefix": None,
        "OrganizationType": "Enterprise Edition" if org.sandbox else "Developer Edition",
    }


def query(org: OrgInfo, sobject: str, base: str) -> dict[str, Any]:
    sobject = sobject.lower()
    records: list[dict[str, Any]] = []
    if sobject == "organization":
        records = [organization(org, base)]
    elif sobject == "user":
        records = [user(org, base)]
    return {"totalSize": len(records), "done": True, "records": records}


def token_response(org: OrgInfo, base: str) -> dict[str, Any]:
    """The token endpoint's answer to a granted refresh-token request.

    The fields of Salesforce's OAuth 2.0 refresh token flow (help.salesforce.com,
    "OAuth 2.0 Refresh Token Flow for Renewed Sessions"; jsforce's ``TokenResponse``):
    ``access_token``, ``instance_url``, ``id`` (the identity URL), ``token_type``,
    ``issued_at`` (milliseconds), ``signature`` (HMAC-SHA256 of id + issued_at, keyed with the
    consumer secret: the CLI's own connected app has none) and ``scope``.
    """
    issued = str(int(time.time() * 1000))
    identity = f"{base}/id/{org.org_id}/{org.user_id}"
    digest = hmac.new(b"", (identity + issued).encode("utf-8"), hashlib.sha256).digest()
    return {
        "access_token": org.access_token,
        "signature": base64.b64encode(digest).decode("ascii"),
        "scope": "refresh_token web api",
        "instance_url": base,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued,
    }
