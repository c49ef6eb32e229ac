"""The forms of invitations: sending one within one's scope, choosing a password to accept it."""

from django import forms
from django.contrib.auth import password_validation

from accounts import access
from accounts.models import Invitation, InvitationRole, User

from .invitations import SELF_INVITATION, invitable_roles, invitation_scope_error
from .models import Department, Structure


class InvitationForm(forms.ModelForm):
    """An invitation within the sender's scope: the roles, départements and structures offered
    are only those they may invite for."""

    class Meta:
        model = Invitation
        fields = ["email", "first_name", "last_name", "role", "department", "structure", "job"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        roles = invitable_roles(user)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        if InvitationRole.COORDINATOR in roles:
            self.fields["department"].queryset = Department.objects.all()
        else:
            del self.fields["department"]
        structures = Structure.objects.none()
        if InvitationRole.REFERENT in roles:
            structures |= Structure.objects.filter(department__in=access.coordinated_department_ids(user))
        if InvitationRole.PROMENEUR in roles:
            structures |= Structure.objects.filter(pk__in=access.referent_structure_ids(user))
        if roles != [InvitationRole.COORDINATOR]:
            self.fields["structure"].queryset = structures.order_by("name").distinct()
        else:
            del self.fields["structure"]
        if InvitationRole.PROMENEUR not in roles:
            del self.fields["job"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if access.is_own_address(self.user, email):
            raise forms.ValidationError(SELF_INVITATION)
        return email

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role:
            error = invitation_scope_error(
                user=self.user,
                role=role,
                department=cleaned.get("department"),
                structure=cleaned.get("structure"),
            )
            if error:
                raise forms.ValidationError(error)
        return cleaned


class InvitationAcceptForm(forms.Form):
    """Choose a password (Django's validators)."""

    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
            else:
                user = User(
                    email=self.invitation.email,
                    first_name=self.invitation.first_name,
                    last_name=self.invitation.last_name,
                )
                try:
                    password_validation.validate_password(password1, user)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return cleaned
