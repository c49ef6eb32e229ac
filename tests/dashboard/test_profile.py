"""The promeneur edits their own public profile, and the public page shows it at the next request.

Also: bad input gets a French message and keeps what was typed; nobody else can edit the profile;
every change is in the history (who, when, which part — never the values)."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time
from PIL import Image

from structures.enums import Network
from structures.models import Absence, NetworkAccount, PresenceSlot, ProfileChange, Promeneur
from tests.accounts.factories import UserFactory
from tests.dashboard.images import CAMERA_MODEL, jpeg_with_gps, oversized_jpg, pdf_named_jpg, png
from tests.structures.factories import (
    CoordinationFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

PROFILE = reverse("dashboard:profile")


@pytest.fixture
def promeneur():
    return PromeneurFactory(first_name="Léa", job="Animatrice", bio="Ancienne présentation.")


def public_page(client, promeneur):
    """The profile as an anonymous visitor reads it (another browser: no session, no messages)."""
    return Client().get(promeneur.get_absolute_url()).content.decode()


def profile_data(**overrides):
    data = {"job": "Éducatrice spécialisée", "bio": "Je suis là le mercredi.", "age_min": 14, "age_max": 21}
    data.update(overrides)
    return data


def test_the_promeneur_edits_the_profile_and_the_public_page_shows_it_at_once(client, promeneur):
    theme = ThemeFactory(slug="harcelement-essai", name="Harcèlement (essai)")
    assert "Ancienne présentation." in public_page(client, promeneur)  # the public page, before

    client.force_login(promeneur.user)
    response = client.post(PROFILE, profile_data(themes=[theme.pk]), follow=True)

    assert "Profil enregistré" in response.content.decode()
    client.logout()
    page = public_page(client, promeneur)
    assert "Je suis là le mercredi." in page
    assert "Ancienne présentation." not in page
    assert "Éducatrice spécialisée" in page
    assert "Les jeunes de 14 à 21 ans." in page
    assert "Harcèlement (essai)" in page


def test_each_change_is_in_the_history_without_its_value(client, promeneur):
    client.force_login(promeneur.user)
    client.post(PROFILE, profile_data())

    changes = list(ProfileChange.objects.filter(promeneur=promeneur).values_list("field", "by"))
    assert sorted(changes) == sorted(
        [
            ("Métier", promeneur.user.pk),
            ("Présentation", promeneur.user.pk),
            ("Âge minimum", promeneur.user.pk),
            ("Âge maximum", promeneur.user.pk),
        ]
    )
    referent = StructureMembershipFactory(structure=promeneur.structure).user
    client.force_login(referent)
    history = client.get(reverse("dashboard:profile_history", args=[promeneur.slug])).content.decode()
    assert "Présentation" in history and "Métier" in history
    assert str(promeneur.user) in history
    assert "Je suis là le mercredi." not in history  # the value is never kept


def test_history_is_read_by_the_referent_and_the_coordination_only(client, promeneur):
    url = reverse("dashboard:profile_history", args=[promeneur.slug])
    expected = {
        "referent": (StructureMembershipFactory(structure=promeneur.structure).user, 200),
        "coordinator": (CoordinationFactory(department=promeneur.structure.department).user, 200),
        "other_referent": (StructureMembershipFactory().user, 404),
        "other_coordinator": (CoordinationFactory(department__code="33").user, 404),
        "colleague": (PromeneurFactory(structure=promeneur.structure).user, 404),
        "no_role": (UserFactory(), 404),
    }
    for role, (user, status) in expected.items():
        client.force_login(user)
        assert client.get(url).status_code == status, role


def test_photo_is_resized_and_loses_its_exif_and_gps(client, promeneur):
    client.force_login(promeneur.user)
    response = client.post(PROFILE, profile_data(photo=jpeg_with_gps()))
    assert response.status_code == 302

    promeneur.refresh_from_db()
    with promeneur.photo.open("rb") as stored:
        raw = stored.read()
    image = Image.open(io.BytesIO(raw))
    assert image.format == "JPEG"
    assert max(image.size) == 600
    assert not image.getexif()
    assert CAMERA_MODEL.encode() not in raw
    assert b"Exif" not in raw
    assert promeneur.photo.name.startswith("promeneurs/")
    assert "vacances" not in promeneur.photo.name  # the visitor's file name is not kept
    assert ProfileChange.objects.filter(promeneur=promeneur, field="Photo").exists()
    assert promeneur.photo.url in public_page(client, promeneur)


def test_transparent_png_becomes_a_jpeg(client, promeneur):
    client.force_login(promeneur.user)
    client.post(PROFILE, profile_data(photo=png()))
    promeneur.refresh_from_db()
    with promeneur.photo.open("rb") as stored:
        assert Image.open(stored).format == "JPEG"


def test_photos_go_through_the_configured_storage(client, promeneur, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    from django.core.files.storage import default_storage

    client.force_login(promeneur.user)
    client.post(PROFILE, profile_data(photo=jpeg_with_gps()))
    promeneur = Promeneur.objects.get(pk=promeneur.pk)
    assert promeneur.photo.name
    assert default_storage.exists(promeneur.photo.name)
    assert not (settings.MEDIA_ROOT / promeneur.photo.name).exists()  # nothing on the local disk


def test_replacing_then_removing_the_photo_deletes_the_old_files(
    client, promeneur, django_capture_on_commit_callbacks
):
    client.force_login(promeneur.user)
    client.post(PROFILE, profile_data(photo=png()))
    promeneur.refresh_from_db()
    first = promeneur.photo.name
    storage = promeneur.photo.storage
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE, profile_data(photo=png(name="autre.png")))
    promeneur.refresh_from_db()
    assert promeneur.photo.name != first
    assert not storage.exists(first)
    second = promeneur.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROFILE, profile_data(remove_photo="on"))
    promeneur.refresh_from_db()
    assert not promeneur.photo
    assert not storage.exists(second)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (oversized_jpg, "5 Mo au plus"),
        (pdf_named_jpg, "n’est pas une photo au format JPEG, PNG ou WebP"),
    ],
)
def test_bad_photo_gets_a_french_error_and_keeps_what_was_typed(client, promeneur, upload, message):
    client.force_login(promeneur.user)
    response = client.post(PROFILE, profile_data(bio="Texte tapé à garder", photo=upload()))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Texte tapé à garder" in html
    promeneur.refresh_from_db()
    assert not promeneur.photo
    assert promeneur.bio == "Ancienne présentation."


def test_ages_outside_the_programme_are_refused(client, promeneur):
    client.force_login(promeneur.user)
    response = client.post(PROFILE, profile_data(age_min=8, age_max=30))
    assert response.content.decode().count("L’âge doit être compris entre 12 et 25 ans.") == 2
    promeneur.refresh_from_db()
    assert (promeneur.age_min, promeneur.age_max) == (12, 25)


def test_age_range_reversed_is_refused(client, promeneur):
    client.force_login(promeneur.user)
    response = client.post(PROFILE, profile_data(age_min=20, age_max=15, job="Métier gardé"))
    html = response.content.decode()
    assert "L’âge maximum doit être supérieur ou égal à l’âge minimum." in html
    assert 'value="Métier gardé"' in html


# --- Networks -----------------------------------------------------------------------------------


def test_add_edit_and_remove_a_network_account(client, promeneur):
    client.force_login(promeneur.user)
    client.post(
        reverse("dashboard:network_add"), {"network": Network.TIKTOK, "handle": "@lea_pdn24", "url": ""}
    )
    account = NetworkAccount.objects.get(promeneur=promeneur)
    assert account.handle == "lea_pdn24"
    assert account.url == "https://www.tiktok.com/@lea_pdn24"
    assert "lea_pdn24" in public_page(client, promeneur)

    client.force_login(promeneur.user)
    client.post(
        reverse("dashboard:network_edit", args=[account.pk]),
        {"network": Network.INSTAGRAM, "handle": "lea.pdn24", "url": ""},
    )
    account.refresh_from_db()
    assert account.url == "https://www.instagram.com/lea.pdn24/"
    assert "https://www.instagram.com/lea.pdn24/" in public_page(client, promeneur)

    client.force_login(promeneur.user)
    client.post(reverse("dashboard:network_delete", args=[account.pk]))
    assert not NetworkAccount.objects.filter(promeneur=promeneur).exists()
    assert "lea.pdn24" not in public_page(client, promeneur)
    actions = list(ProfileChange.objects.filter(promeneur=promeneur).values_list("action", flat=True))
    assert sorted(actions) == ["added", "changed", "removed"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"network": Network.INSTAGRAM, "handle": "lea pdn!", "url": ""}, "Un pseudo Instagram compte"),
        (
            {"network": Network.X, "handle": "un_nom_bien_trop_long_pour_x", "url": ""},
            "Un nom d’utilisateur X",
        ),
        ({"network": Network.WHATSAPP, "handle": "06 12", "url": ""}, "format international"),
        ({"network": Network.DISCORD, "handle": "lea_pdn", "url": ""}, "lien d’invitation"),
        (
            {"network": Network.INSTAGRAM, "handle": "lea", "url": "https://www.tiktok.com/@lea"},
            "L’adresse doit être une page https de Instagram",
        ),
        ({"network": Network.INSTAGRAM, "handle": "lea", "url": "http://instagram.com/lea"}, "https://"),
    ],
)
def test_malformed_handle_or_url_gets_a_french_error_and_keeps_input(client, promeneur, data, message):
    client.force_login(promeneur.user)
    response = client.post(reverse("dashboard:network_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'value="{data["handle"]}"' in html
    assert not NetworkAccount.objects.exists()


def test_the_same_account_twice_is_refused(client, promeneur):
    NetworkAccountFactory(promeneur=promeneur, network=Network.INSTAGRAM, handle="lea.pdn")
    client.force_login(promeneur.user)
    response = client.post(reverse("dashboard:network_add"), {"network": "instagram", "handle": "lea.pdn"})
    assert "Ce compte figure déjà sur votre profil." in response.content.decode()


# --- Weekly slots -------------------------------------------------------------------------------


def test_a_slot_across_midnight_is_accepted_and_shown_publicly(client, promeneur):
    client.force_login(promeneur.user)
    client.post(reverse("dashboard:slots"), {"weekday": 4, "start": "22:00", "end": "01:00"})
    slot = PresenceSlot.objects.get(promeneur=promeneur)
    assert slot.crosses_midnight
    assert "22 h 00 – 1 h 00 (le lendemain)" in public_page(client, promeneur)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekday": 2, "start": "15:00", "end": "16:00"}, "Ce créneau chevauche celui du mercredi"),
        ({"weekday": 2, "start": "13:00", "end": "14:30"}, "Ce créneau chevauche celui du mercredi"),
        # Tuesday 23:00 → Wednesday 14:30 runs into Wednesday's slot.
        ({"weekday": 1, "start": "23:00", "end": "14:30"}, "Ce créneau chevauche celui du mercredi"),
        ({"weekday": 2, "start": "10:00", "end": "10:00"}, "La fin du créneau doit être différente"),
        ({"weekday": 2, "start": "25:00", "end": "10:00"}, "Saisissez une heure valide"),
    ],
)
def test_overlapping_or_empty_slots_are_refused(client, promeneur, data, message):
    PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(14), end=datetime.time(17))
    client.force_login(promeneur.user)
    response = client.post(reverse("dashboard:slots"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'value="{data["start"]}"' in html or data["start"] == "25:00"
    assert PresenceSlot.objects.filter(promeneur=promeneur).count() == 1


def test_sunday_night_slot_overlapping_monday_morning_is_refused(client, promeneur):
    PresenceSlotFactory(promeneur=promeneur, weekday=0, start=datetime.time(0, 30), end=datetime.time(2))
    client.force_login(promeneur.user)
    response = client.post(reverse("dashboard:slots"), {"weekday": 6, "start": "23:00", "end": "01:00"})
    assert "Ce créneau chevauche celui du lundi" in response.content.decode()


def test_editing_a_slot_does_not_collide_with_itself(client, promeneur):
    slot = PresenceSlotFactory(promeneur=promeneur, weekday=2, start=datetime.time(14), end=datetime.time(17))
    client.force_login(promeneur.user)
    client.post(
        reverse("dashboard:slot_edit", args=[slot.pk]), {"weekday": 2, "start": "15:00", "end": "18:00"}
    )
    slot.refresh_from_db()
    assert slot.start == datetime.time(15)


@freeze_time("2026-03-18 15:00:00+01:00")  # a Wednesday, 15:00 in Paris
def test_slots_page_previews_online_now_and_next_presence(client, promeneur):
    client.force_login(promeneur.user)
    html = client.get(reverse("dashboard:slots")).content.decode()
    assert "Pas de présence en ligne prévue" in html
    client.post(reverse("dashboard:slots"), {"weekday": 2, "start": "14:00", "end": "17:00"})
    assert "En ligne maintenant" in client.get(reverse("dashboard:slots")).content.decode()
    client.post(reverse("dashboard:slots"), {"weekday": 4, "start": "09:30", "end": "12:00"})
    slot = PresenceSlot.objects.get(promeneur=promeneur, weekday=2)
    client.post(reverse("dashboard:slot_delete", args=[slot.pk]))
    assert (
        "Prochaine présence\u202f: vendredi à 9 h 30"
        in client.get(reverse("dashboard:slots")).content.decode()
    )


# --- Absences -----------------------------------------------------------------------------------


@freeze_time("2026-07-10 12:00:00+02:00")
def test_an_absence_shows_on_the_public_page_and_points_to_colleagues(client, promeneur):
    colleague = PromeneurFactory(structure=promeneur.structure, first_name="Hugo")
    PresenceSlotFactory(promeneur=promeneur, weekday=4, start=datetime.time(9), end=datetime.time(18))
    assert "En ligne maintenant" in public_page(client, promeneur)

    client.force_login(promeneur.user)
    client.post(
        reverse("dashboard:absences"),
        {"kind": "sick", "starts_on": "2026-07-08", "ends_on": "2026-07-20", "note": "Note interne canari"},
    )
    client.logout()
    page = public_page(client, promeneur)
    assert "Absent·e jusqu’au 20 juillet" in page
    assert "En ligne maintenant" not in page
    assert colleague.get_absolute_url() in page
    assert reverse("referrals:contact_structure", args=[promeneur.structure.slug]) in page
    assert reverse("referrals:contact_promeneur", args=[promeneur.slug]) not in page
    assert "maladie" not in page.lower()  # the reason stays inside the team
    assert "Note interne canari" not in page


def test_an_absence_ending_before_it_starts_is_refused(client, promeneur):
    client.force_login(promeneur.user)
    response = client.post(
        reverse("dashboard:absences"),
        {"kind": "leave", "starts_on": "2026-08-10", "ends_on": "2026-08-01", "note": "Congés d’été"},
    )
    html = response.content.decode()
    assert "La fin de l’absence ne peut pas précéder son début." in html
    assert 'value="2026-08-10"' in html and "Congés d’été" in html
    assert not Absence.objects.exists()


def test_edit_and_remove_an_absence(client, promeneur):
    client.force_login(promeneur.user)
    client.post(
        reverse("dashboard:absences"), {"kind": "leave", "starts_on": "2026-08-01", "ends_on": "2026-08-10"}
    )
    absence = Absence.objects.get()
    client.post(
        reverse("dashboard:absence_edit", args=[absence.pk]),
        {"kind": "leave", "starts_on": "2026-08-01", "ends_on": "2026-08-15"},
    )
    absence.refresh_from_db()
    assert absence.ends_on == datetime.date(2026, 8, 15)
    client.post(reverse("dashboard:absence_delete", args=[absence.pk]))
    assert not Absence.objects.exists()


# --- Nobody else edits the profile --------------------------------------------------------------


def test_nobody_else_can_edit_the_profile_or_its_rows(client, promeneur):
    account = NetworkAccountFactory(promeneur=promeneur)
    slot = PresenceSlotFactory(promeneur=promeneur)
    absence = Absence.objects.create(
        promeneur=promeneur, starts_on=datetime.date(2026, 8, 1), ends_on=datetime.date(2026, 8, 2)
    )
    other = PromeneurFactory(structure=promeneur.structure)
    other_referent = StructureMembershipFactory(structure=StructureFactory()).user
    targets = [
        ("post", reverse("dashboard:network_edit", args=[account.pk]), {"network": "x", "handle": "pirate"}),
        ("post", reverse("dashboard:network_delete", args=[account.pk]), {}),
        (
            "post",
            reverse("dashboard:slot_edit", args=[slot.pk]),
            {"weekday": 0, "start": "01:00", "end": "02:00"},
        ),
        ("post", reverse("dashboard:slot_delete", args=[slot.pk]), {}),
        ("post", reverse("dashboard:absence_delete", args=[absence.pk]), {}),
    ]
    for user in (other.user, other_referent):
        client.force_login(user)
        for method, url, data in targets:
            assert getattr(client, method)(url, data).status_code == 404, (user, url)
    # A referent of another structure has no profile page of their own.
    client.force_login(other_referent)
    assert client.post(PROFILE, profile_data(bio="pirate")).status_code == 404
    client.logout()
    for method, url, data in [*targets, ("post", PROFILE, profile_data(bio="pirate"))]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    promeneur.refresh_from_db()
    assert promeneur.bio == "Ancienne présentation."
    assert NetworkAccount.objects.filter(pk=account.pk, handle=account.handle).exists()
    assert PresenceSlot.objects.filter(pk=slot.pk, start=slot.start).exists()
    assert Absence.objects.filter(pk=absence.pk).exists()
    assert not ProfileChange.objects.exists()


def test_a_promeneur_who_left_has_no_profile_page(client):
    gone = PromeneurFactory(left=True)
    client.force_login(gone.user)
    assert client.get(PROFILE).status_code == 404
