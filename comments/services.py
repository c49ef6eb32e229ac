"""The workflows of comments: a visitor submits one, a moderator decides on it."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from notifications.enums import NotificationKind
from notifications.services import notification_record

from .enums import CommentStatus
from .models import Comment, can_moderate


def comment_target_title(target):
    return str(getattr(target, "title", target))


@transaction.atomic
def comment_submit(*, target, author_name: str, author_email: str = "", body: str) -> Comment:
    """A visitor's comment on `target`, pending; each active moderator is told through the outbox.

    The notification carries the comment's id and the title of what it comments on: never the
    comment's text nor its author's e-mail.
    """
    comment = Comment(
        content_object=target,
        author_name=author_name,
        author_email=author_email,
        body=body,
        status=CommentStatus.PENDING,
    )
    comment.full_clean()
    comment.save()
    moderators = get_user_model().objects.filter(is_active=True, is_moderator=True)
    notification_record(
        kind=NotificationKind.COMMENT_PENDING,
        recipients=moderators,
        context={"comment_id": comment.pk, "article_title": comment_target_title(target)},
    )
    return comment


@transaction.atomic
def comment_moderate(*, comment_ids, to_status: str, by, only_pending: bool = False):
    """Give comments a moderation decision; returns (comments changed, how many were left as they were).

    A comment whose status may not go to `to_status` (already approved, …) is left unchanged, as is,
    with `only_pending`, one that another moderator decided on meanwhile (the rows are locked).
    """
    if not can_moderate(by):
        raise PermissionDenied("Seuls les modérateurs et le personnel de la CAF modèrent les commentaires.")
    to_status = CommentStatus(to_status)
    comments = Comment.objects.select_for_update().filter(pk__in=list(comment_ids)).order_by("pk")
    if only_pending:
        comments = comments.filter(status=CommentStatus.PENDING)
    now = timezone.now()
    changed = []
    for comment in comments:
        if comment.can_become(to_status):
            comment.moderate(to_status=to_status, by=by, at=now)
            changed.append(comment)
    return changed, len({int(pk) for pk in comment_ids}) - len(changed)
