import re

import pytest
from django import forms
from django.test.html import parse_html

from structures.forms import DirectorySearchForm

pytestmark = pytest.mark.django_db


def normalised(html):
    """The same element tree, whatever the order of the attributes and the blanks between tags."""
    return parse_html(re.sub(r">\s+<", "><", html.strip()))


@pytest.mark.parametrize("data", [{}, {"departement": "24", "reseau": "instagram"}, {"theme": "inconnu"}])
def test_quick_select_writes_the_markup_of_djangos_select(data):
    form = DirectorySearchForm(data=data or None)
    form.is_valid()
    for name in ("departement", "reseau", "theme"):
        bound = form[name]
        attrs = bound.build_widget_attrs({"id": bound.auto_id, "aria-describedby": "aide"})
        quick = bound.field.widget.render(bound.html_name, bound.value(), attrs)
        django = forms.Select.render(bound.field.widget, bound.html_name, bound.value(), attrs)
        assert normalised(quick) == normalised(django)
    if data.get("departement"):
        assert '<option value="24" selected>' in str(form["departement"])
