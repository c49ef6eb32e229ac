from django import forms

from structures.models import Department

from .models import ActivityReport
from .queries import current_year, year_choices


class StatsFilterForm(forms.Form):
    """The filters of the statistics page; the départements offered depend on the user's scope."""

    annee = forms.TypedChoiceField(label="Année", coerce=int)
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="Tous",
    )

    def __init__(self, data=None, *, departments=None):
        super().__init__(data)
        self.fields["annee"].choices = [(y, str(y)) for y in year_choices()]
        self.fields["annee"].initial = current_year()
        if departments is None:
            del self.fields["departement"]
        else:
            self.fields["departement"].queryset = departments

    def year(self):
        """The year asked for if valid (whatever the other fields), else the current year."""
        if self.is_bound:
            self.is_valid()
            return self.cleaned_data.get("annee") or current_year()
        return current_year()

    def department(self):
        if "departement" in self.fields and self.is_bound:
            self.is_valid()
            return self.cleaned_data.get("departement")
        return None


class YearForm(forms.Form):
    annee = forms.TypedChoiceField(label="Année", coerce=int)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["annee"].choices = [(y, str(y)) for y in year_choices()]

    def year(self):
        if self.is_bound:
            self.is_valid()
            return self.cleaned_data.get("annee") or current_year()
        return current_year()


class DepartmentReportForm(YearForm):
    departement = forms.ModelChoiceField(
        label="Département", queryset=Department.objects.order_by("code"), to_field_name="code"
    )


class ActivityReportForm(forms.ModelForm):
    class Meta:
        model = ActivityReport
        fields = ["hours_online", "collective_actions", "comments"]
        # Hours are typed the French way (12,5), a dot is read too.
        localized_fields = ["hours_online"]
        widgets = {"comments": forms.Textarea(attrs={"rows": 6})}


class ReturnToDraftForm(forms.Form):
    coordinator_comment = forms.CharField(
        label="Ce qu’il faut reprendre",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Dites au ou à la référent·e ce qu’il faut reprendre."},
    )
