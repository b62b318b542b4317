from django import template

from ggzy.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan with thousands separators."""
    return format_yuan(fen)
