from django.urls import path

from .views import dashboard, orientations, public

app_name = "referrals"

urlpatterns = [
    # Public: the young person makes the first move.
    path("contact/", public.contact, name="contact"),
    path("contact/promeneur/<slug:slug>/", public.contact_promeneur, name="contact_promeneur"),
    path("contact/structure/<slug:slug>/", public.contact_structure, name="contact_structure"),
    path("contact/confirmation/<str:token>/", public.acknowledgment, name="acknowledgment"),
    path("suivi/", public.follow_up_lookup, name="follow_up_lookup"),
    path("suivi/<str:token>/", public.follow_up, name="follow_up"),
    path("suivi/<str:token>/avis/", public.follow_up_helpfulness, name="follow_up_helpfulness"),
    path("suivi/<str:token>/conversation/", public.follow_up_message, name="follow_up_message"),
    path(
        "suivi/<str:token>/conversation/messages/",
        public.follow_up_conversation_poll,
        name="follow_up_conversation_poll",
    ),
    # Dashboard: promeneurs, referents, coordinators.
    path("tableau-de-bord/demandes/", dashboard.inbox, name="inbox"),
    path("tableau-de-bord/demandes/<uuid:uuid>/", dashboard.request_detail, name="request_detail"),
    path("tableau-de-bord/demandes/<uuid:uuid>/prendre-en-charge/", dashboard.claim, name="claim"),
    path("tableau-de-bord/demandes/<uuid:uuid>/statut/", dashboard.change_status, name="change_status"),
    path("tableau-de-bord/demandes/<uuid:uuid>/notes/", dashboard.add_note, name="add_note"),
    path("tableau-de-bord/demandes/<uuid:uuid>/reattribuer/", dashboard.reassign, name="reassign"),
    path(
        "tableau-de-bord/demandes/<uuid:uuid>/conversation/",
        dashboard.conversation_post,
        name="conversation_post",
    ),
    path(
        "tableau-de-bord/demandes/<uuid:uuid>/conversation/messages/",
        dashboard.conversation_poll,
        name="conversation_poll",
    ),
    path(
        "tableau-de-bord/demandes/<uuid:uuid>/conversation/bloquer/",
        dashboard.conversation_block_view,
        name="conversation_block",
    ),
    path("tableau-de-bord/demandes/<uuid:uuid>/confier/", dashboard.dispatch, name="dispatch"),
    path("tableau-de-bord/structure/", dashboard.structure_workload, name="structure_workload"),
    path("tableau-de-bord/structure/journal/", dashboard.access_log, name="access_log"),
    path("tableau-de-bord/departement/", dashboard.department_pool, name="department_pool"),
    path(
        "tableau-de-bord/demandes/<uuid:uuid>/orienter/",
        orientations.orientation_create,
        name="orientation_create",
    ),
    path("tableau-de-bord/orientations/", orientations.orientation_list, name="orientation_list"),
    path(
        "tableau-de-bord/orientations/<uuid:uuid>/",
        orientations.orientation_detail,
        name="orientation_detail",
    ),
]
