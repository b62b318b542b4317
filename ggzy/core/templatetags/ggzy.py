from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ggzy.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan with thousands separators."""
    return format_yuan(fen)


@register.filter
def highlight(text: str, query: str) -> SafeString:
    """The text, escaped, with every occurrence of the query marked (case-insensitive)."""
    text = str(text)
    needle = str(query or "").strip()
    if not needle:
        return escape(text)
    lowered, target = text.lower(), needle.lower()
    parts, start = [], 0
    while (found := lowered.find(target, start)) >= 0:
        parts.append(escape(text[start:found]))
        parts.append(format_html("<mark>{}</mark>", text[found : found + len(needle)]))
        start = found + len(needle)
    parts.append(escape(text[start:]))
    return mark_safe("".join(parts))


@register.filter
def excerpt(text: str, query: str, width: int = 60) -> str:
    """A window of the text around the first occurrence of the query (the start if absent)."""
    text = " ".join(str(text).split())
    needle = str(query or "").strip().lower()
    found = text.lower().find(needle) if needle else -1
    if found < 0:
        return text[: width * 2] + ("…" if len(text) > width * 2 else "")
    begin = max(0, found - width)
    end = min(len(text), found + len(needle) + width)
    return ("…" if begin else "") + text[begin:end] + ("…" if end < len(text) else "")
