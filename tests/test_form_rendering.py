"""The form renderer writes Django's widget templates in Python: the same markup, to the character.

Every case is rendered by Django's own renderer and by the project's, and compared; then every
form of the project and every form of the admin, unbound and bound to awkward data.
"""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.conf import settings
from django.contrib import admin
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from promeneurs.forms_rendering import PYTHON_TEMPLATES, PortalFormRenderer

DJANGO, PORTAL = DjangoTemplates(), PortalFormRenderer()

AWKWARD = 'Zoé "<b>&</b>" l’été'
CHOICES = [("a", "Première"), ("b", AWKWARD), (3, 3), ("", "---")]
GROUPED = [("Groupe <1>", [("x", "X"), ("y", "Y")]), ("z", "Z seul"), ("Vide", [])]


def widget_cases():
    attrs = {"id": "id_champ", "class": "a b", "required": True, "disabled": False, "data-n": 3}
    safe = {"aria-describedby": mark_safe("<aide>"), "placeholder": gettext_lazy("Votre prénom")}
    inputs = [
        forms.TextInput,
        forms.EmailInput,
        forms.NumberInput,
        forms.URLInput,
        forms.SearchInput,
        forms.TelInput,
        forms.ColorInput,
        forms.HiddenInput,
        forms.FileInput,
    ]
    for widget in inputs:
        for value in (None, "", "simple", AWKWARD, 0, 12, mark_safe("<sûr>")):
            yield widget(), value, attrs
        yield widget(attrs=safe), "x", {}
    yield forms.PasswordInput(render_value=True), AWKWARD, attrs
    yield forms.PasswordInput(), AWKWARD, attrs
    yield forms.DateInput(), datetime.date(2026, 12, 2), attrs
    yield forms.DateInput(attrs={"type": "date"}), "2026-12-02", {}
    yield forms.TimeInput(), datetime.time(14, 5), {}
    yield forms.DateTimeInput(), datetime.datetime(2026, 12, 2, 14, 5), {}
    for value in (True, False, None, "", "on"):
        yield forms.CheckboxInput(), value, attrs
    for value in (None, "", "ligne 1\nligne 2", AWKWARD, "\n", mark_safe("<b>")):
        yield forms.Textarea(), value, attrs
        yield forms.Textarea(attrs={"rows": 3, "maxlength": 2000}), value, {}
    for choices in (CHOICES, GROUPED, []):
        for value in (None, "b", 3, "x", ["a", "b"]):
            yield forms.Select(choices=choices), value, attrs
            yield forms.SelectMultiple(choices=choices), value if isinstance(value, list) else [value], {}
            yield forms.RadioSelect(choices=choices), value, attrs
            yield forms.RadioSelect(choices=choices), value, {}
            yield forms.CheckboxSelectMultiple(choices=choices), value, {"id": "id_liste"}
            yield forms.CheckboxSelectMultiple(choices=choices), [value], {"class": "liste"}
    yield forms.NullBooleanSelect(), None, {}
    yield forms.NullBooleanSelect(), True, attrs
    yield forms.Select(choices=[("a", "A")], attrs={"class": mark_safe("<x>")}), "a", {}
    # What Django itself keeps as templates goes through them unchanged.
    yield forms.ClearableFileInput(), None, attrs
    yield forms.SplitDateTimeWidget(), datetime.datetime(2026, 12, 2, 14, 5), {}
    yield forms.SelectDateWidget(years=[2025, 2026]), datetime.date(2026, 12, 2), {}


@pytest.mark.parametrize("case", list(enumerate(widget_cases())), ids=lambda case: str(case[0]))
def test_every_widget_renders_as_with_django_templates(case):
    _n, (widget, value, attrs) = case
    expected = widget.render("champ", value, attrs=attrs, renderer=DJANGO)
    assert widget.render("champ", value, attrs=attrs, renderer=PORTAL) == expected


def test_each_choice_of_a_list_renders_as_with_django_templates():
    """`{{ choice.tag }}` (templates/forms/choices.html) renders one option through the renderer."""

    class Form(forms.Form):
        radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
        boxes = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple)

    form = Form(data={"radio": "b", "boxes": ["x", "z"]})
    for name in ("radio", "boxes"):
        form.renderer = DJANGO
        expected = [(choice.tag(), str(choice)) for choice in form[name]]
        form.renderer = PORTAL
        assert [(choice.tag(), str(choice)) for choice in form[name]] == expected


def test_the_site_uses_the_renderer_and_it_takes_over_every_widget_template_it_names():
    assert isinstance(get_default_renderer(), PortalFormRenderer)
    assert settings.FORM_RENDERER == "promeneurs.forms_rendering.PortalFormRenderer"
    # Every name it takes over is one of Django's widget templates.
    for name in PYTHON_TEMPLATES:
        DJANGO.get_template(f"django/forms/widgets/{name}")


def test_the_common_widgets_are_written_without_any_template(monkeypatch):
    """The point of it: no template is looked up for them (the equality tests above would also
    pass if the renderer handed everything to Django's templates)."""

    def no_template(self, template_name):
        raise AssertionError(f"template looked up: {template_name}")

    monkeypatch.setattr(DjangoTemplates, "get_template", no_template)
    for widget, value in (
        (forms.TextInput(), AWKWARD),
        (forms.Textarea(), AWKWARD),
        (forms.CheckboxInput(), True),
        (forms.Select(choices=GROUPED), "x"),
        (forms.RadioSelect(choices=CHOICES), "b"),
        (forms.CheckboxSelectMultiple(choices=GROUPED), ["x"]),
    ):
        assert 'name="champ"' in widget.render("champ", value, renderer=PORTAL)
    with pytest.raises(AssertionError, match="template looked up"):
        forms.ClearableFileInput().render("champ", None, renderer=PORTAL)


PROJECT_PACKAGES = (
    "accounts",
    "comments",
    "dashboard",
    "news",
    "notifications",
    "pages",
    "referrals",
    "stats",
    "structures",
)


def project_form_classes():
    classes = set()
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        names = [package_name]
        if hasattr(package, "__path__"):
            names += [m.name for m in pkgutil.walk_packages(package.__path__, package_name + ".")]
        for name in names:
            if name.rsplit(".", 1)[-1] in {"tests", "migrations"} or ".migrations." in name:
                continue
            if "form" not in name:
                continue
            module = importlib.import_module(name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == name and cls.base_fields:
                    classes.add(cls)
    return sorted(classes, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def choice_tags(bound_field):
    if isinstance(bound_field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return [choice.tag() for choice in bound_field]
    return []


def rendered_fields(form):
    # The CAPTCHA's widget renders its own template, with the challenge it draws each time.
    names = [name for name, field in form.fields.items() if "captcha" not in type(field.widget).__module__]
    out = []
    for renderer in (DJANGO, PORTAL):
        form.renderer = renderer
        out.append([(name, str(form[name]), choice_tags(form[name])) for name in names])
    return out


def awkward_data(form):
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = ["999999"]  # an unknown row: its widget looks it up
        elif isinstance(field, forms.ModelChoiceField):
            data[name] = "999999"
        elif isinstance(field, forms.MultipleChoiceField):
            data[name] = ["a", AWKWARD]
        else:
            data[name] = AWKWARD
    return data


def assert_renders_alike(form_class):
    """The form unbound, then bound to awkward data (its errors shown), renders alike both ways."""
    unbound = form_class()
    bound = form_class(data=awkward_data(unbound))
    bound.is_valid()
    for form in (unbound, bound):
        expected, portal = rendered_fields(form)
        assert portal == expected, form_class


@pytest.mark.django_db
def test_every_form_of_the_project_renders_as_with_django_templates():
    rendered = 0
    for cls in project_form_classes():
        try:
            cls()
        except TypeError:  # needs its arguments (a user, an instance…): the admin's forms cover more below
            continue
        assert_renders_alike(cls)
        rendered += 1
    assert rendered >= 15


@pytest.mark.django_db
def test_every_admin_form_renders_as_with_django_templates(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    compared = 0
    for model_admin in admin.site._registry.values():
        if model_admin.has_add_permission(request):
            assert_renders_alike(model_admin.get_form(request, obj=None))
            compared += 1
    assert compared >= 12
