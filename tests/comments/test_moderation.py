"""The moderation queue /tableau-de-bord/moderation/: who may open it and act, and what it does."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.enums import CommentStatus
from comments.models import Comment, CommentModeration
from tests.comments.factories import CommentFactory
from tests.comments.helpers import MODERATING_ROLES, ROLES, make_user
from tests.news.factories import ArticleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

QUEUE = "/tableau-de-bord/moderation/"
SECRET_BODY = "Texte en attente que seule la modération lit"


@pytest.fixture
def pending():
    return CommentFactory(pending=True, body=SECRET_BODY, target__title="L’article commenté")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Who -----------------------------------------------------------------------------------------


def test_visitor_is_sent_to_the_login_page(client, pending):
    for response in [client.get(QUEUE), client.post(QUEUE, {"une": f"{pending.pk}:approved"})]:
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/login/")
    pending.refresh_from_db()
    assert pending.status == CommentStatus.PENDING


@pytest.mark.parametrize("role", ROLES)
def test_queue_opens_for_moderators_and_caf_staff_only(client, pending, role):
    client.force_login(make_user(role))
    response = client.get(QUEUE)
    if role in MODERATING_ROLES:
        assert response.status_code == 200
        assert SECRET_BODY in response.content.decode()
    else:
        assert response.status_code == 404
        assert SECRET_BODY not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_and_caf_staff_may_decide(client, pending, role):
    user = make_user(role)
    client.force_login(user)

    response = client.post(QUEUE, {"une": f"{pending.pk}:approved"})

    pending.refresh_from_db()
    if role in MODERATING_ROLES:
        assert response.status_code == 302
        assert pending.status == CommentStatus.APPROVED and pending.moderated_by == user
    else:
        assert response.status_code == 404
        assert pending.status == CommentStatus.PENDING
        assert not CommentModeration.objects.exists()


def test_deactivated_moderator_gets_nothing(client, pending):
    user = make_user("moderator")
    client.force_login(user)
    user.is_active = False
    user.save()
    assert client.get(QUEUE).status_code == 302  # logged out: an inactive account has no session


# --- What ----------------------------------------------------------------------------------------


def test_queue_lists_pending_comments_oldest_first_with_their_article(client, clock):
    now = timezone.now()
    article = ArticleFactory(title="Un article sur les réseaux")
    newer = CommentFactory(pending=True, target=article, body="le plus récent", created_at=now)
    older = CommentFactory(
        pending=True, target=article, body="le plus ancien", created_at=now - timezone.timedelta(days=2)
    )
    CommentFactory(target=article, body="déjà approuvé")
    CommentFactory(rejected=True, target=article, body="déjà rejeté")
    CommentFactory(spam=True, target=article, body="déjà en spam")
    client.force_login(make_user("moderator"))

    response = client.get(QUEUE)

    assert list(response.context["page_obj"]) == [older, newer]
    page = response.content.decode()
    assert page.index("le plus ancien") < page.index("le plus récent")
    assert "déjà approuvé" not in page and "déjà rejeté" not in page and "déjà en spam" not in page
    assert f'<a href="{article.get_absolute_url()}">Un article sur les réseaux</a>' in page
    assert "2 commentaires en attente" in page
    for comment in (older, newer):
        for action, label in [("approved", "Approuver"), ("rejected", "Rejeter"), ("spam", "Spam")]:
            assert f'name="une" value="{comment.pk}:{action}"' in page
            assert f">{label}<span" in page
        assert f'name="commentaires" value="{comment.pk}"' in page


def test_the_text_is_shown_as_typed_escaped(client):
    CommentFactory(pending=True, body="<script>alert(1)</script> https://exemple.fr")
    client.force_login(make_user("moderator"))
    page = client.get(QUEUE).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; https://exemple.fr" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("approved", CommentStatus.APPROVED, "1 commentaire approuvé : il est publié."),
        ("rejected", CommentStatus.REJECTED, "1 commentaire rejeté."),
        ("spam", CommentStatus.SPAM, "1 commentaire classé comme spam."),
    ],
)
def test_one_comment_decision_is_kept_with_who_and_when(client, clock, pending, action, status, message):
    moderator = make_user("moderator")
    client.force_login(moderator)

    response = client.post(QUEUE, {"une": f"{pending.pk}:{action}"})

    assert response.status_code == 302 and response["Location"] == QUEUE
    assert messages_of(response) == [message]
    pending.refresh_from_db()
    assert pending.status == status
    assert pending.moderated_by == moderator and pending.moderated_at == timezone.now()
    trail = CommentModeration.objects.get()
    assert (trail.comment, trail.from_status, trail.to_status) == (pending, CommentStatus.PENDING, status)
    assert trail.moderated_by == moderator and trail.created_at == timezone.now()


def test_approved_comment_is_published_on_its_article(client, pending):
    url = pending.content_object.get_absolute_url()
    assert SECRET_BODY not in client.get(url).content.decode()
    moderator = make_user("caf_staff")
    client.force_login(moderator)
    client.post(QUEUE, {"une": f"{pending.pk}:approved"})
    client.logout()
    assert SECRET_BODY in client.get(url).content.decode()


def test_bulk_decision_applies_to_the_ticked_comments_only(client):
    ticked = [CommentFactory(pending=True) for _ in range(3)]
    left = CommentFactory(pending=True)
    client.force_login(make_user("moderator"))

    response = client.post(QUEUE, {"action": "rejected", "commentaires": [c.pk for c in ticked]})

    assert response.status_code == 302
    assert messages_of(response) == ["3 commentaires rejetés."]
    assert set(Comment.objects.filter(status=CommentStatus.REJECTED)) == set(ticked)
    left.refresh_from_db()
    assert left.status == CommentStatus.PENDING
    assert CommentModeration.objects.filter(to_status=CommentStatus.REJECTED).count() == 3


def test_a_row_button_wins_over_the_ticked_boxes(client):
    one, other = CommentFactory(pending=True), CommentFactory(pending=True)
    client.force_login(make_user("moderator"))
    client.post(QUEUE, {"une": f"{one.pk}:spam", "action": "approved", "commentaires": [one.pk, other.pk]})
    one.refresh_from_db(), other.refresh_from_db()
    assert (one.status, other.status) == (CommentStatus.SPAM, CommentStatus.PENDING)


def test_comment_decided_meanwhile_by_someone_else_is_left_as_it_is(client, pending):
    first, second = make_user("moderator"), make_user("moderator")
    client.force_login(first)
    client.post(QUEUE, {"une": f"{pending.pk}:rejected"})
    client.force_login(second)

    response = client.post(QUEUE, {"action": "approved", "commentaires": [pending.pk]})

    assert (
        messages_of(response)[-1]
        == "1 commentaire n’était plus en attente (déjà modéré) : il n’a pas changé."
    )
    pending.refresh_from_db()
    assert pending.status == CommentStatus.REJECTED and pending.moderated_by == first
    assert CommentModeration.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "approved"}, "Cochez au moins un commentaire"),
        ({"commentaires": ["{pk}"]}, "Choisissez l’action à appliquer"),
        ({"commentaires": ["{pk}"], "action": "delete"}, "Choisissez l’action dans la liste."),
        ({"une": "{pk}:delete"}, "Action inconnue"),
        ({"une": "{pk}:pending"}, "Action inconnue"),
        ({"commentaires": ["abc"], "action": "approved"}, "La sélection n’est pas valide"),
        ({"commentaires": ["\x00"], "action": "spam"}, "La sélection n’est pas valide"),
    ],
)
def test_incomplete_or_forged_decision_is_refused_in_french(client, pending, data, message):
    client.force_login(make_user("moderator"))
    data = {
        key: [x.format(pk=pending.pk) for x in value]
        if isinstance(value, list)
        else value.format(pk=pending.pk)
        for key, value in data.items()
    }

    response = client.post(QUEUE, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == CommentStatus.PENDING


def test_unknown_comment_id_changes_nothing(client, pending):
    client.force_login(make_user("moderator"))
    response = client.post(QUEUE, {"une": "999999:approved"})
    assert response.status_code == 302
    assert "n’était plus en attente" in messages_of(response)[0]


def test_queue_query_count_does_not_depend_on_the_number_of_comments(client, django_assert_num_queries):
    client.force_login(make_user("moderator"))
    CommentFactory(pending=True)
    client.get(QUEUE)  # the content types are cached for both counts
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    assert len(few) == 7  # pinned: a new query shows here, even on a page of one row
    for _ in range(30):
        CommentFactory(pending=True)  # each on its own article

    with django_assert_num_queries(len(few)):
        response = client.get(QUEUE)
    assert len(response.context["page_obj"]) == 31
