import io

import pytest
from django.core.management import CommandError, call_command

from referrals.models import ContactRequest, Orientation
from structures.models import Convention, PresenceSlot, Promeneur, Structure

pytestmark = pytest.mark.django_db


def test_seed_volume_creates_the_requested_counts(settings):
    settings.DEBUG = True
    before = Structure.objects.count()
    stderr = io.StringIO()
    call_command(
        "seed_volume",
        structures=7,
        requests=23,
        batch=5,
        orientation_rate=1.0,
        seed=4,
        stdout=io.StringIO(),
        stderr=stderr,
    )
    assert Structure.objects.count() - before == 7
    assert Convention.objects.count() == 7
    assert Promeneur.objects.count() == 14
    assert PresenceSlot.objects.count() == 14
    assert ContactRequest.objects.count() == 23
    assert ContactRequest.objects.filter(themes__isnull=False).distinct().count() == 23
    assert ContactRequest.objects.values("reference").distinct().count() == 23
    assert Orientation.objects.count() > 0
    assert "demandes" in stderr.getvalue() and "23/23" in stderr.getvalue()


def test_seed_volume_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG est désactivé"):
        call_command("seed_volume", structures=1, requests=1, stdout=io.StringIO(), stderr=io.StringIO())
    call_command(
        "seed_volume", structures=1, requests=1, force=True, stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert ContactRequest.objects.count() == 1


def test_seed_volume_adds_requests_to_existing_structures(settings):
    settings.DEBUG = True
    call_command("seed_volume", structures=3, requests=0, stdout=io.StringIO(), stderr=io.StringIO())
    call_command(
        "seed_volume", structures=0, requests=12, existing=True, stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert Structure.objects.filter(slug__startswith="volume-").count() == 3
    assert ContactRequest.objects.filter(structure__slug__startswith="volume-").count() == 12
