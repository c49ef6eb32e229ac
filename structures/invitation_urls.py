"""The invitations' addresses, under their historical names: `accounts:invitation_list` (on the
dashboard) and `invitation_accept` (the link of the e-mail, before allauth's `comptes/`)."""

from django.urls import include, path

from . import invitation_views

urlpatterns = [
    path(
        "comptes/invitation/<str:token>/", invitation_views.invitation_accept_view, name="invitation_accept"
    ),
    path(
        "tableau-de-bord/",
        include(
            (
                [path("invitations/", invitation_views.invitation_list, name="invitation_list")],
                "accounts",
            )
        ),
    ),
]
