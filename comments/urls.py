from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("tableau-de-bord/moderation/", views.moderation_queue, name="moderation_queue"),
]
