"""The XML document of one record version (docs/national-data.md, "Envelope").

    <?xml version='1.0' encoding='UTF-8'?>
    <DATA_EXCHANGE>
      <HEAD>
        <MESSAGE_ID>…</MESSAGE_ID>            platform, data set, key and version: the same on a retry
        <DATA_SET>GCJS_SECTION</DATA_SET>
        <DATA_KEY>…</DATA_KEY>
        <VERSION>2</VERSION>                  1, 2, … per (data set, key)
        <IS_CORRECTION>1</IS_CORRECTION>      1 when the receiver already holds an earlier version
        <PLATFORM_CODE>…</PLATFORM_CODE>
        <PUB_SERVICE_PLAT_CODE>…</PUB_SERVICE_PLAT_CODE>
        <CREATE_TIME>20261102100000</CREATE_TIME>
        <CONTENT_SHA256>…</CONTENT_SHA256>    digest of the content without the volatile fields
      </HEAD>
      <BODY><GCJS_SECTION>…fields in order…</GCJS_SECTION></BODY>
    </DATA_EXCHANGE>

Serialised with the standard library's ElementTree (UTF-8, text escaped by it). The builders have
already removed every character XML 1.0 cannot carry (datasets._text).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .datasets import NOTICE_CORRECTION, Record, timestamp

ROOT = "DATA_EXCHANGE"


@dataclass(frozen=True)
class Parsed:
    head: dict[str, str]
    dataset: str
    fields: dict[str, str]


def message_id(*, platform_code: str, dataset: str, key: str, version: int) -> str:
    return f"{platform_code}:{dataset}:{key}:{version}"


def _child(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, name).text = text


def document(record: Record, *, version: int, correction: bool, at: dt.datetime, digest: str) -> str:
    """The record (already stamped) in its envelope, as UTF-8 XML text."""
    platform_code = record.fields.get("PLATFORM_CODE", "")
    root = ET.Element(ROOT)
    head = ET.SubElement(root, "HEAD")
    for name, value in (
        (
            "MESSAGE_ID",
            message_id(platform_code=platform_code, dataset=record.dataset, key=record.key, version=version),
        ),
        ("DATA_SET", record.dataset),
        ("DATA_KEY", record.key),
        ("VERSION", str(version)),
        ("IS_CORRECTION", "1" if correction else "0"),
        ("PLATFORM_CODE", platform_code),
        ("PUB_SERVICE_PLAT_CODE", record.fields.get("PUB_SERVICE_PLAT_CODE", "")),
        ("CREATE_TIME", timestamp(at)),
        ("CONTENT_SHA256", digest),
    ):
        _child(head, name, value)
    item = ET.SubElement(ET.SubElement(root, "BODY"), record.dataset)
    for name, value in record.fields.items():
        _child(item, name, value)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True).decode("utf-8")


def parse(text: str | bytes) -> Parsed:
    """Read one of our own documents back (tests, and turning a version into a correction)."""
    root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    if root.tag != ROOT:
        raise ValueError(f"not a {ROOT} document")
    head_element = root.find("HEAD")
    body = root.find("BODY")
    if head_element is None or body is None or len(body) != 1:
        raise ValueError("a document has one HEAD and one record in its BODY")
    item = body[0]
    head = {child.tag: child.text or "" for child in head_element}
    return Parsed(head=head, dataset=item.tag, fields={child.tag: child.text or "" for child in item})


def as_correction(text: str) -> str:
    """The same version marked as a correction: the receiver acknowledged an earlier version
    after this one was collected. Only IS_CORRECTION and NOTICE_NATURE change."""
    root = ET.fromstring(text.encode("utf-8"))
    flag = root.find("HEAD/IS_CORRECTION")
    if flag is not None:
        flag.text = "1"
    nature = root.find("BODY/*/NOTICE_NATURE")
    if nature is not None:
        nature.text = NOTICE_CORRECTION
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True).decode("utf-8")
