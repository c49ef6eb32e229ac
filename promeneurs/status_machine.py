"""One way to write a status machine: a declarative table of the allowed changes of a status field.

    TRANSITIONS = StatusMachine(RequestStatus, {RequestStatus.NEW: {RequestStatus.CLAIMED}, …})
    TRANSITIONS.check(request.status, RequestStatus.CLAIMED)  # raises ValidationError if refused

The table reads as a mapping {status: frozenset of the statuses it may become}; every member of
the enum must appear in it (a status with no way out maps to an empty set). The models keep the
one method that changes their status and records it; they ask the table whether the change is
allowed.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError

DEFAULT_MESSAGE = "Passage impossible de « {current} » à « {target} »."


class StatusMachine(Mapping):
    def __init__(self, enum, transitions, *, message=DEFAULT_MESSAGE, code="invalid_transition"):
        self.enum = enum
        self._transitions = {
            enum(status): frozenset(enum(target) for target in targets)
            for status, targets in transitions.items()
        }
        missing = set(enum) - set(self._transitions)
        if missing:
            raise ValueError(
                f"{enum.__name__}: no transitions given for {sorted(str(status) for status in missing)}"
            )
        self.message = message
        self.code = code

    def __getitem__(self, status):
        return self._transitions[self.enum(status)]

    def __iter__(self):
        return iter(self._transitions)

    def __len__(self):
        return len(self._transitions)

    def can(self, current, target):
        """Whether a row in status `current` may become `target`."""
        return self.enum(target) in self[current]

    def check(self, current, target, *, field=None):
        """`target` as an enum member if the change is allowed; otherwise a ValidationError in French
        naming both statuses (on `field` when given, for a form or `full_clean`)."""
        target = self.enum(target)
        if target not in self[current]:
            message = self.message.format(current=self.enum(current).label, target=target.label)
            error = ValidationError(message, code=self.code)
            raise ValidationError({field: error}) if field else error
        return target
