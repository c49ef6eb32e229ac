"""Admin permissions derived from the roles of design §2, for every app's admin.

Never from auth `Permission` rows or groups: each admin (and inline) says what each role may do,
and the roles themselves are answered by `accounts.access`.

- `RolePermissionsMixin`: CAF national staff (everywhere) and departmental coordinators (within
  their départements);
- `ModeratorPermissionsMixin`: the same, plus the moderators' national role.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from promeneurs.admin_a11y import labelled_changelist_form, labelled_inline_formset, name_split_datetime

from . import access

ALL = frozenset({"view", "add", "change", "delete"})
VIEW = frozenset({"view"})
NONE = frozenset()

OUT_OF_SCOPE_CHOICE = "Ce choix est hors de vos départements : choisissez-en un dans la liste."

# Kept importable under their former names (the admin modules used them).
is_national_staff = access.is_national_staff
is_coordinator = access.is_coordinator
is_moderator = access.is_moderator


def department_id_of(obj, lookup):
    """The département id reached from `obj` by a lookup such as "structure__department"."""
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, f"{last}_id")


def scope_filter(request, promeneur_path):
    """For a coordinator, a Q() keeping the promeneurs (at `promeneur_path`) of their départements."""
    if access.is_national_staff(request.user):
        return None
    return models.Q(
        **{f"{promeneur_path}__structure__department__in": access.coordinated_department_ids(request.user)}
    )


class RolePermissionsMixin:
    """Admin permissions derived from roles, for ModelAdmin and InlineModelAdmin alike.

    - `caf_staff_permissions`: what CAF national staff and superusers may do (everywhere);
    - `coordinator_permissions`: what a departmental coordinator may do, within their départements;
    - `scope_lookup`: path from this model to its `Department` (`"structure__department"`), used to
      narrow a coordinator's rows; None: the model is not tied to a département (themes, charters);
    - `object_scope_lookup`: same path from the object the permission is asked about; defaults to
      `scope_lookup` for a ModelAdmin; an inline must set it, as the path from its parent.

    Anybody else (moderators, promeneurs, referents) gets nothing. Objects outside a coordinator's
    rows are not reachable by URL, because the admin fetches them through `get_queryset`.
    """

    caf_staff_permissions = ALL
    coordinator_permissions = NONE
    scope_lookup = None
    object_scope_lookup = "__same__"
    # An address typed without its scheme is a secure one (Django 6's default, already now).
    formfield_overrides: ClassVar[Mapping[type[models.Field], Mapping[str, Any]]] = {
        models.URLField: {"assume_scheme": "https"}
    }

    def get_formset(self, request, obj=None, **kwargs):
        # Tabular inlines: each input named by its column and row (promeneurs.admin_a11y).
        formset = super().get_formset(request, obj, **kwargs)
        if isinstance(self, admin.TabularInline):
            formset = labelled_inline_formset(formset)
        return formset

    def get_changelist_form(self, request, **kwargs):
        return labelled_changelist_form(super().get_changelist_form(request, **kwargs))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return name_split_datetime(super().formfield_for_dbfield(db_field, request, **kwargs))

    def get_role_permissions(self, request):
        user = request.user
        if access.is_national_staff(user):
            return self.caf_staff_permissions
        if access.is_coordinator(user):
            return self.coordinator_permissions
        return NONE

    def get_object_scope_lookup(self):
        if self.object_scope_lookup == "__same__":
            if isinstance(self, InlineModelAdmin):
                # An inline is asked about its parent: the path must be the parent's.
                raise ImproperlyConfigured(f"{type(self).__name__} doit définir object_scope_lookup.")
            return self.scope_lookup
        return self.object_scope_lookup

    def is_in_scope(self, request, obj, action):
        if obj is None or access.is_national_staff(request.user):
            return True
        lookup = self.get_object_scope_lookup()
        if lookup is None:
            return True
        return access.is_coordinator(request.user, department_id_of(obj, lookup))

    def has_role_permission(self, request, action, obj=None):
        return action in self.get_role_permissions(request) and self.is_in_scope(request, obj, action)

    def has_module_permission(self, request):
        return bool(self.get_role_permissions(request))

    def has_view_permission(self, request, obj=None):
        return self.has_role_permission(request, "view", obj) or self.has_role_permission(
            request, "change", obj
        )

    def has_add_permission(self, request, obj=None):
        return self.has_role_permission(request, "add", obj)

    def has_change_permission(self, request, obj=None):
        return self.has_role_permission(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_role_permission(request, "delete", obj)

    def get_scoped_queryset(self, request, queryset):
        """The rows of `queryset` the user may reach in the admin."""
        user = request.user
        if access.is_national_staff(user):
            return queryset
        if not access.is_coordinator(user) or not self.coordinator_permissions:
            return queryset.none()
        if self.scope_lookup is None:
            return queryset
        return queryset.filter(**{f"{self.scope_lookup}__in": access.coordinated_department_ids(user)})

    def get_queryset(self, request):
        return self.get_scoped_queryset(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A coordinator only chooses related rows they can reach (départements, structures…).

        The choices are those of the related model's admin, as in its autocomplete view; a value
        posted from outside them is refused with a French message.
        """
        scoped = False
        if "queryset" not in kwargs and not access.is_national_staff(request.user):
            related_model = db_field.remote_field.model
            try:
                related_admin = self.admin_site.get_model_admin(related_model)
            except NotRegistered:
                related_admin = None
            if isinstance(related_admin, RolePermissionsMixin):
                kwargs["queryset"] = related_admin.get_scoped_queryset(
                    request, related_model._default_manager.all()
                )
                scoped = True
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if scoped and field is not None:
            field.error_messages["invalid_choice"] = OUT_OF_SCOPE_CHOICE
        return field


class ModeratorPermissionsMixin(RolePermissionsMixin):
    """RolePermissionsMixin with the moderators' role: `moderator_permissions`, not scoped."""

    moderator_permissions = NONE

    def get_role_permissions(self, request):
        permissions = super().get_role_permissions(request)
        if access.is_moderator(request.user):
            permissions = permissions | self.moderator_permissions
        return permissions

    def is_in_scope(self, request, obj, action):
        if access.is_moderator(request.user) and action in self.moderator_permissions:
            return True
        return super().is_in_scope(request, obj, action)

    def get_scoped_queryset(self, request, queryset):
        if access.is_moderator(request.user) and self.moderator_permissions:
            return queryset
        return super().get_scoped_queryset(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if access.is_moderator(request.user) and self.moderator_permissions:
            # A moderator chooses among all rows (départements…), not a coordinator's.
            kwargs.setdefault("queryset", db_field.remote_field.model._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
