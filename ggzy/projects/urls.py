from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("register/", views.project_register, name="register"),
    path("<str:deal_code>/", views.project_detail, name="detail"),
]
