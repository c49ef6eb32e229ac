"""The comment form (on the pages of what may be commented) and the moderation queue."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from promeneurs import antispam, public_cache
from promeneurs.captcha import REFRESH_FIELD
from promeneurs.pagination import paginate
from promeneurs.typography import french_number

from .enums import CommentStatus
from .forms import (
    ANTISPAM_SCOPE,
    FORMAT_RULES,
    RATE_LIMIT_MESSAGE,
    TEXT_CONTROL_RE,
    CommentForm,
    ModerationForm,
)
from .models import BODY_MAX_LENGTH, Comment, can_moderate
from .services import comment_moderate, comment_submit

logger = logging.getLogger(__name__)

QUEUE_PAGE_SIZE = 50
SENT_MESSAGE = (
    "Merci, ton commentaire est bien envoyé. Il sera publié après modération : "
    "l’équipe de modération le relit avant qu’il apparaisse ici."
)
CONFIRMATION_ANCHOR = "commentaire-envoye"
REFRESH_NOTICE = "Voici un nouveau mot à compléter. Ton commentaire n’est pas encore envoyé."
NOT_SAVED_MESSAGE = (
    "Ton commentaire n’a pas pu être enregistré. Ton texte est gardé : vérifie-le et envoie-le à nouveau."
)


def comment_form_handle(request, *, target, is_open):
    """The comment form of the page showing `target`: (redirect or None, context, status).

    After an accepted comment, a redirect to the page (its message says "après modération"). On a
    refusal, the form comes back with a French message and what the visitor typed. When comments
    are closed, there is no form, and a POST is refused with the typed text shown back.
    """
    context = {
        "comments_open": is_open,
        "comment_form": None,
        "comment_notice": "",
        "refused_comment": "",
        "format_rules": FORMAT_RULES,
        "body_max_length": french_number(BODY_MAX_LENGTH),
    }
    if not is_open:
        status = 200
        if request.method == "POST":
            typed = request.POST.get("commentaire", "")
            context["refused_comment"] = TEXT_CONTROL_RE.sub("", typed)[: BODY_MAX_LENGTH * 2]
            status = 403
        return None, context, status

    form = CommentForm(data=request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and REFRESH_FIELD in request.POST:
        # "Nouveau défi": the same text, a new challenge, nothing checked yet.
        form = CommentForm(initial=form.redisplay_initial())
        context["comment_notice"] = REFRESH_NOTICE
    elif form.is_bound:
        limited = antispam.rate_limit_reached(request, ANTISPAM_SCOPE)
        if form.is_valid() and not limited:
            try:
                comment_submit(target=target, **form.comment_data())
            except ValidationError:
                logger.exception("A valid comment form was refused by comment_submit.")
                form.add_error(None, NOT_SAVED_MESSAGE)
            else:
                antispam.rate_limit_record(request, ANTISPAM_SCOPE)
                messages.success(request, SENT_MESSAGE)
                # Back where the form was: the confirmation takes its place and the focus.
                return redirect(f"{target.get_absolute_url()}#{CONFIRMATION_ANCHOR}"), context, 302
        if limited:
            form.add_error(None, RATE_LIMIT_MESSAGE)
            status = 429
        form.prepare_redisplay()
    context["comment_form"] = form
    if request.method == "GET" and not form.is_bound:
        # The empty form, the same on every page but for its address: rendered once per process.
        action = target.get_absolute_url()

        def render_empty_form():
            return render_to_string(
                "comments/_form.html",
                {**context, **public_cache.UNBOUND_FORM_CONTEXT, "form": CommentForm(), "action": action},
            )

        context["comment_form_html"] = public_cache.unbound_form_html(("comment", action), render_empty_form)
    return None, context, status


# --- Moderation -----------------------------------------------------------------------------------

DONE_MESSAGES = {
    CommentStatus.APPROVED: (
        "{n} commentaire approuvé : il est publié.",
        "{n} commentaires approuvés : ils sont publiés.",
    ),
    CommentStatus.REJECTED: ("{n} commentaire rejeté.", "{n} commentaires rejetés."),
    CommentStatus.SPAM: ("{n} commentaire classé comme spam.", "{n} commentaires classés comme spam."),
}


def _count_message(templates, n):
    return templates[0 if n == 1 else 1].format(n=n)


@never_cache
@require_http_methods(["GET", "POST"])
def moderation_queue(request):
    """/tableau-de-bord/moderation/: pending comments, oldest first, for moderators and CAF staff."""
    if not can_moderate(request.user):
        raise Http404
    form = ModerationForm(data=request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            action, ids = form.cleaned_data["decision"]
            changed, skipped = comment_moderate(
                comment_ids=ids, to_status=action, by=request.user, only_pending=True
            )
            if changed:
                messages.success(request, _count_message(DONE_MESSAGES[action], len(changed)))
            if skipped:
                messages.warning(
                    request,
                    _count_message(
                        (
                            "{n} commentaire n’était plus en attente (déjà modéré) : il n’a pas changé.",
                            "{n} commentaires n’étaient plus en attente (déjà modérés) : ils n’ont pas changé.",
                        ),
                        skipped,
                    ),
                )
            return redirect(request.get_full_path())
        status = 400

    pending = (
        Comment.objects.pending()
        .select_related("content_type")
        .prefetch_related("content_object")
        .order_by("created_at", "pk")
    )
    pagination = paginate(request, pending, per_page=QUEUE_PAGE_SIZE)
    context = {
        "form": form,
        "page_obj": pagination["page_obj"],
        "paginator": pagination["paginator"],
        "pagination": pagination,
    }
    return render(request, "comments/moderation_queue.html", context, status=status)
