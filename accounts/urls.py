from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("invitations/", views.invitation_list, name="invitation_list"),
]
