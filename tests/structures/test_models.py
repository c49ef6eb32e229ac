import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from structures.enums import Funder, Network, PromeneurStatus
from structures.models import Promeneur, Structure
from tests.structures.factories import (
    AbsenceFactory,
    ConventionFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def t(value):
    return datetime.time.fromisoformat(value)


def assert_violates(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


# --- Database constraints -----------------------------------------------------------------------


@pytest.mark.django_db
class TestConstraints:
    def test_postcode_must_have_five_digits(self):
        assert_violates(StructureFactory, postcode="2400")
        assert_violates(StructureFactory, postcode="24A00")

    def test_coordinates_are_both_set_or_both_empty_and_in_range(self):
        assert_violates(StructureFactory, latitude=Decimal("45"), longitude=None)
        assert_violates(StructureFactory, latitude=Decimal("95"), longitude=Decimal("0"))
        structure = StructureFactory(latitude=None, longitude=None)
        assert not structure.has_coordinates

    def test_one_convention_per_structure_funder_and_year(self):
        convention = ConventionFactory(year=2026, funder=Funder.CAF)
        assert_violates(ConventionFactory, structure=convention.structure, year=2026, funder=Funder.CAF)
        ConventionFactory(structure=convention.structure, year=2026, funder=Funder.MSA)
        ConventionFactory(structure=convention.structure, year=2027, funder=Funder.CAF)

    def test_convention_amount_is_positive_and_ends_after_it_starts(self):
        assert_violates(ConventionFactory, amount=Decimal("-1"))
        assert_violates(
            ConventionFactory, starts_on=datetime.date(2026, 6, 1), ends_on=datetime.date(2026, 5, 31)
        )

    def test_convention_amount_keeps_cents_exactly(self):
        convention = ConventionFactory(amount=Decimal("1700.10"))
        convention.refresh_from_db()
        assert convention.amount == Decimal("1700.10")

    def test_promeneur_age_range_stays_within_12_and_25(self):
        assert_violates(PromeneurFactory, age_min=10)
        assert_violates(PromeneurFactory, age_max=30)
        assert_violates(PromeneurFactory, age_min=20, age_max=15)

    def test_a_labelled_promeneur_has_a_label_date(self):
        assert_violates(PromeneurFactory, status=PromeneurStatus.LABELLED, labelled_on=None)

    def test_presence_slot_cannot_be_empty(self):
        assert_violates(PresenceSlotFactory, start=t("14:00"), end=t("14:00"))

    def test_absence_ends_after_it_starts(self):
        assert_violates(
            AbsenceFactory, starts_on=datetime.date(2026, 7, 2), ends_on=datetime.date(2026, 7, 1)
        )

    def test_structure_with_promeneurs_cannot_be_deleted(self):
        promeneur = PromeneurFactory()
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            promeneur.structure.delete()


# --- Model rules ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPromeneurRules:
    def test_display_name_and_slug_are_made_from_first_name_and_structure(self):
        structure = StructureFactory(name="Espace Ruban Vert")
        first = PromeneurFactory(first_name="Inès", structure=structure)
        second = PromeneurFactory(first_name="Inès", structure=structure)
        assert first.display_name == "Inès — Espace Ruban Vert"
        assert first.slug == "ines-espace-ruban-vert"
        assert second.slug == "ines-espace-ruban-vert-2"

    @pytest.mark.parametrize(
        "start, allowed",
        [
            (PromeneurStatus.CANDIDATE, {PromeneurStatus.TRAINED, PromeneurStatus.LEFT}),
            (PromeneurStatus.TRAINED, {PromeneurStatus.LABELLED, PromeneurStatus.LEFT}),
            (PromeneurStatus.LABELLED, {PromeneurStatus.SUSPENDED, PromeneurStatus.LEFT}),
            (PromeneurStatus.SUSPENDED, {PromeneurStatus.LABELLED, PromeneurStatus.LEFT}),
            (PromeneurStatus.LEFT, set()),
        ],
    )
    def test_status_changes_follow_the_transition_table(self, start, allowed):
        for target in PromeneurStatus:
            promeneur = PromeneurFactory(status=start, labelled_on=datetime.date(2026, 1, 1))
            if target in allowed:
                promeneur.change_status(target)
                promeneur.refresh_from_db()
                assert promeneur.status == target
            elif target != start:
                with pytest.raises(ValidationError):
                    promeneur.change_status(target)
                promeneur.refresh_from_db()
                assert promeneur.status == start

    def test_labelling_dates_the_label(self, settings):
        promeneur = PromeneurFactory(status=PromeneurStatus.TRAINED, labelled_on=None)
        promeneur.change_status(PromeneurStatus.LABELLED)
        promeneur.refresh_from_db()
        assert promeneur.labelled_on is not None

    def test_form_validation_refuses_a_status_jump(self):
        promeneur = PromeneurFactory(candidate=True)
        promeneur.status = PromeneurStatus.LABELLED
        with pytest.raises(ValidationError) as error:
            promeneur.full_clean()
        assert "Passage impossible" in str(error.value)

    def test_public_queryset_keeps_only_labelled_promeneurs_of_public_structures_with_active_accounts(self):
        visible = PromeneurFactory()
        without_account = PromeneurFactory(user=None)
        PromeneurFactory(candidate=True)
        PromeneurFactory(suspended=True)
        PromeneurFactory(left=True)
        PromeneurFactory(structure=StructureFactory(is_public=False))
        PromeneurFactory(user__is_active=False)
        assert set(Promeneur.objects.public()) == {visible, without_account}
        assert set(Structure.objects.with_labelled_promeneurs()) == {
            visible.structure,
            without_account.structure,
        }


@pytest.mark.django_db
class TestNetworkAccount:
    @pytest.mark.parametrize(
        "network, url",
        [
            (Network.INSTAGRAM, "https://www.instagram.com/ines.rubanvert/"),
            (Network.TIKTOK, "https://www.tiktok.com/@ines"),
            (Network.DISCORD, "https://discord.gg/abcd"),
            (Network.X, "https://twitter.com/ines"),
            (Network.YOUTUBE, "https://youtu.be/abc"),
        ],
    )
    def test_url_of_the_network_is_accepted(self, network, url):
        NetworkAccountFactory.build(promeneur=PromeneurFactory(), network=network, url=url).full_clean()

    @pytest.mark.parametrize(
        "network, url",
        [
            (Network.INSTAGRAM, "https://www.tiktok.com/@ines"),
            (Network.INSTAGRAM, "http://www.instagram.com/ines"),
            (Network.INSTAGRAM, "https://instagram.com.evil.example/ines"),
            (Network.SNAPCHAT, "https://example.com/snapchat.com"),
            (Network.FACEBOOK, "javascript:alert(1)"),
        ],
    )
    def test_url_of_another_site_is_refused(self, network, url):
        account = NetworkAccountFactory.build(promeneur=PromeneurFactory(), network=network, url=url)
        with pytest.raises(ValidationError):
            account.full_clean()


# --- "Online now" --------------------------------------------------------------------------------


def online(promeneur, moment):
    """Both computations: the queryset's (SQL) and the instance's (Python) must agree."""
    in_sql = Promeneur.objects.online_at(moment).filter(pk=promeneur.pk).exists()
    fresh = Promeneur.objects.prefetch_related("presence_slots", "absences").get(pk=promeneur.pk)
    in_python = fresh.is_online_at(moment)
    assert in_sql == in_python, f"SQL says {in_sql}, Python says {in_python} at {moment}"
    return in_sql


@pytest.mark.django_db
class TestOnlineNow:
    def test_within_a_slot_of_the_day(self):
        # Wednesday 14:00–17:00; 2026-11-25 is a Wednesday.
        slot = PresenceSlotFactory(weekday=2, start=t("14:00"), end=t("17:00"))
        promeneur = slot.promeneur
        assert online(promeneur, paris(2026, 11, 25, 14, 0))
        assert online(promeneur, paris(2026, 11, 25, 16, 59))
        assert not online(promeneur, paris(2026, 11, 25, 17, 0))
        assert not online(promeneur, paris(2026, 11, 25, 13, 59))
        assert not online(promeneur, paris(2026, 11, 26, 15, 0))  # Thursday

    def test_a_slot_across_midnight_covers_both_days(self):
        # Saturday 21:00 → Sunday 00:30; 2026-11-28 is a Saturday.
        slot = PresenceSlotFactory(weekday=5, start=t("21:00"), end=t("00:30"))
        promeneur = slot.promeneur
        assert online(promeneur, paris(2026, 11, 28, 23, 59))
        assert online(promeneur, paris(2026, 11, 29, 0, 15))  # Sunday, after midnight
        assert not online(promeneur, paris(2026, 11, 29, 0, 30))
        assert not online(promeneur, paris(2026, 11, 28, 0, 15))  # Saturday just after midnight: no
        assert not online(promeneur, paris(2026, 11, 28, 20, 59))

    def test_a_slot_ending_at_midnight(self):
        slot = PresenceSlotFactory(weekday=4, start=t("20:00"), end=t("00:00"))
        assert online(slot.promeneur, paris(2026, 11, 27, 23, 30))
        assert not online(slot.promeneur, paris(2026, 11, 28, 0, 0))
        assert slot.duration_hours == 4

    def test_nobody_is_online_during_an_absence(self):
        slot = PresenceSlotFactory(weekday=2, start=t("14:00"), end=t("17:00"))
        AbsenceFactory(
            promeneur=slot.promeneur,
            starts_on=datetime.date(2026, 11, 23),
            ends_on=datetime.date(2026, 11, 25),
        )
        assert not online(slot.promeneur, paris(2026, 11, 25, 15, 0))
        assert online(slot.promeneur, paris(2026, 12, 2, 15, 0))  # the next Wednesday

    def test_slots_are_read_in_paris_time_across_daylight_saving_changes(self):
        # Sunday 10:00–12:00, Paris time. On 2026-03-29 clocks go forward (UTC+1 → UTC+2).
        slot = PresenceSlotFactory(weekday=6, start=t("10:00"), end=t("12:00"))
        promeneur = slot.promeneur
        # 08:30 UTC is 09:30 in winter (UTC+1): not yet online…
        assert not online(promeneur, datetime.datetime(2026, 3, 22, 8, 30, tzinfo=UTC))
        # …but 10:30 in summer time (UTC+2), one week later.
        assert online(promeneur, datetime.datetime(2026, 3, 29, 8, 30, tzinfo=UTC))
        # And back in winter on 2026-10-25: 10:30 UTC is 11:30 in Paris, online; 11:30 UTC is 12:30, not.
        assert online(promeneur, datetime.datetime(2026, 10, 25, 10, 30, tzinfo=UTC))
        assert not online(promeneur, datetime.datetime(2026, 10, 25, 11, 30, tzinfo=UTC))

    def test_next_slot_skips_absences_and_is_in_paris_time(self):
        slot = PresenceSlotFactory(weekday=2, start=t("14:00"), end=t("17:00"))
        promeneur = Promeneur.objects.prefetch_related("presence_slots", "absences").get(pk=slot.promeneur.pk)
        after = paris(2026, 11, 25, 18, 0)
        assert promeneur.next_slot_after(after) == paris(2026, 12, 2, 14, 0)
        AbsenceFactory(
            promeneur=promeneur, starts_on=datetime.date(2026, 12, 1), ends_on=datetime.date(2026, 12, 3)
        )
        promeneur = Promeneur.objects.prefetch_related("presence_slots", "absences").get(pk=slot.promeneur.pk)
        assert promeneur.next_slot_after(after) == paris(2026, 12, 9, 14, 0)

    def test_next_slot_of_a_promeneur_without_hours_is_none(self):
        promeneur = PromeneurFactory()
        assert promeneur.next_slot_after(paris(2026, 11, 25, 18, 0)) is None
        assert promeneur.weekly_hours == 0
