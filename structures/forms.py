from django import forms

from .models import Department


class DirectorySearchForm(forms.Form):
    """Search of the public directory (GET): every field optional."""

    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Department.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Tous les départements",
    )
    lieu = forms.CharField(
        label="Commune ou code postal",
        max_length=100,
        required=False,
        help_text="Par exemple : Périgueux ou 24000",
    )
