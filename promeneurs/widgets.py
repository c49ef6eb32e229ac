"""Form widgets of the public pages."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class QuickSelect(forms.Select):
    """A `<select>` written in Python, with the markup of Django's `Select`.

    Django renders each option through two template includes: the directory's search form (101
    départements, the themes, the networks) cost more than all the SQL of its page. Choices are
    flat (no option groups) and options carry no attributes but `selected`.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "\n  ",
            '<option value="{}"{}>{}</option>',
            (
                (str(option_value), " selected" if str(option_value) in selected else "", label)
                for option_value, label in self.choices
            ),
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>\n  {}\n</select>', name, flatatt(final_attrs), options)
