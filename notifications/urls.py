from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("tableau-de-bord/notifications/", views.notification_list, name="notification_list"),
    path("tableau-de-bord/notifications/preferences/", views.preferences, name="preferences"),
]
