"""Accessible names for the admin's fields that Django leaves without a label.

A tabular inline shows its fields under column headers, and a changelist's editable column under
its header: neither is a `<label>` for the inputs, so a screen reader announces nothing. Each such
input gets an `aria-label` saying its column and its row ("Année (convention, ligne 1)").
The date and time inputs of a date-time field get their own names too; the admin's autocompletes
(select2) are named by `static/js/admin-a11y.js`.
"""

from django import forms
from django.forms.models import BaseInlineFormSet


def name_fields(form, row):
    for name, field in form.fields.items():
        label = "Supprimer" if name == "DELETE" else (field.label or name)
        field.widget.attrs.setdefault("aria-label", f"{label} ({row})")


def labelled_inline_formset(base=BaseInlineFormSet):
    class LabelledInlineFormSet(base):
        def add_fields(self, form, index):
            super().add_fields(form, index)
            what = self.model._meta.verbose_name
            name_fields(form, f"{what}, nouvelle ligne" if index is None else f"{what}, ligne {index + 1}")

    return LabelledInlineFormSet


def labelled_changelist_form(base=forms.ModelForm):
    class LabelledChangelistForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            name_fields(self, str(self.instance))

    return LabelledChangelistForm


def name_split_datetime(formfield):
    """The admin's date and time inputs of one field are not tied to its label: each gets its name."""
    widget = getattr(formfield, "widget", None)
    widget = getattr(widget, "widget", widget)  # inside a RelatedFieldWidgetWrapper
    if isinstance(widget, forms.SplitDateTimeWidget):
        label = formfield.label or ""
        widget.widgets[0].attrs.setdefault("aria-label", f"{label} : date")
        widget.widgets[1].attrs.setdefault("aria-label", f"{label} : heure")
    return formfield
