from django.urls import path

from . import views

app_name = "disclosure"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("atom/", views.notice_atom, name="atom"),
    path("sitemap.xml", views.sitemap_index, name="sitemap_index"),
    path("sitemap-<int:page>.xml", views.sitemap, name="sitemap"),
    path("projects/<str:deal_code>/", views.project_timeline, name="timeline"),
    path("new/", views.notice_create, name="create"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/correct/", views.notice_correct, name="correct"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
]
