"""form_submit: one service call per posted form; a refusal lands on the form or in the messages."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.test import RequestFactory

from ggzy.core.forms import form_submit


class NameForm(forms.Form):
    name = forms.CharField()


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(message.tags, str(message)) for message in get_messages(request)]


def _refuse(data: dict[str, Any]) -> None:
    raise ValidationError({"name": "名称已被占用。", "other": "另一个问题。"})


def test_success_returns_the_result_and_says_so():
    request = _request()
    result = form_submit(
        request, NameForm({"name": "甲"}), lambda data: data["name"] * 2, success=lambda value: f"完成：{value}"
    )
    assert result == "甲甲"
    assert _said(request) == [("success", "完成：甲甲")]


def test_a_page_that_shows_the_form_again_gets_the_errors_next_to_the_fields():
    request = _request()
    form = NameForm({"name": "甲"})
    assert form_submit(request, form, _refuse, success="完成") is None
    assert form.errors["name"] == ["名称已被占用。"]
    assert form.non_field_errors() == ["另一个问题。"]
    assert _said(request) == []


def test_an_invalid_form_is_not_acted_on():
    request, calls = _request(), []
    form = NameForm({})
    assert form_submit(request, form, calls.append, success="完成") is None
    assert calls == [] and "name" in form.errors and _said(request) == []

    flashed = _request()
    assert form_submit(flashed, NameForm({}), calls.append, success="完成", invalid="请填写名称。") is None
    assert calls == [] and _said(flashed) == [("error", "请填写名称。")]


def test_a_redirecting_page_or_a_button_gets_the_errors_as_messages():
    request = _request()
    form = NameForm({"name": "甲"})
    assert form_submit(request, form, _refuse, success="完成", invalid="请填写名称。") is None
    assert _said(request) == [("error", "名称已被占用。"), ("error", "另一个问题。")]

    button = _request()
    assert form_submit(button, None, _refuse, success="完成") is None
    assert _said(button) == [("error", "名称已被占用。"), ("error", "另一个问题。")]


def test_permission_denied_is_not_a_message():
    def deny(data: dict[str, Any]) -> None:
        raise PermissionDenied

    with pytest.raises(PermissionDenied):
        form_submit(_request(), None, deny, success="完成")
