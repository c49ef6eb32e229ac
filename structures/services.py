"""A promeneur's own profile: every change is saved through here, and written in its history; and
a promeneur's departure (`promeneur_deactivate`).

The history (`ProfileChange`) says who changed which part of the profile, and when; it never keeps
the values, so it can be shown to the referent and the coordination without copying anything else.
Each change is saved through the model (`save`, `delete`, `set`), so that whatever listens to the
models (the public pages' cache) sees it at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import user_deactivate
from promeneurs.typography import time_range

from .enums import ProfileChangeAction, PromeneurStatus
from .models import Absence, NetworkAccount, OnlineHours, PresenceSlot, ProfileChange, Promeneur
from .signals import promeneur_leaving

# The parts of the profile a promeneur edits, as the history names them.
PROFILE_FIELD_LABELS = {
    "bio": "Présentation",
    "job": "Métier",
    "photo": "Photo",
    "themes": "Thèmes",
    "age_min": "Âge minimum",
    "age_max": "Âge maximum",
}


def profile_change_record(*, promeneur: Promeneur, by, field: str, action: str) -> ProfileChange:
    return ProfileChange.objects.create(promeneur=promeneur, by=by, field=field, action=action)


def _lock(promeneur):
    """Serialise the changes of one promeneur's schedule (two tabs saving overlapping slots)."""
    Promeneur.objects.select_for_update().filter(pk=promeneur.pk).first()


@transaction.atomic
def promeneur_profile_update(
    *, promeneur: Promeneur, by, values: dict, themes=None, photo=None, remove_photo=False
) -> list[str]:
    """Save the changed fields of the public profile; returns the labels of what changed."""
    changed = [name for name, value in values.items() if getattr(promeneur, name) != value]
    for name in changed:
        setattr(promeneur, name, values[name])
    old_photo = promeneur.photo.name if promeneur.photo else ""
    if photo is not None:
        promeneur.photo.save(photo.name, photo, save=False)
        changed.append("photo")
    elif remove_photo and old_photo:
        promeneur.photo = ""
        changed.append("photo")
    promeneur.full_clean(exclude=["themes", "user"])
    if changed:
        promeneur.save()
    if themes is not None:
        new_ids = {theme.pk for theme in themes}
        if new_ids != set(promeneur.themes.values_list("pk", flat=True)):
            promeneur.themes.set(themes)
            changed.append("themes")
    for name in changed:
        profile_change_record(
            promeneur=promeneur, by=by, field=PROFILE_FIELD_LABELS[name], action=ProfileChangeAction.CHANGED
        )
    if "photo" in changed and old_photo:
        storage = promeneur.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    return [PROFILE_FIELD_LABELS[name] for name in changed]


ProfileRow = NetworkAccount | PresenceSlot | Absence | OnlineHours


def _row_save(row: ProfileRow, *, by, field: str) -> None:
    """Validate and save one row of the profile (added or changed), and write it in the history."""
    action = ProfileChangeAction.CHANGED if row.pk else ProfileChangeAction.ADDED
    row.full_clean()
    row.save()
    profile_change_record(promeneur=row.promeneur, by=by, field=field, action=action)


def _row_delete(row: ProfileRow, *, by, field: str) -> None:
    profile_change_record(promeneur=row.promeneur, by=by, field=field, action=ProfileChangeAction.REMOVED)
    row.delete()


@transaction.atomic
def network_account_save(*, account: NetworkAccount, by) -> NetworkAccount:
    _row_save(account, by=by, field=f"Réseau {account.get_network_display()}")
    return account


@transaction.atomic
def network_account_delete(*, account: NetworkAccount, by) -> None:
    _row_delete(account, by=by, field=f"Réseau {account.get_network_display()}")


def overlapping_slot(slot: PresenceSlot):
    """Another slot of the same promeneur that `slot` would overlap, or None."""
    others = PresenceSlot.objects.filter(promeneur_id=slot.promeneur_id).exclude(pk=slot.pk)
    return next((other for other in others if slot.overlaps(other)), None)


@transaction.atomic
def presence_slot_save(*, slot: PresenceSlot, by) -> PresenceSlot:
    """Add or change a weekly slot; a slot may cross midnight, never overlap another one."""
    _lock(slot.promeneur)
    if slot.start == slot.end:
        raise ValidationError("Le début et la fin du créneau sont identiques.")
    if other := overlapping_slot(slot):
        raise ValidationError(
            f"Ce créneau chevauche celui du {other.get_weekday_display()} ({slot_label(other)})."
        )
    _row_save(slot, by=by, field="Horaires en ligne")
    return slot


@transaction.atomic
def presence_slot_delete(*, slot: PresenceSlot, by) -> None:
    _row_delete(slot, by=by, field="Horaires en ligne")


def slot_label(slot):
    """ "14 h 00 – 17 h 00", "22 h 00 – 1 h 00 le lendemain"."""
    text = time_range(slot.start, slot.end)
    return text + " le lendemain" if slot.crosses_midnight else text


@transaction.atomic
def absence_save(*, absence: Absence, by) -> Absence:
    if absence.starts_on and absence.ends_on and absence.ends_on < absence.starts_on:
        raise ValidationError({"ends_on": "La fin de l’absence ne peut pas précéder son début."})
    _row_save(absence, by=by, field="Absences")
    return absence


@transaction.atomic
def absence_delete(*, absence: Absence, by) -> None:
    _row_delete(absence, by=by, field="Absences")


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of the week of `day`."""
    return day - datetime.timedelta(days=day.weekday())


@transaction.atomic
def online_hours_declare(*, promeneur: Promeneur, by, week: datetime.date, hours, note="") -> OnlineHours:
    """Declare (or correct) the hours spent online in the week of `week`."""
    entry = OnlineHours.objects.filter(promeneur=promeneur, week=week_of(week)).first()
    action = ProfileChangeAction.CHANGED if entry else ProfileChangeAction.ADDED
    entry = entry or OnlineHours(promeneur=promeneur, week=week_of(week))
    entry.hours, entry.note = hours, note
    entry.full_clean()
    entry.save()
    profile_change_record(promeneur=promeneur, by=by, field="Heures passées en ligne", action=action)
    return entry


@transaction.atomic
def online_hours_delete(*, entry: OnlineHours, by) -> None:
    _row_delete(entry, by=by, field="Heures passées en ligne")


# --- Leaving ------------------------------------------------------------------------------------


@transaction.atomic
def promeneur_deactivate(*, promeneur, by) -> int:
    """A promeneur leaves: their account is closed at once, what they held goes back to their
    structure (the `promeneur_leaving` signal: referrals puts their open requests back in the
    structure's pool), and their status becomes "left", which hides the public profile. Returns
    how many requests went back."""
    promeneur = Promeneur.objects.select_for_update().get(pk=promeneur.pk)
    if promeneur.user is not None:
        user_deactivate(user=promeneur.user, by=by)
    responses = promeneur_leaving.send(sender=Promeneur, promeneur=promeneur, by=by)
    returned = sum(int(count or 0) for _, count in responses)
    if promeneur.status != PromeneurStatus.LEFT:
        promeneur.change_status(PromeneurStatus.LEFT)
    return returned
