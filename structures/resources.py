"""CSV import and export of the directory (django-import-export), used by the admin.

Rows are matched by slug; a structure's département is given by its INSEE code and its type by
its data·inclusion code; a promeneur's structure by its slug and its themes by their slugs.
Columns are named in French for the CAF staff who fill the spreadsheets.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from .enums import PromeneurStatus
from .models import Department, Promeneur, Structure, Theme


class ImportValueError(ValueError):
    """A value of an imported cell that cannot be used, explained in French."""


class FrenchBooleanWidget(widgets.BooleanWidget):
    """« oui » / « non » in files, and the usual 1/0, true/false on import."""

    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "oui", "Oui", "OUI"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "non", "Non", "NON"]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "oui" if value else "non"


class FrenchDateWidget(widgets.DateWidget):
    """Dates written 31/12/2026 (exported so); ISO dates (2026-12-31) are accepted too."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formats = ("%d/%m/%Y", "%Y-%m-%d")


class LookupForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a natural field (code, slug), with a French error when unknown."""

    def __init__(self, model, field, label, **kwargs):
        self.label = label
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ImportValueError(f"{self.label} inconnu·e : « {value} ».") from None


class SlugsManyToManyWidget(widgets.ManyToManyWidget):
    """Related rows given by their slugs; an unknown slug is an error, not silently dropped."""

    def __init__(self, model, label, **kwargs):
        self.label = label
        super().__init__(model, separator=",", field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        found = super().clean(value, row=row, **kwargs)
        if not value:
            return found
        wanted = {part.strip() for part in str(value).split(self.separator) if part.strip()}
        missing = wanted - set(found.values_list("slug", flat=True))
        if missing:
            raise ImportValueError(
                "{} inconnu·s : {}.".format(self.label, ", ".join(f"« {slug} »" for slug in sorted(missing)))
            )
        return found


class FrenchModelResource(resources.ModelResource):
    """Reports a cell that cannot be read (a number, a date) in French, naming its column."""

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)
        except ImportValueError:
            raise
        except (ValueError, ArithmeticError) as error:
            raise ImportValueError(
                f"Valeur illisible dans la colonne « {field.column_name} » : « {row.get(field.column_name)} »."
            ) from error


class StructureResource(FrenchModelResource):
    slug = fields.Field(attribute="slug", column_name="slug")
    name = fields.Field(attribute="name", column_name="nom")
    kind = fields.Field(attribute="kind", column_name="type")
    department = fields.Field(
        attribute="department",
        column_name="departement",
        widget=LookupForeignKeyWidget(Department, field="code", label="Département"),
    )
    address = fields.Field(attribute="address", column_name="adresse")
    postcode = fields.Field(attribute="postcode", column_name="code_postal")
    commune = fields.Field(attribute="commune", column_name="commune")
    latitude = fields.Field(attribute="latitude", column_name="latitude", widget=widgets.DecimalWidget())
    longitude = fields.Field(attribute="longitude", column_name="longitude", widget=widgets.DecimalWidget())
    email = fields.Field(attribute="email", column_name="email")
    phone = fields.Field(attribute="phone", column_name="telephone")
    website = fields.Field(attribute="website", column_name="site_web")
    is_public = fields.Field(
        attribute="is_public", column_name="visible", widget=FrenchBooleanWidget(), default=True
    )

    class Meta:
        model = Structure
        name = "Structures"
        fields = (
            "slug",
            "name",
            "kind",
            "department",
            "address",
            "postcode",
            "commune",
            "latitude",
            "longitude",
            "email",
            "phone",
            "website",
            "is_public",
        )
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class PromeneurResource(FrenchModelResource):
    slug = fields.Field(attribute="slug", column_name="slug")
    first_name = fields.Field(attribute="first_name", column_name="prenom")
    display_name = fields.Field(attribute="display_name", column_name="nom_affiche")
    structure = fields.Field(
        attribute="structure",
        column_name="structure",
        widget=LookupForeignKeyWidget(Structure, field="slug", label="Structure"),
    )
    job = fields.Field(attribute="job", column_name="metier")
    bio = fields.Field(attribute="bio", column_name="presentation")
    themes = fields.Field(
        attribute="themes", column_name="themes", widget=SlugsManyToManyWidget(Theme, label="Thèmes")
    )
    age_min = fields.Field(
        attribute="age_min", column_name="age_min", widget=widgets.IntegerWidget(), default=12
    )
    age_max = fields.Field(
        attribute="age_max", column_name="age_max", widget=widgets.IntegerWidget(), default=25
    )
    status = fields.Field(attribute="status", column_name="statut", default=PromeneurStatus.CANDIDATE)
    labelled_on = fields.Field(attribute="labelled_on", column_name="labellise_le", widget=FrenchDateWidget())

    class Meta:
        model = Promeneur
        name = "Promeneur·ses"
        fields = (
            "slug",
            "first_name",
            "display_name",
            "structure",
            "job",
            "bio",
            "themes",
            "age_min",
            "age_max",
            "status",
            "labelled_on",
        )
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many columns are only written after the row is saved: check the themes now, so
        # that an unknown theme is reported as a validation error of the row and nothing is saved.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        field = self.fields["themes"]
        if field.column_name in row:
            try:
                field.clean(row)
            except ValueError as error:
                errors["themes"] = [ValidationError(str(error), code="invalid")]
        if errors:
            raise ValidationError(errors)
