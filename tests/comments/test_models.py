"""Comments: the status machine, the database's invariants, the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.enums import CommentStatus
from comments.models import ALLOWED_TRANSITIONS, Comment, CommentModeration, can_moderate
from comments.services import comment_moderate, comment_submit
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.comments.factories import CommentFactory
from tests.comments.helpers import MODERATING_ROLES, ROLES, make_user
from tests.news.factories import ArticleFactory

pytestmark = pytest.mark.django_db

P, A, R, S = CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM


@pytest.mark.parametrize("source", [P, A, R, S])
@pytest.mark.parametrize("target", [P, A, R, S])
def test_status_machine(source, target):
    comment = CommentFactory(status=source, moderated_at=None if source == P else timezone.now())
    moderator = UserFactory(moderator=True)
    allowed = {(P, A), (P, R), (P, S), (A, R), (A, S), (R, A), (R, S), (S, A), (S, R)}
    assert {(s, t) for s, targets in ALLOWED_TRANSITIONS.items() for t in targets} == allowed
    if (source, target) in allowed:
        trail = comment.moderate(to_status=target, by=moderator)
        comment.refresh_from_db()
        assert comment.status == target and comment.moderated_by == moderator
        assert (trail.from_status, trail.to_status, trail.moderated_by) == (source, target, moderator)
    else:
        with pytest.raises(ValidationError, match="ne peut pas devenir"):
            comment.moderate(to_status=target, by=moderator)
        comment.refresh_from_db()
        assert comment.status == source
        assert not CommentModeration.objects.exists()


def test_database_refuses_a_pending_comment_with_a_decision_date_and_a_decision_without_one():
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory(pending=True, moderated_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory(status=A, moderated_at=None)


def test_database_refuses_a_body_over_5000_characters_and_an_unknown_status():
    comment = CommentFactory(body="a" * 5000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(body="a" * 5001)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(status="published")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_moderate(role):
    assert can_moderate(make_user(role)) is (role in MODERATING_ROLES)


def test_anonymous_and_inactive_users_may_not_moderate():
    from django.contrib.auth.models import AnonymousUser

    assert not can_moderate(AnonymousUser())
    assert not can_moderate(UserFactory(moderator=True, is_active=False))
    assert can_moderate(UserFactory(is_superuser=True))


def test_service_refuses_a_decision_by_someone_who_may_not_moderate():
    comment = CommentFactory(pending=True)
    with pytest.raises(PermissionDenied):
        comment_moderate(comment_ids=[comment.pk], to_status=A, by=make_user("coordinator"))
    comment.refresh_from_db()
    assert comment.status == P


def test_service_skips_what_may_not_change_and_counts_it():
    moderator = UserFactory(moderator=True)
    pending, approved = CommentFactory(pending=True), CommentFactory()
    changed, skipped = comment_moderate(
        comment_ids=[pending.pk, approved.pk, 424242], to_status=A, by=moderator
    )
    assert changed == [pending] and skipped == 2


def test_submit_checks_the_comment_and_notifies_active_moderators_only():
    article = ArticleFactory(title="Titre de l’article")
    moderator = UserFactory(moderator=True)
    UserFactory(moderator=True, is_active=False)
    UserFactory(caf_staff=True)

    comment = comment_submit(
        target=article, author_name="Lou", author_email="lou@example.test", body="Bonjour"
    )

    assert comment.status == P
    [notification] = Notification.objects.all()
    assert notification.recipient == moderator
    assert notification.kind == "comment_pending"
    assert notification.context == {"comment_id": comment.pk, "article_title": "Titre de l’article"}

    with pytest.raises(ValidationError):
        comment_submit(target=article, author_name="", body="")
    with pytest.raises(ValidationError):
        comment_submit(target=article, author_name="Lou", body="x" * 5001)
    assert Comment.objects.count() == 1


def test_nothing_about_the_connection_is_kept():
    names = {field.name for field in Comment._meta.get_fields()}
    assert not {name for name in names if "ip" in name.split("_") or "address" in name or "agent" in name}
