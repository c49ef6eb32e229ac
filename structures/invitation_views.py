"""Invitations: the list and the form of those who may invite, the link that accepts one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from accounts.models import Invitation, User

from .invitation_forms import InvitationAcceptForm, InvitationForm
from .invitations import (
    OWN_INVITATION,
    InvitationUnusable,
    invitable_roles,
    invitation_accept,
    invitation_check,
    invitation_create,
)


def invitation_list(request):
    """Invitations sent, and the form to send one, for those who may invite; 404 for others."""
    user = request.user
    if not invitable_roles(user):
        raise Http404
    form = InvitationForm(data=request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation = invitation_create(
            by=user,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            job=data.get("job", ""),
            department=data.get("department"),
            structure=data.get("structure"),
        )
        messages.success(request, f"Invitation envoyée à {invitation.email}.")
        return redirect("accounts:invitation_list")
    invitations = Invitation.objects.visible_to(user).select_related("structure", "department", "invited_by")
    return render(request, "accounts/invitation_list.html", {"form": form, "invitations": invitations[:200]})


UNUSABLE = {
    "used": ("Cette invitation a déjà été utilisée.", 410),
    "expired": ("Cette invitation a expiré.", 410),
}


@login_not_required
@never_cache
def invitation_accept_view(request, token):
    """The invitation's link: choose a password, once, before it expires."""
    invitation = Invitation.from_token(token)
    if invitation is None:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": "Ce lien d’invitation n’est pas valide."},
            status=404,
        )
    try:
        invitation_check(invitation)
    except InvitationUnusable as error:
        reason, status = UNUSABLE[error.reason]
        return render(request, "accounts/invitation_invalid.html", {"reason": reason}, status=status)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        # The account exists: its owner accepts the role once signed in (no password set here).
        if request.user.is_authenticated and request.user.pk == existing.pk:
            if existing.pk == invitation.invited_by_id:
                return render(
                    request, "accounts/invitation_invalid.html", {"reason": OWN_INVITATION}, status=403
                )
            if request.method == "POST":
                try:
                    invitation_accept(invitation=invitation, user=request.user)
                except ValidationError as error:
                    # A role this account may not hold with the ones it has (design §3.8).
                    return render(
                        request,
                        "accounts/invitation_invalid.html",
                        {"reason": " ".join(error.messages)},
                        status=403,
                    )
                messages.success(request, "Invitation acceptée : votre nouveau rôle est actif.")
                return redirect("dashboard:home")
            return render(
                request,
                "accounts/invitation_accept.html",
                {"invitation": invitation, "form": None, "login_url": ""},
            )
        login_url = f"{reverse('account_login')}?next={request.path}"
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "form": None, "login_url": login_url},
        )

    form = InvitationAcceptForm(data=request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        invitation_accept(invitation=invitation, password=form.cleaned_data["password1"])
        messages.success(
            request,
            "Votre compte est créé. Connectez-vous, puis configurez la double authentification.",
        )
        return redirect("account_login")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form, "login_url": ""}
    )
