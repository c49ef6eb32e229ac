"""Import and export of the programme's data (django-import-export), used by the admin.

Files come from the spreadsheets of CAF staff, in CSV or XLSX, with French column names. A file is
imported whole or not at all: every refused row is listed with its line and a French sentence per
problem (see `refusals`), and nothing is saved while one row is refused.

What a cell may hold:
- a département: its INSEE code ("24", "2A") or its name ("Dordogne", accents and case free);
- a structure type, a funder, a status: the code ("CS") or the label ("Centre social"), accents,
  case and dashes free;
- yes/no: « oui » / « non » (and vrai/faux, 1/0, true/false); anything else ("x") is refused;
- an amount or a coordinate: French decimals ("1 700,50") or dotted ones ("1700.50");
- a date: 31/12/2026 or 2026-12-31.
Rows are found again by their natural key (slug, structure + funder + year…), so importing the
same file twice changes nothing; a key given twice in one file is refused.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import slugify
from import_export import fields, resources, widgets

from promeneurs.typography import short_date

from .enums import ConventionStatus, Funder, PromeneurStatus, StructureKind, TrainingKind
from .geo import department_code_for_postcode
from .models import Convention, Department, Promeneur, Structure, Theme, Training, TrainingAttendance

# Beyond this many rows, a file is imported in the background (structures.imports), not by the page.
SYNC_IMPORT_MAX_ROWS = 1000


class ImportValueError(ValueError):
    """A value of an imported cell that cannot be used, explained in French."""


class FileTooLarge(Exception):
    """A file too large to be imported while the page waits."""


def normalise(value):
    """Text compared without accents, case, dashes, apostrophe styles or extra spaces."""
    text = re.sub(r"[-_’'`.,/–—]+", " ", str(value).casefold())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.split())


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A spreadsheet gives 24 as 24.0.
        value = int(value)
    return str(value).strip()


# --- Widgets ------------------------------------------------------------------------------------


class FrenchBooleanWidget(widgets.BooleanWidget):
    """« oui » / « non » in files; vrai/faux, 1/0, true/false read too; anything else is refused."""

    TRUE = {"oui", "o", "vrai", "true", "1", "yes", "y"}
    FALSE = {"non", "n", "faux", "false", "0", "no"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = normalise(cell_text(value))
        if text == "":
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ImportValueError(f"« {cell_text(value)} » n’est ni « oui » ni « non ».")

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "oui" if value else "non"


class SlugWidget(widgets.Widget):
    """A slug as typed, accents and capitals allowed: « CS-Ribérac » is « cs-riberac »."""

    def clean(self, value, row=None, **kwargs):
        return slugify(cell_text(value))


class ChoiceWidget(widgets.Widget):
    """A code of `choices`, given by its code or its label, accents and case free."""

    def __init__(self, choices, label, **kwargs):
        self.choices = choices
        self.label = label
        self.lookup = {}
        for code, text in choices.choices:
            self.lookup[normalise(code)] = code
            self.lookup[normalise(text)] = code
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text == "":
            return None
        try:
            return self.lookup[normalise(text)]
        except KeyError:
            examples = ", ".join(f"« {label} »" for _code, label in list(self.choices.choices)[:3])
            raise ImportValueError(
                f"{self.label} inconnu : « {text} ». Indiquez un code ou un libellé de la liste ({examples}…)."
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class FrenchDecimalWidget(widgets.DecimalWidget):
    """Decimals written the French way ("1 700,50") or with a dot; exported with a comma."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return Decimal(str(value))
        text = cell_text(value)
        if text == "":
            return None
        compact = re.sub(r"[\s\u00a0\u202f€]", "", text)
        if "," in compact:
            compact = compact.replace(".", "").replace(",", ".")
        try:
            number = Decimal(compact)
        except InvalidOperation:
            raise ImportValueError(f"« {text} » n’est pas un nombre (exemple : 1 700,50).") from None
        if not number.is_finite():
            raise ImportValueError(f"« {text} » n’est pas un nombre (exemple : 1 700,50).")
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return str(value).replace(".", ",")


class FrenchIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text == "":
            return None
        try:
            return int(re.sub(r"[\s\u00a0\u202f]", "", text))
        except ValueError:
            raise ImportValueError(f"« {text} » n’est pas un nombre entier.") from None


class FrenchDateWidget(widgets.DateWidget):
    """Dates written 31/12/2026 (exported so); ISO dates (2026-12-31) and spreadsheet dates too."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formats = ("%d/%m/%Y", "%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if text == "":
            return None
        for date_format in self.formats:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ImportValueError(f"« {text} » n’est pas une date (exemple : 31/12/2026).")

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return value.strftime("%d/%m/%Y")


class LookupForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a natural field (code, slug), with a French error when unknown."""

    def __init__(self, model, field, label, **kwargs):
        self.label = label
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text == "":
            return None
        try:
            return super().clean(text, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ImportValueError(f"{self.label} inconnu·e : « {text} ».") from None


class DepartmentWidget(LookupForeignKeyWidget):
    """A département by its INSEE code ("24", "2a", "971") or its name ("Gironde", "ardeche")."""

    def __init__(self, **kwargs):
        super().__init__(Department, field="code", label="Département", **kwargs)
        self._by_key = None

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text == "":
            return None
        if self._by_key is None:
            self._by_key = {}
            for department in Department.objects.all():
                self._by_key[normalise(department.code)] = department
                self._by_key[normalise(department.name)] = department
        key = normalise(text.zfill(2) if text.isdigit() else text)
        try:
            return self._by_key[key]
        except KeyError:
            raise ImportValueError(f"Département inconnu·e : « {text} ».") from None


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


# --- Resources ----------------------------------------------------------------------------------


class FrenchModelResource(resources.ModelResource):
    """The rules every import shares.

    - A cell that cannot be read is reported in French, naming its column.
    - A natural key (`import_id_fields`) given twice in one file is refused on its second line:
      otherwise the second row would silently overwrite the first.
    - A row without its key is refused: it could not be found again, and a second import would
      create it twice.
    """

    # How many of the key's columns must be filled in (None: all).
    required_key_count = None
    # Lines before the rows given to `import_data` (a large file is imported in chunks).
    line_offset = 0

    def __init__(self, max_rows=SYNC_IMPORT_MAX_ROWS, **kwargs):
        super().__init__(**kwargs)
        self.seen_keys = {}
        self.max_rows = max_rows

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if self.max_rows is not None and len(dataset) > self.max_rows:
            raise FileTooLarge(
                f"Ce fichier compte {len(dataset)} lignes : au-delà de {self.max_rows}, importez-le depuis "
                "« Imports en arrière-plan », qui le vérifie et l’enregistre sans faire attendre la page."
            )

    def key_of(self, row):
        return tuple(
            normalise(cell_text(row.get(self.fields[name].column_name))) for name in self.key_columns()
        )

    def key_columns(self):
        return self._meta.import_id_fields

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        line = self.line_offset + kwargs.get("row_number", 0) + 1
        key = self.key_of(row)
        columns = [self.fields[name].column_name for name in self.key_columns()]
        if any(part == "" for part in key[: self.required_key_count or len(key)]):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        "Colonne{} « {} » vide : chaque ligne doit l’indiquer.".format(
                            "s" if len(columns) > 1 else "", " », « ".join(columns)
                        )
                    ]
                }
            )
        first = self.seen_keys.setdefault(key, line)
        if first != line:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        f"Doublon de la ligne {first} (même {' + '.join(columns)}) : "
                        "une seule ligne par fiche dans un fichier."
                    ]
                }
            )

    # Called with each row's number once it is handled (the background imports' progress).
    on_row = None

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if self.on_row is not None:
            self.on_row(kwargs.get("row_number", 0))
        return result

    def get_instance(self, instance_loader, row):
        # The row is found again by its key: a key cell that cannot be read refuses the row.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError as error:
            raise ValidationError({NON_FIELD_ERRORS: [str(error)]}) from None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)
        except ImportValueError:
            raise
        except (ValueError, ArithmeticError, TypeError) as error:
            raise ImportValueError(
                f"Valeur illisible dans la colonne « {field.column_name} » : « {row.get(field.column_name)} »."
            ) from error

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The models' check constraints repeat their fields' validators and `clean()` (which run
        # here) and the database enforces them: not validating them again saves a query each.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=errors.keys(), validate_unique=validate_unique, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        # The row's values on the instance: their validation errors and those of `check_row`
        # are reported together, as one refusal of the row.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors):
        """What a kind of file checks besides the model: add to `errors` ({field: [errors]})."""

    def column_of(self, attribute):
        """The file's column name for a model field (for the refusals' sentences)."""
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        return None


class StructureResource(FrenchModelResource):
    slug = fields.Field(attribute="slug", column_name="slug", widget=SlugWidget())
    name = fields.Field(attribute="name", column_name="nom")
    kind = fields.Field(
        attribute="kind", column_name="type", widget=ChoiceWidget(StructureKind, label="Type de structure")
    )
    department = fields.Field(attribute="department", column_name="departement", widget=DepartmentWidget())
    address = fields.Field(attribute="address", column_name="adresse")
    postcode = fields.Field(attribute="postcode", column_name="code_postal")
    commune = fields.Field(attribute="commune", column_name="commune")
    latitude = fields.Field(attribute="latitude", column_name="latitude", widget=FrenchDecimalWidget())
    longitude = fields.Field(attribute="longitude", column_name="longitude", widget=FrenchDecimalWidget())
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

    def check_row(self, instance, row, errors):
        if "postcode" not in errors and "department" not in errors and instance.department_id:
            postcode = cell_text(instance.postcode)
            instance.postcode = postcode
            expected = department_code_for_postcode(postcode)
            if expected is not None and expected != instance.department.code:
                errors["postcode"] = [
                    ValidationError(
                        f"Le code postal {postcode} n’est pas dans le département indiqué "
                        f"({instance.department.code}, {instance.department.name}) mais dans le {expected}.",
                        code="invalid",
                    )
                ]


class PromeneurResource(FrenchModelResource):
    slug = fields.Field(attribute="slug", column_name="slug", widget=SlugWidget())
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
        attribute="age_min", column_name="age_min", widget=FrenchIntegerWidget(), default=12
    )
    age_max = fields.Field(
        attribute="age_max", column_name="age_max", widget=FrenchIntegerWidget(), default=25
    )
    status = fields.Field(
        attribute="status",
        column_name="statut",
        widget=ChoiceWidget(PromeneurStatus, label="Statut"),
        default=PromeneurStatus.CANDIDATE,
    )
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

    def check_row(self, instance, row, errors):
        # Many-to-many columns are only written after the row is saved: check the themes now, so
        # that an unknown theme is reported as a validation error of the row and nothing is saved.
        field = self.fields["themes"]
        if field.column_name in row:
            try:
                field.clean(row)
            except ValueError as error:
                errors["themes"] = [ValidationError(str(error), code="invalid")]


class ConventionResource(FrenchModelResource):
    """One row per structure, funder and year, with the amount of that year."""

    structure = fields.Field(
        attribute="structure",
        column_name="structure",
        widget=LookupForeignKeyWidget(Structure, field="slug", label="Structure"),
    )
    funder = fields.Field(
        attribute="funder", column_name="financeur", widget=ChoiceWidget(Funder, label="Financeur")
    )
    year = fields.Field(attribute="year", column_name="annee", widget=FrenchIntegerWidget())
    amount = fields.Field(attribute="amount", column_name="montant", widget=FrenchDecimalWidget())
    starts_on = fields.Field(attribute="starts_on", column_name="debut", widget=FrenchDateWidget())
    ends_on = fields.Field(attribute="ends_on", column_name="fin", widget=FrenchDateWidget())
    status = fields.Field(
        attribute="status",
        column_name="statut",
        widget=ChoiceWidget(ConventionStatus, label="Statut"),
        default=ConventionStatus.DRAFT,
    )
    reference = fields.Field(attribute="reference", column_name="reference")

    class Meta:
        model = Convention
        name = "Conventions"
        fields = ("structure", "funder", "year", "amount", "starts_on", "ends_on", "status", "reference")
        import_id_fields = ("structure", "funder", "year")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def key_of(self, row):
        # "CAF" and "caf", "Conseil départemental" and "CD" are the same funder.
        structure, funder, year = super().key_of(row)
        widget = self.fields["funder"].widget
        return structure, widget.lookup.get(funder, funder), year


class TrainingResource(FrenchModelResource):
    """A training is found again by its title, date and département (empty: national)."""

    # The département may be empty (a national training); the title and date may not.
    required_key_count = 2

    title = fields.Field(attribute="title", column_name="intitule")
    kind = fields.Field(
        attribute="kind",
        column_name="type",
        widget=ChoiceWidget(TrainingKind, label="Type de formation"),
        default=TrainingKind.INITIAL,
    )
    department = fields.Field(attribute="department", column_name="departement", widget=DepartmentWidget())
    starts_on = fields.Field(attribute="starts_on", column_name="date", widget=FrenchDateWidget())
    location = fields.Field(attribute="location", column_name="lieu")

    class Meta:
        model = Training
        name = "Formations"
        fields = ("title", "kind", "department", "starts_on", "location")
        import_id_fields = ("title", "starts_on", "department")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class TrainingByTitleAndDateWidget(widgets.ForeignKeyWidget):
    """The training of an attendance row, given by its title and date columns."""

    def __init__(self):
        super().__init__(Training, field="title")

    def clean(self, value, row=None, **kwargs):
        title = cell_text(value)
        if title == "":
            return None
        try:
            starts_on = FrenchDateWidget().clean(row.get("date_formation"))
        except ImportValueError as error:
            raise ImportValueError(f"Date de la formation : {error}") from None
        matches = list(Training.objects.filter(title__iexact=title, starts_on=starts_on)[:2])
        if len(matches) != 1:
            when = f" du {short_date(starts_on)}" if starts_on else ""
            problem = "inconnue" if not matches else "ambiguë (plusieurs départements)"
            raise ImportValueError(f"Formation « {title} »{when} {problem}.")
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        return value.title if value else ""


class TrainingAttendanceResource(FrenchModelResource):
    """Who attended which training: one row per training and promeneur."""

    training = fields.Field(
        attribute="training", column_name="formation", widget=TrainingByTitleAndDateWidget()
    )
    training_date = fields.Field(column_name="date_formation", readonly=True)
    promeneur = fields.Field(
        attribute="promeneur",
        column_name="promeneur",
        widget=LookupForeignKeyWidget(Promeneur, field="slug", label="Promeneur·se"),
    )
    attended = fields.Field(
        attribute="attended", column_name="present", widget=FrenchBooleanWidget(), default=True
    )

    class Meta:
        model = TrainingAttendance
        name = "Participations aux formations"
        fields = ("training", "training_date", "promeneur", "attended")
        import_id_fields = ("training", "promeneur")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def key_of(self, row):
        return (
            normalise(cell_text(row.get("formation"))),
            normalise(cell_text(row.get("date_formation"))),
            normalise(cell_text(row.get("promeneur"))),
        )

    def key_columns(self):
        return ("training", "training_date", "promeneur")

    def dehydrate_training_date(self, attendance):
        return attendance.training.starts_on.strftime("%d/%m/%Y")


def refusals(result, resource):
    """Every refused row of an import result, as (line of the file, [French sentences]).

    The header is line 1, so the first row of data is line 2, as the spreadsheet numbers it.
    """
    lines = {}
    for row in result.invalid_rows:
        sentences = []
        for attribute, messages in row.error_dict.items():
            column = resource.column_of(attribute) if attribute != NON_FIELD_ERRORS else None
            for message in messages:
                sentences.append(f"colonne « {column} » : {message}" if column else str(message))
        lines.setdefault(row.number + 1, []).extend(sentences)
    for number, errors in result.row_errors():
        lines.setdefault(number + 1, []).extend(
            f"ligne illisible ({type(error.error).__name__}) : {error.error}" for error in errors
        )
    return sorted(lines.items())
