from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("records/", views.record_list, name="records"),
    path("records/<int:pk>/xml/", views.record_xml, name="record_xml"),
    path("records/<int:pk>/retry/", views.record_retry, name="record_retry"),
]
