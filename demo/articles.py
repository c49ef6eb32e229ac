"""Demo articles of Fil info, for `manage.py load_demo` (development only).

`load_demo_articles()` may run again and again: articles are found by their slug, comments by
their article and author, and nothing is duplicated. No notification is written for the demo's
pending comment (running the command again would write it again).
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from comments.enums import CommentStatus
from comments.models import Comment, CommentModeration
from news.enums import ArticleStatus
from news.models import Article
from structures.models import Department

DEMO_MODERATOR_EMAIL = "moderation@demo.test"

DORDOGNE_SLUG = "en-dordogne-quatre-promeneurs-du-net"

ARTICLES = [
    {
        "slug": DORDOGNE_SLUG,
        "title": "En Dordogne, quatre promeneurs du Net sur les réseaux sociaux",
        "department": "24",
        "days_ago": 3,
        "comments_open": True,
        "lead": "Depuis la mi-septembre, quatre professionnel·les de quatre structures du département "
        "répondent aux jeunes sur les réseaux sociaux, avec le soutien de la CAF.",
        "body": (
            "Le réseau des Promeneurs du Net compte désormais quatre membres en Dordogne. Chacun·e travaille "
            "dans une structure différente : l’association Jeunes Coursac Razac, l’Espace socioculturel "
            "Ruban Vert à Mareuil, le CCAS Le Forum@ à Marsac-sur-l’Isle et le Campus des métiers.\n\n"
            "Leur mission sur les réseaux : écouter, prévenir, conseiller et accompagner. Ils et elles se "
            "présentent à visage découvert, comme les professionnel·les qu’ils et elles sont, et ont suivi "
            "une formation avant de commencer.\n\n"
            "Ce sont toujours les jeunes qui les ajoutent ou leur écrivent en premier : un promeneur ne fait "
            "jamais le premier pas. Ce qui se dit dans ces échanges reste confidentiel.\n\n"
            "L’objectif, quand c’est utile : passer d’un échange en ligne à une vraie rencontre, ou orienter "
            "vers la structure qui pourra aider.\n\n"
            "Pour ce lancement, la CAF de la Dordogne soutient chaque structure à hauteur de 1 700 €. "
            "Le réseau devrait s’agrandir dans le département.\n"
            "Pour trouver un promeneur près de chez toi : l’annuaire du site."
        ),
    },
    {
        "slug": "les-promeneurs-du-net-partout-en-france",
        "title": "Les Promeneurs du Net, un programme national",
        "department": None,
        "days_ago": 10,
        "comments_open": True,
        "lead": "Testé d’abord dans la Manche, le programme s’étend à tout le territoire : des pros de la "
        "jeunesse présent·es là où les 12-25 ans passent du temps en ligne.",
        "body": (
            "Animateurs, éducatrices, conseillers de mission locale, d’information jeunesse ou de maison des "
            "jeunes : les promeneurs du Net sont des professionnel·les de structures qui ont signé une "
            "convention avec la CAF.\n\n"
            "Sur Instagram, Snapchat, TikTok, Discord ou ailleurs, ils et elles affichent leur prénom, leur "
            "métier, leur structure et leurs horaires en ligne.\n\n"
            "En dehors de ces horaires, les numéros d’urgence répondent : le 3018 pour le harcèlement en "
            "ligne, le 119 pour un enfant en danger, le 3114 pour la prévention du suicide.\n"
            "En savoir plus : https://www.promeneursdunet.fr"
        ),
    },
    {
        "slug": "formation-des-promeneurs-de-la-dordogne",
        "title": "Une journée de formation pour les promeneurs de la Dordogne",
        "department": "24",
        "days_ago": 20,
        "comments_open": False,
        "lead": "Avant d’aller sur les réseaux, chaque promeneur suit une formation et signe la charte du "
        "programme.",
        "body": (
            "La formation aborde la présence éducative en ligne, la juste distance professionnelle et la "
            "confidentialité des échanges.\n\n"
            "Elle se termine par la signature de la charte des Promeneurs du Net."
        ),
    },
]

COMMENTS = [
    # article slug, author, body, status, hours after publication
    (
        DORDOGNE_SLUG,
        "Léa, animatrice",
        "Super initiative ! Dans notre centre social, les jeunes nous demandent souvent où trouver de l’aide.\n"
        "Plus d’infos sur le programme : www.promeneursdunet.fr",
        CommentStatus.APPROVED,
        5,
    ),
    (
        DORDOGNE_SLUG,
        "Tom",
        "Je ne savais pas que ça existait en Dordogne.\n\nMerci pour l’article.",
        CommentStatus.APPROVED,
        20,
    ),
    (
        DORDOGNE_SLUG,
        "Un parent",
        "Est-ce que les promeneurs répondent aussi aux parents ?",
        CommentStatus.PENDING,
        40,
    ),
]


def load_demo_articles(author=None):
    """Create or update the demo articles and their comments; returns the articles."""
    now = timezone.now()
    if author is None:
        author = get_user_model().objects.filter(email=DEMO_MODERATOR_EMAIL).first()
    articles = {}
    for data in ARTICLES:
        department = Department.objects.get(code=data["department"]) if data["department"] else None
        article, _ = Article.objects.update_or_create(
            slug=data["slug"],
            defaults={
                "title": data["title"],
                "lead": data["lead"],
                "body": data["body"],
                "department": department,
                "status": ArticleStatus.PUBLISHED,
                "published_at": now - datetime.timedelta(days=data["days_ago"]),
                "comments_open": data["comments_open"],
                "author": author,
            },
        )
        articles[article.slug] = article

    article_type = ContentType.objects.get_for_model(Article)
    for slug, author_name, body, status, hours in COMMENTS:
        article = articles[slug]
        created_at = article.published_at + datetime.timedelta(hours=hours)
        decided = status != CommentStatus.PENDING
        comment, _ = Comment.objects.update_or_create(
            content_type=article_type,
            object_id=article.pk,
            author_name=author_name,
            defaults={
                "body": body,
                "status": status,
                "created_at": created_at,
                "moderated_by": author if decided else None,
                "moderated_at": created_at + datetime.timedelta(hours=1) if decided else None,
            },
        )
        if decided and not comment.moderations.exists():
            CommentModeration.objects.create(
                comment=comment,
                from_status=CommentStatus.PENDING,
                to_status=status,
                moderated_by=author,
                created_at=comment.moderated_at,
            )
    return list(articles.values())
