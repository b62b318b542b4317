from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("projects/<str:deal_code>/suspend/", views.project_suspend, name="project_suspend"),
    path("projects/<str:deal_code>/resume/", views.project_resume, name="project_resume"),
]
