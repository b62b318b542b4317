"""Pages of the auctions app (mounted at /auctions/)."""

from django.urls import path

from . import live_views, views

app_name = "auctions"
urlpatterns = [
    path("", views.sale_list, name="list"),
    path("mine/", views.my_registrations, name="mine"),
    path("manage/", views.sale_manage, name="manage"),
    path("new/<str:lot_code>/", views.sale_create, name="create"),
    path("predisclosure/<str:lot_code>/", views.predisclosure, name="predisclosure"),
    path("object/<str:lot_code>/", views.trade_object, name="object"),
    path("<int:pk>/", views.sale_detail, name="detail"),
    path("<int:pk>/apply/", views.registration_apply, name="apply"),
    path("<int:pk>/bid/", views.sale_bid, name="bid"),
    path("<int:pk>/registrations/", views.sale_registrations, name="registrations"),
    path(
        "<int:pk>/registrations/<int:registration_id>/review/",
        views.registration_review,
        name="registration_review",
    ),
    path("<int:pk>/reserve/", views.sale_reserve, name="reserve"),
    path("<int:pk>/reserve/open/", views.reserve_open, name="reserve_open"),
    path("<int:pk>/operate/", views.sale_operate, name="operate"),
    path(
        "<int:pk>/registrations/<int:registration_id>/deposit/",
        views.deposit_confirm,
        name="deposit_confirm",
    ),
    path("<int:pk>/increments/", views.sale_increments, name="increments"),
    path("<int:pk>/freeze/", views.sale_freeze, name="freeze"),
    path("<int:pk>/resume/", views.sale_resume, name="resume"),
    path("<int:pk>/negotiate/", views.sale_negotiate, name="negotiate"),
    path("<int:pk>/live/", live_views.sale_live, name="live"),
]
