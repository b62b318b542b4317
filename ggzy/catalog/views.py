"""Pages of the 交易目录 app: the public catalog and the system administrator's forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ggzy.accounts.decorators import capability_required, public
from ggzy.accounts.policies import Capability
from ggzy.core import clock
from ggzy.core.forms import apply_errors

from . import policies, selectors, services
from .forms import CatalogDateForm, CategoryForm, RetireForm
from .models import CatalogCategory


def _category_or_404(code: str) -> CatalogCategory:
    category = selectors.category_get(code)
    if category is None:
        raise Http404
    return category


@public
def tree(request: HttpRequest) -> HttpResponse:
    form = CatalogDateForm(request.GET or None)
    on = form.cleaned_data["on"] if form.is_valid() and form.cleaned_data["on"] else clock.today()
    roots = selectors.catalog_tree(on)
    # Rows under each root, indented by depth with ideographic spaces (the CSP forbids inline styles).
    sections = [
        (root, [(node, "\u3000" * (node.depth - 1)) for node in selectors.tree_walk(root.children)]) for root in roots
    ]
    return render(
        request,
        "catalog/tree.html",
        {
            "form": form,
            "on": on,
            "is_today": on == clock.today(),
            "sections": sections,
            "can_manage": policies.can_manage(request.user),
        },
    )


@capability_required(Capability.CATALOG_MANAGE)
def create(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None, initial={"effective_from": clock.today(), "sort_order": 0})
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("已新增目录类别“{name}”（{code}）。").format(name=category.name, code=category.code)
            )
            return redirect("catalog:tree")
    return render(request, "catalog/category_form.html", {"form": form, "category": None})


@capability_required(Capability.CATALOG_MANAGE)
def edit(request: HttpRequest, code: str) -> HttpResponse:
    category = _category_or_404(code)
    form = CategoryForm(request.POST or None, category=category)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_update(actor=request.user, category=category, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("已保存目录类别“{name}”（{code}）。").format(name=category.name, code=category.code)
            )
            return redirect("catalog:tree")
    return render(
        request,
        "catalog/category_form.html",
        {"form": form, "category": category, "retire_form": RetireForm(initial={"effective_to": clock.today()})},
    )


@capability_required(Capability.CATALOG_MANAGE)
def retire(request: HttpRequest, code: str) -> HttpResponse:
    category = _category_or_404(code)
    form = RetireForm(request.POST or None, initial={"effective_to": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_retire(
                actor=request.user, category=category, effective_to=form.cleaned_data["effective_to"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("目录类别“{name}”（{code}）自{date}起失效。").format(
                    name=category.name, code=category.code, date=form.cleaned_data["effective_to"].isoformat()
                ),
            )
            return redirect("catalog:tree")
    return render(request, "catalog/category_retire.html", {"form": form, "category": category})
