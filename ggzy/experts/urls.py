from django.urls import path

from . import pool_views, views

app_name = "experts"

urlpatterns = [
    # draws
    path("draws/", views.draw_list, name="draw_list"),
    path("draws/new/<str:lot_code>/", views.draw_request_new, name="draw_request_new"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/witness/", views.draw_witness, name="draw_witness"),
    path("draws/<int:pk>/run/", views.draw_run, name="draw_run"),
    path("draws/<int:pk>/cancel/", views.draw_cancel, name="draw_cancel"),
    path("draws/ratings/<int:pk>/", views.rating_of_expert, name="rating_of_expert"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/rating/", views.rating_of_requester, name="rating_of_requester"),
    path("invitations/<int:pk>/respond/", views.invitation_respond, name="invitation_respond"),
    path("replays/", views.replay_list, name="replay_list"),
    path("replays/<int:pk>/", views.replay_detail, name="replay_detail"),
    # pool
    path("pool/", pool_views.pool_list, name="pool_list"),
    path("pool/new/", pool_views.pool_create, name="pool_create"),
    path("pool/import/", pool_views.pool_import, name="pool_import"),
    path("pool/export/<str:fmt>/", pool_views.pool_export, name="pool_export"),
    path("pool/changes/", pool_views.pool_changes, name="pool_changes"),
    path("pool/changes/<int:pk>/review/", pool_views.pool_change_review, name="pool_change_review"),
    path("pool/<str:number>/", pool_views.pool_detail, name="pool_detail"),
    path("pool/<str:number>/suspend/", pool_views.pool_suspend, name="pool_suspend"),
    path("pool/<str:number>/restore/", pool_views.pool_restore, name="pool_restore"),
    path("pool/<str:number>/ban/", pool_views.pool_ban, name="pool_ban"),
    path("pool/<str:number>/unban/", pool_views.pool_unban, name="pool_unban"),
    path("pool/<str:number>/account/", pool_views.pool_account_link, name="pool_account_link"),
    path("me/", pool_views.my_profile, name="me"),
    path("me/contact/", pool_views.my_contact, name="me_contact"),
    path("me/conflicts/", pool_views.my_conflict, name="me_conflict"),
    path("me/change/", pool_views.my_change, name="me_change"),
]
