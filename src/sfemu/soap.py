"""The SOAP envelope of the Metadata API: read requests, write responses and faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from sfemu import safexml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"

Value = Union[str, bool, int, None, "Mapping[str, Value]", "Sequence[Value]"]


@dataclass(frozen=True)
class SoapRequest:
    """A parsed Metadata API call: the method, its session id and its parameters."""

    method: str
    session_id: str
    body: ET.Element  # the method element, e.g. <deploy>

    def params(self) -> dict[str, Any]:
        """The method element's children as plain values (repeated names become lists)."""
        value = to_python(self.body)
        return value if isinstance(value, dict) else {}

    def element(self, name: str) -> ET.Element | None:
        """The first direct child of the method element called ``name``."""
        found = safexml.children(self.body, name)
        return found[0] if found else None


class SoapError(Exception):
    """A request that is not a SOAP call the emulator understands."""


def parse_request(data: bytes) -> SoapRequest:
    """Parse a SOAP envelope (safely: no DTDs, no entities)."""
    try:
        env = safexml.parse(data)
    except safexml.XmlError as exc:
        raise SoapError(f"the request is not well-formed XML: {exc}") from None
    if safexml.local(env.tag) != "Envelope":
        raise SoapError("the request is not a SOAP envelope")
    session = ""
    for header in safexml.children(env, "Header"):
        for sh in safexml.children(header, "SessionHeader"):
            session = safexml.child_text(sh, "sessionId")
    bodies = safexml.children(env, "Body")
    if not bodies or not len(bodies[0]):
        raise SoapError("the SOAP envelope has no body")
    method = bodies[0][0]
    return SoapRequest(safexml.local(method.tag), session, method)


def to_python(elem: ET.Element) -> Any:
    """An element as a string (leaf) or a dict of its children (repeated names -> list)."""
    kids = list(elem)
    if not kids:
        return (elem.text or "").strip()
    out: dict[str, Any] = {}
    for k in kids:
        name = safexml.local(k.tag)
        value = to_python(k)
        if name not in out:
            out[name] = value
        elif isinstance(out[name], list):
            out[name].append(value)
        else:
            out[name] = [out[name], value]
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_value(name: str, value: Value, out: list[str]) -> None:
    """Append ``<name>value</name>`` (dicts nest, lists repeat, None is left out)."""
    if value is None:
        return
    if isinstance(value, bool):
        out.append(f"<{name}>{'true' if value else 'false'}</{name}>")
    elif isinstance(value, Mapping):
        out.append(f"<{name}>")
        for k, v in value.items():
            render_value(k, v, out)
        out.append(f"</{name}>")
    elif isinstance(value, (list, tuple)):
        for v in value:
            render_value(name, v, out)
    else:
        out.append(f"<{name}>{_esc(str(value))}</{name}>")


def envelope(method: str, result: Value) -> bytes:
    """A ``<methodResponse><result>...</result></methodResponse>`` envelope."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="{safexml.MD_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        f"<soapenv:Body><{method}Response>",
    ]
    render_value("result", result, out)
    out.append(f"</{method}Response></soapenv:Body></soapenv:Envelope>")
    return "".join(out).encode("utf-8")


def fault(code: str, message: str) -> bytes:
    """A SOAP fault as Salesforce sends it (``sf:CODE`` and ``CODE: message``)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="{safexml.MD_NS}">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{_esc(code)}</faultcode>"
        f"<faultstring>{_esc(code)}: {_esc(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()
