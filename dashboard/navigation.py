"""The dashboard's one navigation, shown on every dashboard page, those of requests, orientations and
notifications included.

Views name the current page (`nav_current` in their context); `dashboard/_nav.html` builds the links
with the `dashboard_nav_items` tag, so that the apps below the dashboard need not import it.
"""

from django.urls import reverse

from accounts import access
from structures.enums import PromeneurStatus


def dashboard_nav(user, current):
    """The secondary navigation between the dashboard pages the user has access to."""
    items = [("dashboard:home", "Accueil du tableau de bord")]
    if access.working_promeneur(user) is not None:
        items.append(("referrals:inbox", "Mes demandes"))
    profile = access.promeneur_profile(user)
    if profile is not None and profile.status != PromeneurStatus.LEFT:
        items.append(("dashboard:profile", "Mon profil"))
        items.append(("dashboard:slots", "Mes horaires"))
        items.append(("dashboard:absences", "Mes absences"))
        items.append(("dashboard:online_hours", "Mes heures en ligne"))
    if access.is_referent(user):
        items.append(("referrals:structure_workload", "Ma structure"))
        items.append(("referrals:access_log", "Journal des consultations"))
    if access.is_coordinator(user):
        items.append(("referrals:department_pool", "Mon département"))
    if len(items) > 1:
        items.append(("referrals:orientation_list", "Orientations"))
    items.append(("notifications:notification_list", "Mes notifications"))
    return [{"url": reverse(name), "label": label, "current": name == current} for name, label in items]
