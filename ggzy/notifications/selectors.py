"""Reads of the notifications app."""

from __future__ import annotations

from django.db.models import QuerySet

from ggzy.accounts.models import User

from .models import Notification


def notifications_of(user: User) -> QuerySet[Notification]:
    """The messages sent to a user's account, newest first (the user's own copy)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
