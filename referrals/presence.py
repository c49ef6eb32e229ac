"""Presence in words, as the public pages and the dashboard lists say it."""

from django.utils import timezone

from promeneurs.typography import day_and_month, french_time, weekday_name


def next_slot_in_words(start, now):
    """ "mercredi 14 mai à 14 h 00", "aujourd’hui à 18 h 30", "demain à 9 h 00"."""
    local = timezone.localtime(start)
    time = french_time(local)
    days = (local.date() - timezone.localdate(now)).days
    if days == 0:
        return f"aujourd’hui à {time}"
    if days == 1:
        return f"demain à {time}"
    return f"{weekday_name(local)} {day_and_month(local)} à {time}"
