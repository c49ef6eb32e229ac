"""Fil info: the list of articles, an article with its comments and form, the Atom feed."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from comments.models import Comment, can_moderate
from comments.views import comment_form_handle
from promeneurs.pagination import paginate
from promeneurs.public_cache import public_form_page, public_page

from .forms import ArticleFilterForm
from .kept import digest, kept, next_publication
from .models import Article

PAGE_SIZE = 20
FEED_SIZE = 30
# What an article's page shows of a comment (templates/news/article_detail.html).
SHOWN_COMMENT_FIELDS = ("author_name", "body", "created_at")


def kept_list_key(request):
    """The choices of a list page (département, page) as the query string gives them."""
    choice = (
        request.GET.get("departement") if "departement" in request.GET else None,
        request.GET.get("page"),
    )
    return f"list:{digest(choice)}"


class KeptRows:
    """The articles of the list, for the paginator: it asks once, for the page shown."""

    def __init__(self, rows, count):
        self.rows, self.count = rows, count

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return self.rows


@login_not_required
@require_GET
@public_page(areas=("fil-info",))
def article_list(request):
    """/fil-info/: published articles, newest first, with their count of published comments.

    What the page reads (the départements that have articles and how many, the page's articles)
    is kept under Fil info's version until the next scheduled article comes out
    (`public_cache.kept_data`): the page rendered again at the next minute reads nothing."""
    now = timezone.now()
    data = request.GET if "departement" in request.GET else None

    def read():
        published = Article.objects.published(now)
        # The published articles counted per département, in one query: the départements the
        # filter offers, and the number of articles of the choice made (the pages' count),
        # without the comments' join and grouping, which change nothing to it.
        zones = ArticleFilterForm.zones_of(published)
        form = ArticleFilterForm(data=data, zones=zones)
        found = form.filter(published)
        # Meta.ordering does not apply to a query with an aggregate: the order is said here.
        articles = found.select_related("department").with_comment_count().order_by("-published_at", "-pk")
        page_obj = paginate(request, articles, per_page=PAGE_SIZE, count=form.count(zones))["page_obj"]
        return (zones, list(page_obj.object_list)), next_publication(now)

    zones, rows = kept(kept_list_key(request), read, now)
    form = ArticleFilterForm(data=data, zones=zones)
    count = form.count(zones)
    pagination = paginate(request, KeptRows(rows, count), per_page=PAGE_SIZE, count=count)
    context = {
        "form": form,
        "page_obj": pagination["page_obj"],
        "paginator": pagination["paginator"],
        "pagination": pagination,
    }
    return render(request, "news/article_list.html", context)


def get_article_for_user_or_404(user, slug):
    """A published article; moderators and CAF staff also see drafts and scheduled ones (a preview)."""
    articles = Article.objects.select_related("department")
    if not can_moderate(user):
        articles = articles.published()
    article = articles.filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


def article_and_comments(user, slug):
    """The article of `slug` (404 if `user` may not see it) and its approved comments, oldest
    first. What the public sees is kept under Fil info's version (an article published stays so
    until it is saved again); a moderator's preview is read each time."""

    def read(fields=()):
        article = get_article_for_user_or_404(user, slug)
        comments = Comment.objects.for_object(article).approved().order_by("created_at", "pk")
        return article, list(comments.only(*fields) if fields else comments)

    if can_moderate(user):
        return read()
    # Kept: what the page shows of each comment, never its author's e-mail or its moderator.
    # A slug not found raises, and nothing is kept: a scheduled article comes out at its time.
    return kept(f"article:{digest(slug)}", lambda: (read(SHOWN_COMMENT_FIELDS), None))


@login_not_required
@never_cache  # its form holds a one-time CAPTCHA and a CSRF token: no browser or proxy keeps it
@require_http_methods(["GET", "POST"])
@public_form_page(areas=("fil-info",))
def article_detail(request, slug):
    """/fil-info/<slug>/: the article, its approved comments (only those), and the comment form."""
    article, comments = article_and_comments(request.user, slug)
    response, context, status = comment_form_handle(
        request, target=article, is_open=article.accepts_comments()
    )
    if response is not None:
        return response
    context.update({"article": article, "comments": comments, "is_preview": not article.is_published()})
    return render(request, "news/article_detail.html", context, status=status)


class ArticleFeed(Feed):
    """The Atom feed of Fil info: the latest published articles (never a comment)."""

    feed_type = Atom1Feed
    title = "Fil info — Promeneurs du Net"
    subtitle = "Les actualités des Promeneurs du Net, en France et dans les départements."

    def link(self):
        return reverse("news:article_list")

    def items(self):
        return Article.objects.published().select_related("department")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.lead

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item):
        return [item.department.name if item.department else "National"]


article_feed = login_not_required(ArticleFeed())
