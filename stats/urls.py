from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("tableau-de-bord/statistiques/", views.statistics, name="statistics"),
    path("tableau-de-bord/statistiques/graphiques/<slug:slug>.svg", views.chart, name="chart"),
    path("tableau-de-bord/bilans/", views.report_list, name="report_list"),
    path("tableau-de-bord/bilans/export.csv", views.report_export, name="report_export"),
    path(
        "tableau-de-bord/bilans/export.xlsx",
        views.report_export,
        {"file_format": "xlsx"},
        name="report_export_xlsx",
    ),
    path(
        "tableau-de-bord/bilans/rapport-departemental/",
        views.department_report_choice,
        name="department_report_choice",
    ),
    path(
        "tableau-de-bord/bilans/rapport-departemental/<str:code>/<int:year>.pdf",
        views.department_report_pdf,
        name="department_report_pdf",
    ),
    path("tableau-de-bord/bilans/<slug:slug>/<int:year>/", views.report_detail, name="report_detail"),
    path("tableau-de-bord/bilans/<slug:slug>/<int:year>/bilan.pdf", views.report_pdf, name="report_pdf"),
    path("tableau-de-bord/bilans/<slug:slug>/<int:year>/creer/", views.report_create, name="report_create"),
    path(
        "tableau-de-bord/bilans/<slug:slug>/<int:year>/recalculer/",
        views.report_refresh,
        name="report_refresh",
    ),
    path(
        "tableau-de-bord/bilans/<slug:slug>/<int:year>/transmettre/",
        views.report_submit,
        name="report_submit",
    ),
    path("tableau-de-bord/bilans/<slug:slug>/<int:year>/verrouiller/", views.report_lock, name="report_lock"),
    path(
        "tableau-de-bord/bilans/<slug:slug>/<int:year>/renvoyer/", views.report_return, name="report_return"
    ),
]
