"""The form renderer: Django's, with its most used widget templates written in Python.

Django renders every widget through templates, an option of a `<select>` or of a list of radio
buttons through two or three nested includes: the contact form (ages, channels, themes,
départements) spent far more in them than in everything else of its page, and the admin's forms
likewise. `PortalFormRenderer` writes the markup of those templates in Python — the inputs, the
textarea, the select and its options, the lists of radio buttons and checkboxes — character for
character (tests/test_form_rendering.py renders every case and the project's forms both ways),
and leaves every other template (file inputs, multi-widgets, the form and error templates, the
project's own widgets) to Django.

Only the template names of Django's own widgets are taken over. They cannot be overridden with
this renderer anyway: `DjangoTemplates` looks in django/forms/templates before any app.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"


# Django's `escape` is `html.escape` behind a check for lazy arguments that costs more than the
# escaping itself: plain strings, by far the most common values, are escaped directly.


def text(value):
    """`{{ value }}` in a template: localised, converted to text, escaped unless safe."""
    if type(value) is str:
        return html.escape(value)
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def formatted(value):
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe."""
    if type(value) is str:
        return html.escape(value)
    result = str(value)
    return conditional_escape(mark_safe(result) if isinstance(value, SafeData) else result)


def attrs_html(attrs):
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(" " + text(name))
        if value is not True:
            parts.append('="' + formatted(value) + '"')
    return "".join(parts)


def input_html(widget):
    """django/forms/widgets/input.html"""
    value = widget.get("value", "")
    return "".join(
        (
            '<input type="',
            text(widget.get("type", "")),
            '" name="',
            text(widget.get("name", "")),
            '"',
            "" if value == None else ' value="' + formatted(value) + '"',  # noqa: E711 (the template's `!= None`)
            attrs_html(widget.get("attrs", {})),
            ">\n",
        )
    )


def input_option_html(widget):
    """django/forms/widgets/input_option.html"""
    if not widget.get("wrap_label"):
        return input_html(widget) + "\n"
    element_id = widget.get("attrs", {}).get("id")
    label_for = f' for="{text(element_id)}"' if element_id else ""
    return f"<label{label_for}>{input_html(widget)} {text(widget.get('label', ''))}</label>\n"


def select_option_html(widget):
    """django/forms/widgets/select_option.html"""
    return "".join(
        (
            '<option value="',
            formatted(widget.get("value", "")),
            '"',
            attrs_html(widget.get("attrs", {})),
            ">",
            text(widget.get("label", "")),
            "</option>\n",
        )
    )


def textarea_html(widget):
    """django/forms/widgets/textarea.html"""
    value = widget.get("value")
    content = text(value) if value else ""
    return f'<textarea name="{text(widget.get("name", ""))}"{attrs_html(widget.get("attrs", {}))}>\n{content}</textarea>\n'


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name.startswith(WIDGETS) and "widget" in context:
            function = PYTHON_TEMPLATES.get(template_name[len(WIDGETS) :])
            if function is not None:
                return function(self, context["widget"]).strip()
        return super().render(template_name, context, request)

    def include(self, template_name, widget):
        """`{% include template_name with widget=widget %}`: Python where it can, else the template."""
        if template_name.startswith(WIDGETS):
            function = PYTHON_TEMPLATES.get(template_name[len(WIDGETS) :])
            if function is not None:
                return function(self, widget)
        # An include keeps its whitespace: no strip().
        return self.get_template(template_name).render({"widget": widget})

    def select_html(self, widget):
        """django/forms/widgets/select.html"""
        parts = [f'<select name="{text(widget.get("name", ""))}"{attrs_html(widget.get("attrs", {}))}>']
        for group_name, group_choices, _index in widget.get("optgroups", ()):
            if group_name:
                parts.append(f'\n  <optgroup label="{text(group_name)}">')
            for option in group_choices:
                parts.append("\n  " + self.include(option["template_name"], option))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return "".join(parts)

    def multiple_input_html(self, widget):
        """django/forms/widgets/multiple_input.html"""
        attrs = widget.get("attrs", {})
        element_id, css_class = attrs.get("id"), attrs.get("class")
        parts = [
            "<div",
            f' id="{text(element_id)}"' if element_id else "",
            f' class="{text(css_class)}"' if css_class else "",
            ">",
        ]
        for group, options, _index in widget.get("optgroups", ()):
            if group:
                parts.append(f"\n  <div><label>{text(group)}</label>")
            for option in options:
                parts.append("<div>\n    " + self.include(option["template_name"], option) + "</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>\n")
        return "".join(parts)


def _input_file(renderer, widget):
    # text.html, email.html…: `{% include "django/forms/widgets/input.html" %}` and a line break.
    return input_html(widget) + "\n"


PYTHON_TEMPLATES = {
    "attrs.html": lambda renderer, widget: attrs_html(widget.get("attrs", {})),
    "input.html": lambda renderer, widget: input_html(widget),
    **{
        f"{name}.html": _input_file
        for name in (
            "checkbox",
            "color",
            "date",
            "datetime",
            "email",
            "file",
            "hidden",
            "number",
            "password",
            "search",
            "tel",
            "text",
            "time",
            "url",
        )
    },
    "input_option.html": lambda renderer, widget: input_option_html(widget),
    "radio_option.html": lambda renderer, widget: input_option_html(widget) + "\n",
    "checkbox_option.html": lambda renderer, widget: input_option_html(widget) + "\n",
    "select_option.html": lambda renderer, widget: select_option_html(widget),
    "textarea.html": lambda renderer, widget: textarea_html(widget),
    "select.html": lambda renderer, widget: renderer.select_html(widget),
    "multiple_input.html": lambda renderer, widget: renderer.multiple_input_html(widget),
    "radio.html": lambda renderer, widget: renderer.multiple_input_html(widget) + "\n",
    "checkbox_select.html": lambda renderer, widget: renderer.multiple_input_html(widget) + "\n",
}
