"""Form widgets of the public pages."""

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from promeneurs.forms_rendering import formatted, text
from promeneurs.public_cache import REFERENCE_MODELS, reference_choices


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

    The whole list of a reference table (`public_cache.REFERENCE_MODELS`) comes from the shared
    cache (`public_cache.reference_choices`), as (value, label) text: what the widgets write. Its
    key names the field's class and the column its values come from, which decide both.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.shared_key()
        if key is None:
            for obj in list(self.queryset):
                yield self.choice(obj)
        else:
            yield from reference_choices(key, self.rows)

    def rows(self):
        return [
            (str(self.field.prepare_value(obj)), str(self.field.label_from_instance(obj)))
            for obj in self.queryset
        ]

    def shared_key(self):
        """The cache key of this list, or None when it is not a whole reference table."""
        query, model = self.queryset.query, self.queryset.model
        if (
            model._meta.label_lower not in REFERENCE_MODELS
            or query.where
            or query.is_sliced
            or query.annotations
            or query.extra
            or query.order_by
            or query.distinct
        ):
            return None
        field = type(self.field)
        return f"{model._meta.label_lower}:{field.__module__}.{field.__qualname__}:{self.field.to_field_name or 'pk'}"


class ReferenceChoiceField(forms.ModelChoiceField):
    """A choice among the rows of a small reference table.

    The row chosen is found in the whole table kept with its choices, under the same version (a
    row saved or deleted replaces it at once and on commit): a search by département costs no
    query. Outside the cache (Redis unreachable, inside a transaction) it is read from the table."""

    iterator = ListedChoices

    def to_python(self, value):
        key = self.iterator(self).shared_key()
        if (
            value in self.empty_values
            or key is None
            or isinstance(value, self.queryset.model)
            or not getattr(cache, "redis_available", True)
            or transaction.get_connection().in_atomic_block
        ):
            return super().to_python(value)
        fields, rows = reference_choices(f"{key}:rows", self.reference_rows)
        row = rows.get(str(value))
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return self.queryset.model.from_db(self.queryset.db, fields, row)

    def reference_rows(self):
        """(the table's columns, {a row's value in the form: its values})."""
        fields = [field.attname for field in self.queryset.model._meta.concrete_fields]
        rows = {
            str(self.prepare_value(obj)): tuple(getattr(obj, name) for name in fields)
            for obj in self.queryset
        }
        return fields, rows


class ReferenceMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several choices among the rows of a small reference table."""

    iterator = ListedChoices
