from django import forms

from promeneurs.widgets import QuickSelect
from structures.models import Department

NATIONAL = "national"


class ArticleFilterForm(forms.Form):
    """The filter of /fil-info/: every article, the national ones, or one département's."""

    departement = forms.ChoiceField(
        label="Articles de",
        required=False,
        widget=QuickSelect,
        error_messages={
            "invalid_choice": "Ce département n’a pas d’article : choisissez-en un dans la liste."
        },
    )

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [
            ("", "Tous les départements et le national"),
            (NATIONAL, "National seulement"),
            *[(d.code, f"{d.name} ({d.code})") for d in departments],
        ]

    def filter(self, articles):
        """The articles of the chosen zone; all of them if nothing (valid) is chosen."""
        if not self.is_valid():
            return articles
        code = self.cleaned_data["departement"]
        if code == NATIONAL:
            return articles.filter(department__isnull=True)
        if code:
            return articles.filter(department__code=code)
        return articles

    @staticmethod
    def departments_with(articles):
        return Department.objects.filter(pk__in=articles.values("department")).order_by("code")
