from django.urls import path

from . import views

app_name = "tendering"
urlpatterns = [
    path("", views.tender_list, name="list"),
    path("new/<str:deal_code>/", views.tender_create, name="create"),
    path("keys/", views.bidder_keys, name="keys"),
    path("<str:code>/", views.tender_detail, name="detail"),
    path("<str:code>/documents/", views.document_upload, name="document_upload"),
    path("<str:code>/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("<str:code>/publish/", views.tender_publish, name="publish"),
    path("<str:code>/cancel/", views.tender_cancel, name="cancel"),
    path("<str:code>/clarify/", views.clarification_issue, name="clarify"),
    path("<str:code>/document-objections/", views.document_objection_raise, name="document_objection"),
    path(
        "<str:code>/document-objections/<int:pk>/answer/",
        views.document_objection_answer,
        name="document_objection_answer",
    ),
    path("<str:code>/lots/<str:lot_code>/bid/", views.bid_submit, name="bid_submit"),
    path("<str:code>/lots/<str:lot_code>/opening/", views.opening_room, name="opening"),
    path("<str:code>/lots/<str:lot_code>/opening/respond/", views.opening_respond, name="opening_respond"),
    path("<str:code>/lots/<str:lot_code>/reserve-price/", views.reserve_price, name="reserve_price"),
    path(
        "<str:code>/lots/<str:lot_code>/reserve-price/unseal/",
        views.reserve_price_unseal,
        name="reserve_price_unseal",
    ),
    path("<str:code>/bids/<int:pk>/not-decrypted/", views.bid_mark_not_decrypted, name="bid_mark_not_decrypted"),
    path("<str:code>/securities/", views.securities, name="securities"),
    path("<str:code>/my-securities/", views.my_securities, name="my_securities"),
    path("<str:code>/objections/<int:pk>/answer/", views.opening_answer, name="opening_answer"),
    path("<str:code>/my-bids/<int:pk>/unseal/", views.bid_unseal, name="bid_unseal"),
    path("<str:code>/my-bids/<int:pk>/unseal-backup/", views.bid_unseal_backup, name="bid_unseal_backup"),
    path("<str:code>/my-bids/", views.my_bids, name="my_bids"),
    path("<str:code>/my-bids/<int:pk>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("<str:code>/my-bids/<int:pk>/envelope/", views.my_envelope_download, name="my_envelope"),
]
