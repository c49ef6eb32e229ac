"""Comments in the Django admin: moderators and CAF staff decide there too; nobody edits a comment."""

import pytest
from django.urls import reverse

from comments.enums import CommentStatus
from comments.models import CommentModeration
from tests.comments.factories import CommentFactory
from tests.comments.helpers import make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

CHANGELIST = reverse("admin:comments_comment_changelist")


@pytest.mark.parametrize(
    ("role", "status"),
    {"moderator": 200, "caf_staff": 200, "coordinator": 403, "promeneur": 302, "referent": 302}.items(),
)
def test_comment_list_for_moderators_and_caf_staff_only(client, role, status):
    CommentFactory(pending=True, body="Un texte à modérer dans l’admin")
    client.force_login(make_user(role))
    response = client.get(CHANGELIST)
    assert response.status_code == status
    assert ("Un texte à modérer dans l’admin" in response.content.decode()) is (status == 200)


def test_admin_index_lists_comments_for_a_moderator_not_for_a_coordinator(client):
    client.force_login(make_user("moderator"))
    assert CHANGELIST in client.get(reverse("admin:index")).content.decode()
    client.force_login(make_user("coordinator"))
    assert CHANGELIST not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve", CommentStatus.APPROVED),
        ("reject", CommentStatus.REJECTED),
        ("mark_as_spam", CommentStatus.SPAM),
    ],
)
@pytest.mark.parametrize("role", ["moderator", "caf_staff"])
def test_admin_actions_decide_and_keep_the_trail(client, role, action, status):
    comments = [CommentFactory(pending=True), CommentFactory(pending=True)]
    user = make_user(role)
    client.force_login(user)

    response = client.post(CHANGELIST, {"action": action, "_selected_action": [c.pk for c in comments]})

    assert response.status_code == 302
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == status and comment.moderated_by == user
    assert CommentModeration.objects.filter(to_status=status, moderated_by=user).count() == 2


def test_admin_action_can_correct_a_decision(client):
    comment = CommentFactory()  # approved
    client.force_login(make_user("moderator"))
    client.post(CHANGELIST, {"action": "reject", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == CommentStatus.REJECTED
    trail = CommentModeration.objects.get()
    assert (trail.from_status, trail.to_status) == (CommentStatus.APPROVED, CommentStatus.REJECTED)


def test_comment_page_is_read_only_and_shows_the_trail(client):
    comment = CommentFactory(pending=True, body="Texte d’origine")
    moderator = make_user("moderator")
    client.force_login(moderator)
    client.post(CHANGELIST, {"action": "approve", "_selected_action": [comment.pk]})
    url = reverse("admin:comments_comment_change", args=[comment.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    page = response.content.decode()
    assert 'name="body"' not in page and "Texte d’origine" in page
    assert "En attente de modération" in page and "Approuvé (publié)" in page  # the trail
    client.post(url, {"body": "Texte changé", "status": "pending"})
    comment.refresh_from_db()
    assert comment.body == "Texte d’origine" and comment.status == CommentStatus.APPROVED


def test_comments_are_not_added_in_the_admin(client):
    client.force_login(make_user("caf_staff"))
    assert client.get(reverse("admin:comments_comment_add")).status_code == 403


def test_comment_list_query_count_does_not_depend_on_the_number_of_comments(
    client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("moderator"))
    CommentFactory(pending=True)
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for _ in range(20):
        CommentFactory()
    with django_assert_num_queries(len(few)):
        client.get(CHANGELIST)
