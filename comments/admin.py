"""Comments in the Django admin, for moderators and CAF staff: the same decisions as the queue.

Permissions come from roles, through `accounts.admin_permissions.ModeratorPermissionsMixin`:
moderators get what `moderator_permissions` says, everywhere (a moderator is a national role,
like CAF staff; coordinators get nothing here).
"""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator

from accounts.admin_permissions import VIEW, ModeratorPermissionsMixin

from .enums import CommentStatus
from .models import Comment, CommentModeration
from .services import comment_moderate

DECIDE = frozenset({"view", "change", "delete"})


class CommentModerationInline(ModeratorPermissionsMixin, admin.TabularInline):
    model = CommentModeration
    caf_staff_permissions = VIEW
    moderator_permissions = VIEW
    object_scope_lookup = None
    fields = ("created_at", "from_status", "to_status", "moderated_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderated_by")


@admin.register(Comment)
class CommentAdmin(ModeratorPermissionsMixin, admin.ModelAdmin):
    """Comments are written on the public site only; here they are decided on, never edited."""

    caf_staff_permissions = DECIDE
    moderator_permissions = DECIDE
    actions = ["approve", "reject", "mark_as_spam"]

    list_display = (
        "created_at",
        "author_name",
        "excerpt",
        "commented",
        "status",
        "moderated_by",
        "moderated_at",
    )
    list_display_links = ("created_at", "author_name")
    list_filter = ("status", "created_at")
    list_select_related = ("content_type", "moderated_by")
    search_fields = ("author_name", "author_email", "body")
    search_help_text = "Recherche dans le nom, l’e-mail et le texte des commentaires."
    date_hierarchy = "created_at"
    fields = (
        "commented",
        "author_name",
        "author_email",
        "body",
        "created_at",
        "status",
        "moderated_by",
        "moderated_at",
    )
    readonly_fields = fields
    inlines = [CommentModerationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("content_object")

    def has_change_permission(self, request, obj=None):
        # Decisions go through the actions of the list (and their trail); a comment is never edited.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="commentaire")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)

    @admin.display(description="sur")
    def commented(self, obj):
        target = obj.content_object
        if target is None:
            return "(contenu supprimé)"
        if hasattr(target, "get_absolute_url"):
            return format_html('<a href="{}">{}</a>', target.get_absolute_url(), target)
        return str(target)

    def _decide(self, request, queryset, to_status):
        changed, skipped = comment_moderate(
            comment_ids=list(queryset.values_list("pk", flat=True)), to_status=to_status, by=request.user
        )
        label = CommentStatus(to_status).label
        text = f"{len(changed)} commentaire(s) passé(s) à « {label} »."
        if skipped:
            text += f" {skipped} déjà à ce statut, inchangé(s)."
        self.message_user(request, text, messages.WARNING if skipped else messages.SUCCESS)

    @admin.action(description="Approuver (publier) les commentaires sélectionnés", permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, CommentStatus.APPROVED)

    @admin.action(description="Rejeter les commentaires sélectionnés", permissions=["change"])
    def reject(self, request, queryset):
        self._decide(request, queryset, CommentStatus.REJECTED)

    @admin.action(description="Classer comme spam les commentaires sélectionnés", permissions=["change"])
    def mark_as_spam(self, request, queryset):
        self._decide(request, queryset, CommentStatus.SPAM)
