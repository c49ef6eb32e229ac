"""Invitations: the only way to get an account, and with it a role in the network (coordination of a
département, referent or promeneur of a structure). The table is `accounts.Invitation`; the rules
live here, next to the memberships they grant."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import Invitation, InvitationRole, User
from notifications.enums import NotificationKind
from notifications.services import notification_record

from .enums import MembershipRole
from .models import Coordination, Promeneur, StructureMembership

logger = logging.getLogger(__name__)


# --- Who may invite whom ------------------------------------------------------------------------


def invitable_roles(user):
    """The roles `user` may invite (`accounts.access.invitable_roles`)."""
    return [InvitationRole(role) for role in access.invitable_roles(user)]


def invitation_scope_error(*, user, role, department=None, structure=None):
    """Why `user` may not invite for `role` there, or None when they may."""
    if not user.is_active or role not in invitable_roles(user):
        return "Vous ne pouvez pas inviter pour ce rôle."
    if role == InvitationRole.COORDINATOR:
        return None if department is not None else "Choisissez le département."
    if structure is None:
        return "Choisissez la structure."
    if role == InvitationRole.REFERENT and not access.is_coordinator(user, structure.department_id):
        return "Cette structure n’est pas dans un département que vous coordonnez."
    if role == InvitationRole.PROMENEUR and not access.is_referent(user, structure.pk):
        return "Vous n’êtes pas référent·e de cette structure."
    return None


@transaction.atomic
def invitation_create(
    *, by, email, first_name, role, last_name="", job="", department=None, structure=None
) -> Invitation:
    """Record an invitation within `by`'s scope and its e-mail (through the outbox)."""
    error = invitation_scope_error(user=by, role=role, department=department, structure=structure)
    if error:
        raise PermissionDenied(error)
    if access.is_own_address(by, email):
        raise PermissionDenied(SELF_INVITATION)
    if role != InvitationRole.COORDINATOR:
        department = None
    else:
        structure = None
    invitation = Invitation(
        email=User.objects.normalize_email(email).lower(),
        first_name=first_name,
        last_name=last_name,
        job=job,
        role=role,
        department=department,
        structure=structure,
        invited_by=by,
    )
    invitation.full_clean(exclude=["token_hash", "expires_at"])
    invitation.save()
    # The invitee has no account yet: the outbox resolves the address and the link from the
    # invitation itself (`Invitation.email`, `Invitation.get_accept_url()`), never from here.
    notification_record(
        kind=NotificationKind.INVITATION, invitation=invitation, context={"role": invitation.role}
    )
    return invitation


# --- Accepting ----------------------------------------------------------------------------------


class InvitationUnusable(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason  # "used" or "expired"


SELF_INVITATION = (
    "Vous ne pouvez pas vous inviter vous-même : un rôle est toujours donné par une autre personne."
)
OWN_INVITATION = (
    "Cette invitation a été envoyée depuis ce compte : elle doit être acceptée par la personne invitée."
)


def invitation_check(invitation):
    if invitation.is_used:
        raise InvitationUnusable("used")
    if invitation.is_expired:
        raise InvitationUnusable("expired")


def _grant_role(invitation, user):
    if invitation.role == InvitationRole.COORDINATOR:
        Coordination.objects.get_or_create(user=user, department=invitation.department)
    elif invitation.role == InvitationRole.REFERENT:
        StructureMembership.objects.get_or_create(
            user=user, structure=invitation.structure, role=MembershipRole.REFERENT
        )
    else:
        promeneur = getattr(user, "promeneur", None)
        if promeneur is None:
            promeneur = Promeneur(
                user=user,
                structure=invitation.structure,
                first_name=invitation.first_name,
                job=invitation.job or "Promeneur·se du Net",
            )
            promeneur.full_clean()
            promeneur.save()
        elif promeneur.structure_id != invitation.structure_id:
            raise ValidationError("Ce compte est déjà promeneur·se d’une autre structure.")


@transaction.atomic
def invitation_accept(*, invitation, password=None, user=None) -> User:
    """Use the invitation once: create the account with `password` (or give the role to `user`,
    the signed-in owner of an existing account with that address), and give the role."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_check(invitation)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if user is None or user.pk != existing.pk:
            raise PermissionDenied("Connectez-vous au compte de cette adresse pour accepter l’invitation.")
        if not existing.is_active:
            raise PermissionDenied("Ce compte est désactivé.")
        if existing.pk == invitation.invited_by_id:
            raise PermissionDenied(OWN_INVITATION)
        account = existing
    else:
        if not password:
            raise ValidationError("Choisissez un mot de passe.")
        account = User.objects.create_user(
            email=invitation.email,
            password=password,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
    _grant_role(invitation, account)
    invitation.used_at = timezone.now()
    invitation.user = account
    invitation.save(update_fields=["used_at", "user"])
    return account
