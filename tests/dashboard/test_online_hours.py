"""Hours actually spent online, declared week by week, fill the annual report's "heures en ligne"."""

import datetime
from decimal import Decimal

import environ
import pytest
from django.urls import reverse
from freezegun import freeze_time

from promeneurs.settings.base import media_storage
from stats.services import activity_report_create, activity_report_refresh_figures
from structures.models import OnlineHours, ProfileChange
from tests.structures.factories import PromeneurFactory, StructureMembershipFactory

pytestmark = pytest.mark.django_db

HOURS = reverse("dashboard:online_hours")


@freeze_time("2026-06-17 10:00:00+02:00")  # a Wednesday
def test_declared_weeks_feed_the_annual_report(client):
    lea = PromeneurFactory()
    hugo = PromeneurFactory(structure=lea.structure)
    client.force_login(lea.user)
    # Any day of the week stands for its week; a second declaration of a week corrects it.
    client.post(HOURS, {"week": "2026-06-10", "hours": "4", "note": ""})
    response = client.post(
        HOURS, {"week": "2026-06-12", "hours": "6,5", "note": "Permanence Discord"}, follow=True
    )
    assert "6,5\u00a0h enregistrées" in response.content.decode()
    client.post(HOURS, {"week": "2026-01-05", "hours": "3", "note": ""})
    client.force_login(hugo.user)
    client.post(HOURS, {"week": "2026-06-01", "hours": "2.5", "note": ""})
    OnlineHours.objects.create(promeneur=lea, week=datetime.date(2025, 12, 29), hours=9)  # 2025's

    assert OnlineHours.objects.get(promeneur=lea, week=datetime.date(2026, 6, 8)).hours == Decimal("6.5")
    referent = StructureMembershipFactory(structure=lea.structure).user
    report = activity_report_create(structure=lea.structure, year=2026, by=referent)
    assert report.hours_online == Decimal("12.0")
    assert report.figures["online_hours_declared"] == {"hours": 12.0, "weeks": 3}

    client.force_login(referent)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Heures en ligne déclarées semaine par semaine" in page

    client.force_login(hugo.user)
    client.post(HOURS, {"week": "2026-06-15", "hours": "1", "note": ""})
    report = activity_report_refresh_figures(report=report)
    assert report.hours_online == Decimal("13.0")
    assert ProfileChange.objects.filter(promeneur=lea, field="Heures passées en ligne").count() == 3


@freeze_time("2026-06-17 10:00:00+02:00")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"week": "2026-06-22", "hours": "3", "note": "gardée"}, "Cette semaine n’a pas encore commencé."),
        ({"week": "2026-06-10", "hours": "200", "note": "gardée"}, "inférieure ou égale à 168"),
        ({"week": "2026-06-10", "hours": "beaucoup", "note": "gardée"}, "Saisissez un nombre."),
        ({"week": "pas une date", "hours": "3", "note": "gardée"}, "Saisissez une date valide."),
    ],
)
def test_bad_declarations_get_a_french_error_and_keep_input(client, data, message):
    promeneur = PromeneurFactory()
    client.force_login(promeneur.user)
    html = client.post(HOURS, data).content.decode()
    assert message in html
    assert 'value="gardée"' in html
    assert not OnlineHours.objects.exists()


def test_a_report_without_declarations_keeps_the_figure_typed_by_hand():
    promeneur = PromeneurFactory()
    report = activity_report_create(structure=promeneur.structure, year=2026, by=None)
    assert report.hours_online is None


def test_photos_go_to_an_s3_bucket_by_configuration_alone(monkeypatch):
    for name, value in {
        "DJANGO_MEDIA_STORAGE": "s3",
        "S3_BUCKET_NAME": "photos-promeneurs",
        "S3_ENDPOINT_URL": "https://s3.example.net",
        "S3_ACCESS_KEY_ID": "cle",
        "S3_SECRET_ACCESS_KEY": "secret",
    }.items():
        monkeypatch.setenv(name, value)
    storage = media_storage(environ.Env())
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "photos-promeneurs"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.net"
    assert storage["OPTIONS"]["querystring_auth"] is False
    # The backend is installed and accepts these options.
    from storages.backends.s3 import S3Storage

    assert S3Storage(**storage["OPTIONS"]).bucket_name == "photos-promeneurs"

    monkeypatch.setenv("DJANGO_MEDIA_STORAGE", "local")
    assert media_storage(environ.Env())["BACKEND"] == "django.core.files.storage.FileSystemStorage"
