from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "accounts"

urlpatterns = [
    # The dashboard's home is `dashboard:home`, at the same address (its URLs come first); this
    # name stays so that links written as `accounts:dashboard` keep leading there.
    path("", RedirectView.as_view(pattern_name="dashboard:home"), name="dashboard"),
    path("invitations/", views.invitation_list, name="invitation_list"),
]
