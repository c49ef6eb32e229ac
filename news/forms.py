from django import forms
from django.db.models import Count

from promeneurs.widgets import QuickSelect

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

    def __init__(self, *args, zones=(), **kwargs):
        """`zones`: what `zones_of` gives; the départements offered are those that have articles."""
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [
            ("", "Tous les départements et le national"),
            (NATIONAL, "National seulement"),
            *[(code, f"{name} ({code})") for code, name, _count in zones if code is not None],
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

    def count(self, zones):
        """How many articles `filter` keeps, from the counts of `zones_of` (no other query)."""
        code = self.cleaned_data["departement"] if self.is_valid() else ""
        if not code:
            return sum(count for _code, _name, count in zones)
        wanted = None if code == NATIONAL else code
        return sum(count for zone, _name, count in zones if zone == wanted)

    @staticmethod
    def zones_of(articles):
        """[(département code or None for the national ones, its name, how many articles)], by code:
        in one query, the list the filter offers and the count of each of its choices."""
        return list(
            articles.order_by()
            .values_list("department__code", "department__name")
            .annotate(count=Count("pk"))
            .order_by("department__code")
        )
