"""Canonical JSON (RFC 8785 restricted to integers) and base64url, as the format document defines
them. The bytes of a header or manifest are hashed as stored, so a reader accepts only the one
canonical spelling of each value: anything else would let two byte strings mean the same bid."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from bidtool.errors import BidFormatError

MAX_SAFE_INTEGER = 2**53 - 1  # what a browser's JSON.parse keeps exactly
MAX_DEPTH = 32


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, length: int | None = None, what: str = "字段") -> bytes:
    if not isinstance(text, str) or not text or "=" in text:
        raise BidFormatError(f"{what}不是无填充的 base64url 文本")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BidFormatError(f"{what}不是有效的 base64url 文本") from exc
    if b64url_encode(data) != text:
        raise BidFormatError(f"{what}的 base64url 编码不规范")
    if length is not None and len(data) != length:
        raise BidFormatError(f"{what}应为 {length} 字节，实际为 {len(data)} 字节")
    return data


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _check_string(value: str, where: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BidFormatError(f"{where}含有不成对的代理字符，无法编码为 UTF-8") from exc


def _dump(value: Any, out: list[str], where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BidFormatError(f"{where}嵌套层数超过 {MAX_DEPTH}")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise BidFormatError(f"{where}中的整数 {value} 超出 ±(2^53−1)，浏览器无法精确表示")
        out.append(str(value))
    elif isinstance(value, float):
        raise BidFormatError(f"{where}含有小数 {value!r}：金额请用整数“分”，其他数值请用整数或字符串")
    elif isinstance(value, str):
        _check_string(value, where)
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _dump(item, out, where, depth + 1)
        out.append("]")
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise BidFormatError(f"{where}的键 {key!r} 不是字符串")
            _check_string(key, where)
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_key)):
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _dump(value[key], out, where, depth + 1)
        out.append("}")
    else:
        raise BidFormatError(f"{where}含有无法写成 JSON 的值（类型 {type(value).__name__}）")


def canonical_json(value: Any, *, where: str = "JSON") -> bytes:
    """The canonical UTF-8 bytes of a JSON value: keys sorted by UTF-16 code units, no whitespace,
    integers only. Equal to JSON.stringify with sorted keys in a browser."""
    out: list[str] = []
    _dump(value, out, where, 0)
    return "".join(out).encode("utf-8")


def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BidFormatError(f"JSON 中的键“{key}”重复")
        result[key] = value
    return result


def reject_float(text: str) -> Any:
    raise BidFormatError(f"JSON 中含有小数 {text}：本格式只允许整数")


def reject_constant(text: str) -> Any:
    raise BidFormatError(f"JSON 中含有非法数值 {text}")


def parse_canonical_json(data: bytes, *, where: str) -> Any:
    """Parse bytes that must be canonical JSON; refuse any other spelling."""
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=reject_duplicate_keys, parse_float=reject_float, parse_constant=reject_constant
        )
    except UnicodeDecodeError as exc:
        raise BidFormatError(f"{where}不是有效的 UTF-8 文本") from exc
    except json.JSONDecodeError as exc:
        raise BidFormatError(f"{where}不是有效的 JSON：{exc.msg}（第 {exc.pos} 个字符）") from exc
    if canonical_json(value, where=where) != data:
        raise BidFormatError(f"{where}不是规范 JSON 编码（键须排序、无空白、只含整数），可能被改动")
    return value
