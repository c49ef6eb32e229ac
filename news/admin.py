"""Fil info articles in the Django admin: moderators and CAF staff write them all; a departmental
coordinator writes those of their départements (not national ones)."""

from django.contrib import admin, messages

from accounts.access import is_moderator, is_national_staff
from accounts.admin_permissions import ALL, ModeratorPermissionsMixin
from promeneurs import public_cache

from .models import Article


@admin.register(Article)
class ArticleAdmin(ModeratorPermissionsMixin, admin.ModelAdmin):
    caf_staff_permissions = ALL
    moderator_permissions = ALL
    coordinator_permissions = ALL
    scope_lookup = "department"

    list_display = (
        "title",
        "department_or_national",
        "status",
        "published_at",
        "comments_state",
        "comment_count",
    )
    list_filter = ("status", "comments_open", ("department", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("department",)
    search_fields = ("title", "lead", "body")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("author", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "lead", "body")}),
        ("Publication", {"fields": ("status", "published_at", "department", "comments_open")}),
        ("Historique", {"fields": ("author", "created_at", "updated_at")}),
    )
    actions = ["close_comments"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_comment_count()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        user = request.user
        if db_field.name == "department" and not (is_national_staff(user) or is_moderator(user)):
            # A coordinator writes for their départements; national news come from the CAF.
            field.required = True
        return field

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="département", ordering="department__code")
    def department_or_national(self, obj):
        return obj.department or "National"

    @admin.display(description="commentaires")
    def comments_state(self, obj):
        if obj.accepts_comments():
            return "ouverts"
        if obj.closed_by_delay:
            return "fermés (délai passé)"
        return "fermés" if not obj.comments_open else "pas encore publié"

    @admin.display(description="publiés", ordering="comment_count")
    def comment_count(self, obj):
        return obj.comment_count

    @admin.action(description="Fermer les commentaires des articles sélectionnés", permissions=["change"])
    def close_comments(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = Article.objects.filter(pk__in=ids, comments_open=True).update(comments_open=False)
        # update() sends no signal: the public pages are told here.
        public_cache.content_changed(["fil-info"])
        self.message_user(request, f"Commentaires fermés sur {count} article(s).", messages.SUCCESS)
