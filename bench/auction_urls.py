"""The URLconf of the servers bench_auction.py starts: every URL of the platform, and the floor.

The floor is the least a bid endpoint can cost on this stack: a POST through the same middleware
(session, CSRF, authentication), whose JSON body is parsed and stored as one row in one durable
transaction, answered with a small JSON document. It checks no rule and takes no lock."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as platform_urlpatterns

FLOOR_TABLE = "bench_auction_floor"


@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    body = json.loads(request.body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (user_id, amount_fen, key) VALUES (%s, %s, %s) RETURNING id",
            [request.user.pk, int(body["amount_fen"]), str(body["key"])],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id, "amount_fen": int(body["amount_fen"])}, status=201)


urlpatterns = [path("bench/floor/", floor), *platform_urlpatterns]
