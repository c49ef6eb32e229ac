from django.contrib import admin

from accounts import access

from .models import ActivityReport


@admin.register(ActivityReport)
class ActivityReportAdmin(admin.ModelAdmin):
    list_display = ["structure", "year", "status", "submitted_at", "locked_at"]
    list_filter = ["status", "year", "structure__department"]
    search_fields = ["structure__name"]
    list_select_related = ["structure"]
    raw_id_fields = ["structure"]
    readonly_fields = [
        "figures",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_by",
        "submitted_at",
        "locked_by",
        "locked_at",
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if access.is_national_staff(user):
            return queryset
        return queryset.filter(structure__department_id__in=access.coordinated_department_ids(user))

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_locked

    def has_delete_permission(self, request, obj=None):
        return False
