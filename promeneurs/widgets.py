"""Form widgets of the public pages."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from promeneurs.forms_rendering import formatted, text


class QuickSelect(forms.Select):
    """A `<select>` written in Python, with the markup of Django's `Select`.

    Django renders each option through two template includes: the directory's search form (101
    départements, the themes, the networks) cost more than all the SQL of its page. Choices are
    flat (no option groups) and options carry no attributes but `selected`.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = "\n  ".join(
            f'<option value="{formatted(str(option_value))}"'
            f"{' selected' if str(option_value) in selected else ''}>{text(label)}</option>"
            for option_value, label in self.choices
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(f'<select name="{text(name)}"{flatatt(final_attrs)}>\n  {options}\n</select>')


class ListedChoices(ModelChoiceIterator):
    """The choices of a small table (départements, themes) read in one ordinary query.

    Django's iterator reads them through `QuerySet.iterator()`, which on PostgreSQL is a
    server-side cursor (DECLARE, FETCH, CLOSE: three round trips), meant for large tables.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ReferenceChoiceField(forms.ModelChoiceField):
    """A choice among the rows of a small reference table."""

    iterator = ListedChoices


class ReferenceMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several choices among the rows of a small reference table."""

    iterator = ListedChoices
