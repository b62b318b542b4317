from django.urls import path

from . import views

app_name = "tendering"
urlpatterns = [
    path("", views.tender_list, name="list"),
    path("new/<str:deal_code>/", views.tender_create, name="create"),
    path("<str:code>/", views.tender_detail, name="detail"),
    path("<str:code>/documents/", views.document_upload, name="document_upload"),
    path("<str:code>/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("<str:code>/publish/", views.tender_publish, name="publish"),
]
