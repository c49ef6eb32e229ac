from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from structures.enums import PromeneurStatus
from structures.models import Convention, NetworkAccount, Promeneur, Structure

DORDOGNE_NETWORK = {
    "Association Jeunes Coursac Razac": "Coursac",
    "Espace socioculturel Ruban Vert": "Mareuil en Périgord",
    "CCAS le Forum@": "Marsac-sur-l’Isle",
    "Campus des métiers": "Périgueux",
}


def test_load_demo_is_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("load_demo")
    assert not User.objects.filter(email__endswith="@demo.test").exists()
    assert not Structure.objects.exists()


def test_load_demo_builds_the_dordogne_network_and_one_account_per_role(db, settings):
    settings.DEBUG = True
    call_command("load_demo")

    year = timezone.localdate().year
    for name, commune in DORDOGNE_NETWORK.items():
        structure = Structure.objects.get(name=name)
        assert structure.commune == commune
        assert structure.department.code == "24"
        convention = Convention.objects.get(structure=structure, year=year)
        assert convention.amount == Decimal("1700.00")
        # Ruban Vert also has a colleague on leave and one with an incomplete profile.
        expected = 3 if name == "Espace socioculturel Ruban Vert" else 1
        assert structure.promeneurs.public().count() == expected
    assert Structure.objects.exclude(department__code="24").values("department").distinct().count() == 2

    promeneur = User.objects.get(email="promeneur@demo.test")
    assert promeneur.promeneur.structure.name == "Espace socioculturel Ruban Vert"
    assert promeneur.check_password("promeneurs-demo")
    assert User.objects.get(email="promeneur2@demo.test").promeneur.structure.name == "CCAS le Forum@"
    referent = User.objects.get(email="referent@demo.test")
    assert referent.is_referent and referent.promeneur_profile is None
    coordinator = User.objects.get(email="coordination@demo.test")
    assert coordinator.is_coordinator and coordinator.coordinated_department_ids == {
        Structure.objects.get(name="CCAS le Forum@").department_id
    }
    assert User.objects.get(email="moderation@demo.test").is_moderator
    caf = User.objects.get(email="caf@demo.test")
    assert caf.is_caf_staff and caf.is_staff
    for user in User.objects.filter(email__endswith="@demo.test"):
        assert user.check_password("promeneurs-demo"), user.email


def test_load_demo_runs_again_without_duplicating_anything(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    counts = (
        Structure.objects.count(),
        Promeneur.objects.count(),
        Convention.objects.count(),
        User.objects.count(),
    )
    call_command("load_demo")
    assert counts == (
        Structure.objects.count(),
        Promeneur.objects.count(),
        Convention.objects.count(),
        User.objects.count(),
    )


def test_demo_rows_pass_model_validation(db, settings):
    """bulk_create skips full_clean: the demo's network URLs and profiles must still be valid."""
    settings.DEBUG = True
    call_command("load_demo")
    for account in NetworkAccount.objects.all():
        account.full_clean()
    for promeneur in Promeneur.objects.all():
        assert promeneur.status == PromeneurStatus.LABELLED
        promeneur.full_clean()
        # Every demo promeneur has hours, but the one whose profile is incomplete on purpose.
        assert promeneur.presence_slots.exists() == (promeneur.slug != "nora-ruban-vert")


def test_demo_has_an_absent_promeneur_and_an_incomplete_profile(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    today = timezone.localdate()
    away = Promeneur.objects.get(slug="theo-ruban-vert")
    assert away.absences.filter(starts_on__lte=today, ends_on__gte=today).exists()
    incomplete = Promeneur.objects.get(slug="nora-ruban-vert")
    assert not incomplete.networks.exists() and not incomplete.presence_slots.exists()
    assert Promeneur.objects.get(slug="ines-ruban-vert").online_hours.count() == 4
