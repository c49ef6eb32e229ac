from django.urls import path

from . import views

app_name = "structures"

urlpatterns = [
    path("annuaire/", views.directory, name="directory"),
    path("annuaire/communes/", views.commune_suggestions, name="commune_suggestions"),
    path("annuaire/carte/", views.directory_map, name="directory_map"),
    path("structures/<slug:slug>/", views.structure_detail, name="structure_detail"),
    path("promeneurs/<slug:slug>/", views.promeneur_detail, name="promeneur_detail"),
]
