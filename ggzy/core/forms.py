"""Form helpers shared by every app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest

T = TypeVar("T")


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def form_submit(
    request: HttpRequest,
    form: forms.Form | None,
    act: Callable[[dict[str, Any]], T],
    *,
    success: str | Callable[[T], str],
    invalid: str | None = None,
) -> T | None:
    """Check a posted form, let one service act on its cleaned data, and say what happened.

    Returns what the service returned, or None when nothing was done. A service refuses with a
    ValidationError and writes nothing; where its errors go depends on what the page does next:

    - a page that shows the form again (no `invalid`) gets them on the form, next to the fields
      they name (`apply_errors`); an invalid form keeps its own errors;
    - a small form posted from a larger page that is redirected to (`invalid` given), or a plain
      button (no form), gets them as messages; `invalid` is the message for a form that does not
      validate.

    PermissionDenied is not caught: it is a 403, not a message.
    """
    if form is not None and not form.is_valid():
        if invalid is not None:
            messages.error(request, invalid)
        return None
    try:
        result = act(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        if form is None or invalid is not None:
            for message in exc.messages:
                messages.error(request, message)
        else:
            apply_errors(form, exc)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result
