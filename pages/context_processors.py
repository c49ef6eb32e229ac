from django.conf import settings

from promeneurs.thresholds import thresholds

from .emergency import EMERGENCY_NUMBERS


def portal(request):
    return {
        "EMERGENCY_NUMBERS": EMERGENCY_NUMBERS,
        "SITE_URL": settings.SITE_URL,
        "ACCESSIBILITY_CONTACT_EMAIL": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "thresholds": thresholds(),
    }
