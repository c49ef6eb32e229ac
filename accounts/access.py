"""Who may see and do what: the one home of the access policy (design §2, §3, §3b).

Every role question is answered here, and only here: views, services, the admin, statistics,
exports and e-mails ask these functions and never re-derive a role from flags or memberships.

Roles (an account may hold several; an inactive account holds none):
- national staff: CAF staff and superusers — the admin, every département, never request content;
- moderator: comments and Fil info articles;
- coordinator of départements (`Coordination` rows);
- referent of structures (`StructureMembership` rows with the referent role);
- promeneur: a `Promeneur` profile; only a labelled one works on requests.

Requests: the metadata of a request is seen by its assignee, by the labelled promeneurs of its
structure while it waits in the structure's pool, by the referents of its structure and by the
coordinators of its département. Its content is read by its assignee only (`may_read_content`),
through `referrals.services.contact_request_read_content`, which checks this policy, loads the
fields and writes the access log.

Reachability (who a request may be sent to today) is a rule on promeneurs: structures/reachability.py.
This module imports no other app (README, "Organisation du code"): it reads the role tables of
`structures` through the user's relations (`coordinations`, `structure_memberships`, `promeneur`).

The role data (memberships, coordinations, profile) is loaded once per user object and cached
on it (`User.coordinated_department_ids`, `User.referent_structure_ids`,
`User.promeneur_profile`): the predicates below cost no query once those are loaded.
"""

from __future__ import annotations

from django.db.models import Q

# Status values, written out to keep this module free of imports from the apps above it (it is
# imported by their models): structures.enums.PromeneurStatus.LABELLED and .LEFT,
# structures.enums.MembershipRole.REFERENT, referrals.enums.RequestStatus.*
# (tests/test_consistency.py checks that they match the enums).
LABELLED = "labelled"
LEFT = "left"
REFERENT = "referent"
NEW = "new"
ASSIGNED = ("claimed", "in_contact", "met", "oriented")
OPEN = (NEW, *ASSIGNED)
REMOVED = ("withdrawn", "spam")

NO_IDS: frozenset[int] = frozenset()


# --- Roles --------------------------------------------------------------------------------------


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_national_staff(user) -> bool:
    """CAF national staff and superusers: the whole admin, every département."""
    return is_active_user(user) and (user.is_superuser or user.is_caf_staff)


def is_superuser(user) -> bool:
    return is_active_user(user) and user.is_superuser


def may_change_account(actor, account) -> bool:
    """Only a superuser changes (or deactivates) a superuser: CAF staff could otherwise take over
    the account with the widest rights."""
    return not account.is_superuser or is_superuser(actor)


def is_moderator(user) -> bool:
    return is_active_user(user) and user.is_moderator


def may_moderate(user) -> bool:
    """Moderation of comments and Fil info: moderators, and national staff."""
    return is_moderator(user) or is_national_staff(user)


def coordinated_department_ids(user) -> frozenset:
    if not is_active_user(user):
        return NO_IDS
    return frozenset(user.coordinated_department_ids)


ANY = object()


def is_coordinator(user, department_id=ANY) -> bool:
    """Coordinator of some département, or of `department_id` (None is no département: False)."""
    ids = coordinated_department_ids(user)
    return bool(ids) if department_id is ANY else department_id in ids


def referent_structure_ids(user) -> frozenset:
    if not is_active_user(user):
        return NO_IDS
    return frozenset(user.referent_structure_ids)


def is_referent(user, structure_id=ANY) -> bool:
    """Referent of some structure, or of `structure_id` (None is no structure: False)."""
    ids = referent_structure_ids(user)
    return bool(ids) if structure_id is ANY else structure_id in ids


def promeneur_profile(user):
    """The user's promeneur profile, whatever its status, or None."""
    if not is_active_user(user):
        return None
    return user.promeneur_profile


def is_promeneur(user) -> bool:
    return promeneur_profile(user) is not None


def working_promeneur(user):
    """The user's promeneur profile when it is labelled: the only status that works on requests."""
    promeneur = promeneur_profile(user)
    if promeneur is not None and promeneur.status == LABELLED:
        return promeneur
    return None


def holds_exclusive_role(user) -> bool:
    """National staff, coordinator or moderator: roles that exclude reading requests (design §3.8)."""
    return bool(
        user is not None
        and user.pk is not None
        and (user.is_superuser or user.is_caf_staff or user.is_moderator or user.coordinated_department_ids)
    )


def account_role_conflict(account, *, exclusive=None, promeneur=None) -> str:
    """Why `account` may not hold both a promeneur profile and a national, coordinator or
    moderator role (design §3.8: the reader's identity cannot be moved), or "".

    `exclusive`: the account is about to get such a role; `promeneur`: the account is about to be
    linked to this profile. Without either, the account as it is stored."""
    if account is None or account.pk is None:
        return ""
    if promeneur is not None:
        if (
            account.is_superuser
            or account.is_caf_staff
            or account.is_moderator
            or account.coordinations.exists()
        ):
            return (
                "Ce compte a un rôle national, de coordination ou de modération : il ne peut pas être "
                "celui d’un·e promeneur·se."
            )
        return ""
    if exclusive:
        # Through the account's own relations: its promeneur profile and that profile's requests.
        accounts = type(account).objects.filter(pk=account.pk, promeneur__isnull=False)
        if (
            accounts.exclude(promeneur__status=LEFT).exists()
            or accounts.filter(promeneur__assigned_requests__isnull=False).exists()
        ):
            return (
                "Ce compte est celui d’un·e promeneur·se (à qui des demandes sont ou ont été confiées) : "
                "il ne peut pas recevoir un rôle national, de coordination ou de modération."
            )
    return ""


def may_open_admin(user) -> bool:
    """The Django admin: national staff, coordinators and moderators."""
    return is_national_staff(user) or is_moderator(user) or is_coordinator(user)


def role_labels(user) -> list[str]:
    """The user's roles, in French, for display."""
    labels = []
    if is_national_staff(user):
        labels.append("personnel CAF")
    if is_coordinator(user):
        labels.append("coordination départementale")
    if is_referent(user):
        labels.append("référent·e de structure")
    if is_promeneur(user):
        labels.append("promeneur·se")
    if is_moderator(user):
        labels.append("modération")
    return labels


def managed_structure_ids_q(user, path="") -> Q:
    """A Q() on structures (at `path`) the user manages as referent or coordinator."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}pk__in": referent_structure_ids(user)}) | Q(
        **{f"{prefix}department_id__in": coordinated_department_ids(user)}
    )


# --- Invitations (who may give which role) --------------------------------------------------------


def invitable_roles(user) -> list[str]:
    """CAF staff invite coordinators; coordinators, referents; referents, promeneurs."""
    roles = []
    if is_national_staff(user):
        roles.append("coordinator")
    if is_coordinator(user):
        roles.append("referent")
    if is_referent(user):
        roles.append("promeneur")
    return roles


def is_own_address(user, email) -> bool:
    """Whether `email` is the user's own address: nobody grants a role to themselves."""
    return bool(user is not None and email and user.email.strip().lower() == email.strip().lower())


# --- Requests -----------------------------------------------------------------------------------


def requests_visible_q(user) -> Q:
    """A Q() on ContactRequest: the requests whose metadata the user may see."""
    condition = Q(pk__in=[])
    promeneur = working_promeneur(user)
    if promeneur is not None:
        condition |= Q(assignee=promeneur)
        condition |= Q(structure_id=promeneur.structure_id, assignee__isnull=True, status=NEW)
    structures = referent_structure_ids(user)
    if structures:
        condition |= Q(structure_id__in=structures)
    departments = coordinated_department_ids(user)
    if departments:
        condition |= Q(department_id__in=departments)
    return condition


def is_assignee(user, request) -> bool:
    promeneur = working_promeneur(user)
    return promeneur is not None and request.assignee_id == promeneur.pk


def may_read_content(user, request) -> bool:
    """Only the labelled promeneur the request is assigned to, while there is content to read."""
    return (
        is_assignee(user, request)
        and request.erased_at is None
        and request.status not in REMOVED
        and not holds_exclusive_role(user)
    )


def may_claim(user, request) -> bool:
    promeneur = working_promeneur(user)
    return (
        promeneur is not None
        and request.status == NEW
        and (
            request.assignee_id == promeneur.pk
            or (request.assignee_id is None and request.structure_id == promeneur.structure_id)
        )
    )


def may_change_status(user, request) -> bool:
    return is_assignee(user, request)


def may_orient(user, request) -> bool:
    return is_assignee(user, request) and request.status in ASSIGNED and request.erased_at is None


def may_hand_over(user, request) -> bool:
    """The role half of reassigning: a referent of the request's structure, a coordinator of its
    département (the request's state is the service's check)."""
    return request.structure_id is not None and (
        is_referent(user, request.structure_id) or is_coordinator(user, request.department_id)
    )


def may_reassign(user, request) -> bool:
    """Give an open request of a structure to another reachable promeneur of that structure."""
    return request.status in OPEN and may_hand_over(user, request)


def may_dispatch(user, request) -> bool:
    """A coordinator hands a request of the département pool to a structure or a promeneur: a
    request without a structure, or one escalated there (`escalated_at`) and still unclaimed."""
    return (
        request.status == NEW
        and request.assignee_id is None
        and (request.structure_id is None or getattr(request, "escalated_at", None) is not None)
        and is_coordinator(user, request.department_id)
    )


def request_permissions(user, request) -> dict:
    """Everything the user may do with a request they can see, in one dict (no query)."""
    return {
        "read": may_read_content(user, request),
        "claim": may_claim(user, request),
        "change_status": may_change_status(user, request),
        "orient": may_orient(user, request),
        "reassign": may_reassign(user, request),
        "dispatch": may_dispatch(user, request),
    }


# --- Orientations -------------------------------------------------------------------------------


def orientation_structure_ids(user) -> frozenset:
    """The structures whose orientations the user handles: as a labelled promeneur, as a referent."""
    ids = set(referent_structure_ids(user))
    promeneur = working_promeneur(user)
    if promeneur is not None:
        ids.add(promeneur.structure_id)
    return frozenset(ids)


def orientations_visible_q(user, structure_ids=None) -> Q:
    if structure_ids is None:
        structure_ids = orientation_structure_ids(user)
    department_ids = coordinated_department_ids(user)
    return (
        Q(from_structure_id__in=structure_ids)
        | Q(to_structure_id__in=structure_ids)
        | Q(from_structure__department_id__in=department_ids)
        | Q(to_structure__department_id__in=department_ids)
    )


def may_answer_orientation(user, orientation) -> bool:
    return orientation.to_structure_id in orientation_structure_ids(user)


# --- Statistics ---------------------------------------------------------------------------------


def statistics_scope(user) -> tuple[str, frozenset]:
    """("national", ∅), ("departments", ids), ("structures", ids) or ("none", ∅)."""
    if is_national_staff(user):
        return "national", NO_IDS
    if is_coordinator(user):
        return "departments", coordinated_department_ids(user)
    if is_referent(user):
        return "structures", referent_structure_ids(user)
    return "none", NO_IDS
