from django.urls import path

from .views import home, profile

app_name = "dashboard"

urlpatterns = [
    path("", home.home, name="home"),
    path("profil/", profile.profile, name="profile"),
    path("profil/reseaux/ajouter/", profile.network_edit, name="network_add"),
    path("profil/reseaux/<int:pk>/", profile.network_edit, name="network_edit"),
    path("profil/reseaux/<int:pk>/retirer/", profile.network_delete, name="network_delete"),
    path("profil/horaires/", profile.slots, name="slots"),
    path("profil/horaires/<int:pk>/", profile.slots, name="slot_edit"),
    path("profil/horaires/<int:pk>/retirer/", profile.slot_delete, name="slot_delete"),
    path("profil/absences/", profile.absences, name="absences"),
    path("profil/absences/<int:pk>/", profile.absences, name="absence_edit"),
    path("profil/absences/<int:pk>/retirer/", profile.absence_remove, name="absence_delete"),
    path("profil/heures-en-ligne/", profile.online_hours, name="online_hours"),
    path("profil/heures-en-ligne/<int:pk>/retirer/", profile.online_hours_remove, name="online_hours_delete"),
    path("equipe/<slug:slug>/historique/", profile.profile_history, name="profile_history"),
]
