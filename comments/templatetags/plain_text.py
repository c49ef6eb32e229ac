"""`{{ comment.body|plain_text }}`: the "Texte brut" format (see comments/text.py).

`{{ article.body|plain_text:"editorial" }}` renders a text written by the portal's staff: the same
rules, but its links are not marked as user-generated (no `rel="nofollow ugc"`).
"""

from django import template

from comments.text import UGC_REL, render_plain_text

register = template.Library()


@register.filter
def plain_text(value, kind=""):
    return render_plain_text(value, rel=None if kind == "editorial" else UGC_REL)
