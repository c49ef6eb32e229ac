from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("accessibilite/schema-pluriannuel/", views.accessibility_plan, name="accessibility_plan"),
    path("mentions-legales/", views.legal, name="legal"),
    path("healthz", views.healthz, name="healthz"),
]
