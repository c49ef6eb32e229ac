"""What the apps above the outbox tell it about their own notifications.

The outbox sits below the domain apps (README, "Organisation du code"): it knows users and
invitations, never a request or an orientation. An app whose notifications point at its own rows
fills these in its `AppConfig.ready()` (referrals: `referrals/notices.py`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Extensions:
    # [(kinds, function(notifications of those kinds) -> {notification pk: dashboard path})], one
    # query per function and call at most; a notification left out links to the dashboard.
    links: list = field(default_factory=list)
    # [(kinds, function(notification) -> {context key: value})]: what an e-mail's context lacks,
    # read when it is sent.
    context: list = field(default_factory=list)
    # function(notification) -> e-mail address of the young person of `notification`, raising
    # emails.NoAddress when there is none (erased, withdrawn…).
    young_person_address: Callable | None = None
    # Lookup names the notifications' admin refuses in a filter (confidential fields reached
    # through a notification's relations).
    confidential_lookups: set = field(default_factory=set)


extensions = Extensions()
