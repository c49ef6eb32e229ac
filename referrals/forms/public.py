"""The public contact form: a young person asks a promeneur to contact them (design §3, §5)."""

import dataclasses
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from promeneurs.antispam import HONEYPOT_FIELD, TIMESTAMP_FIELD, AntispamForm
from promeneurs.captcha import PortalCaptchaField
from promeneurs.typography import french_number
from promeneurs.widgets import ReferenceChoiceField, ReferenceMultipleChoiceField
from referrals.enums import AgeBracket, Channel
from structures.enums import Network
from structures.geo import department_code_for_postcode
from structures.models import Department, Structure, Theme

MESSAGE_MAX_LENGTH = 2000
AGE_UNDER_12 = "moins-12"
AGE_OVER_25 = "plus-25"
AGE_CHOICES = [(AGE_UNDER_12, "Moins de 12 ans"), *AgeBracket.choices, (AGE_OVER_25, "Plus de 25 ans")]
# The model needs a commune; on /contact/ the young person may give only their département.
COMMUNE_NOT_GIVEN = "Non précisée"

CONTROL_MESSAGE = (
    "Ce texte contient un caractère invisible qui n’est pas accepté : efface-le et tape à nouveau."
)
# Control characters: none on one line; tabs and line breaks are fine in the message.
LINE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PLACE_RE = re.compile(r"[\w\s'’.,()–-]+")
POSTCODE_IN_TEXT_RE = re.compile(r"[0-9]+")
LETTER_RE = re.compile(r"[^\W\d_]")


def _reject_control_characters(value, pattern=LINE_CONTROL_RE):
    if pattern.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


# --- Contact details ----------------------------------------------------------------------------


def french_mobile(value):
    """A French mobile number written any usual way, as "06 12 34 56 78"; None if it is not one."""
    compact = re.sub(r"[\s.\-/]", "", value.replace("(0)", ""))
    if compact.startswith("+33"):
        compact = "0" + compact[3:]
    elif compact.startswith("0033"):
        compact = "0" + compact[4:]
    if not re.fullmatch(r"0[67][0-9]{8}", compact):
        return None
    return " ".join(compact[i : i + 2] for i in range(0, 10, 2))


def international_number(value):
    """A number in international form (+XX…), compacted; None otherwise."""
    compact = re.sub(r"[\s.\-/()]", "", value)
    return compact if re.fullmatch(r"\+[1-9][0-9]{6,14}", compact) else None


@dataclasses.dataclass(frozen=True)
class HandleRule:
    pattern: str
    explanation: str
    flags: int = re.ASCII


HANDLE_RULES = {
    Network.INSTAGRAM: HandleRule(
        r"[A-Za-z0-9._]{1,30}",
        "lettres sans accents, chiffres, points et tirets bas (_), 30 caractères au plus, "
        "par exemple : camille.24",
    ),
    Network.SNAPCHAT: HandleRule(
        r"[A-Za-z][A-Za-z0-9._-]{2,14}",
        "3 à 15 caractères qui commencent par une lettre : lettres sans accents, chiffres, "
        "points, tirets, par exemple : camille-24",
    ),
    Network.TIKTOK: HandleRule(
        r"[A-Za-z0-9._]{2,24}",
        "2 à 24 caractères : lettres sans accents, chiffres, points et tirets bas (_), par exemple : camille_24",
    ),
    Network.DISCORD: HandleRule(
        r"[A-Za-z0-9._]{2,32}|[^#@:]{2,32}#[0-9]{4}",
        "2 à 32 caractères : lettres sans accents, chiffres, points et tirets bas (_), par exemple : camille_24",
    ),
    Network.FACEBOOK: HandleRule(
        r"[^\W_][\w .'’-]{1,49}",
        "ton nom de profil ou ton identifiant Facebook, 50 caractères au plus",
        flags=0,
    ),
    Network.YOUTUBE: HandleRule(
        r"[A-Za-z0-9._-]{3,30}",
        "3 à 30 caractères : lettres sans accents, chiffres, points, tirets, par exemple : camille24",
    ),
    Network.X: HandleRule(
        r"[A-Za-z0-9_]{1,15}",
        "15 caractères au plus : lettres sans accents, chiffres et tirets bas (_), par exemple : camille_24",
    ),
    Network.TWITCH: HandleRule(
        r"[A-Za-z0-9_]{4,25}",
        "4 à 25 caractères : lettres sans accents, chiffres et tirets bas (_), par exemple : camille_24",
    ),
}


def clean_handle(network, handle):
    """The handle, checked against the rules of its network; raises ValidationError."""
    label = Network(network).label
    if network == Network.WHATSAPP:
        number = french_mobile(handle) or international_number(handle)
        if number is None:
            raise ValidationError(
                "Sur WhatsApp, indique ton numéro de portable, par exemple : 06 12 34 56 78 "
                "(ou +32 470 12 34 56 pour un numéro étranger).",
                code="invalid_handle",
            )
        return number
    handle = handle.removeprefix("@").strip()
    rule = HANDLE_RULES[Network(network)]
    if not re.fullmatch(rule.pattern, handle, rule.flags):
        raise ValidationError(
            f"Ce pseudo {label} n’est pas valide : {rule.explanation}.", code="invalid_handle"
        )
    return handle


# --- Place --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Place:
    """What the young person wrote in "commune ou code postal", understood."""

    name: str  # the commune's name, or "" if only a postcode was given
    postcode: str
    department: Department | None  # known from the postcode

    @property
    def commune(self):
        return self.name or self.postcode


def normalise_place_name(name):
    """ "Saint-Émilion", "st emilion", "ST-EMILION" → "saint emilion"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[\s'’.,()–-]+", " ", text).strip()
    text = re.sub(r"^st ", "saint ", text)
    text = re.sub(r"^ste ", "sainte ", text)
    return text


def departments_of_commune(name):
    """The départements having a commune of that name, from the structures of the directory."""
    wanted = normalise_place_name(name)
    pairs = Structure.objects.order_by().values_list("commune", "department_id").distinct()
    return sorted(
        {department_id for commune, department_id in pairs if normalise_place_name(commune) == wanted}
    )


class DepartmentChoiceField(ReferenceChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


# --- The form -----------------------------------------------------------------------------------


class ContactForm(AntispamForm):
    """The young person's request. On /contact/ (`ask_department`), the place decides the route."""

    antispam_scope = "contact"

    prenom = forms.CharField(
        label="Ton prénom ou un pseudo",
        max_length=60,
        help_text="Pas de nom de famille : un prénom ou un pseudo suffit.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={
            "required": "Indique ton prénom ou un pseudo, pour que le promeneur ou la promeneuse sache comment "
            "t’appeler.",
            "max_length": "Ton prénom ou pseudo compte au plus %(limit_value)d caractères (tu en as écrit "
            "%(show_value)d).",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    age = forms.ChoiceField(
        label="Ton âge",
        choices=AGE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indique ton âge (une tranche suffit).",
            "invalid_choice": "Choisis ton âge dans la liste.",
        },
    )
    commune = forms.CharField(
        label="Ta commune ou ton code postal",
        max_length=100,
        help_text="Par exemple : Périgueux, ou 24000.",
        error_messages={
            "required": "Indique ta commune ou ton code postal.",
            "max_length": "Le nom d’une commune compte au plus %(limit_value)d caractères (tu en as écrit "
            "%(show_value)d).",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    departement = DepartmentChoiceField(
        label="Ou choisis ton département",
        queryset=Department.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Choisis ton département",
        help_text="Si tu ne connais pas ton code postal.",
        error_messages={"invalid_choice": "Choisis ton département dans la liste."},
    )
    canal = forms.ChoiceField(
        label="Comment préfères-tu être contacté·e ?",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        help_text="Tu recevras la réponse seulement par ce moyen. Remplis-le ci-dessous.",
        error_messages={
            "required": "Choisis comment tu veux être contacté·e : réseau social, e-mail, SMS, ou ici sur le site.",
            "invalid_choice": "Choisis comment tu veux être contacté·e dans la liste.",
        },
    )
    reseau = forms.ChoiceField(
        label="Réseau social",
        choices=[("", "Choisis un réseau"), *Network.choices],
        required=False,
        error_messages={"invalid_choice": "Choisis un réseau dans la liste."},
    )
    pseudo = forms.CharField(
        label="Ton pseudo sur ce réseau",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
        error_messages={
            "max_length": "Un pseudo compte au plus %(limit_value)d caractères (tu en as écrit %(show_value)d).",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    email = forms.EmailField(
        label="Ton adresse e-mail",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": "Cette adresse e-mail n’est pas valide : vérifie-la (par exemple : camille@exemple.fr).",
            "max_length": "Une adresse e-mail compte au plus %(limit_value)d caractères.",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    email_alerte = forms.EmailField(
        label="E-mail pour être prévenu·e d’une réponse (facultatif)",
        max_length=254,
        required=False,
        help_text="Tu n’as rien à donner pour être répondu·e ici. Si tu laisses une adresse, nous y écrivons "
        "seulement « tu as une réponse », jamais le texte ; elle est effacée avec ta demande.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": "Cette adresse e-mail n’est pas valide : vérifie-la (par exemple : camille@exemple.fr), "
            "ou laisse la case vide.",
            "max_length": "Une adresse e-mail compte au plus %(limit_value)d caractères.",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    telephone = forms.CharField(
        label="Ton numéro de portable, pour les SMS",
        max_length=30,
        required=False,
        help_text="Un portable français : 06 ou 07, ou +33 6…",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={
            "max_length": "Ce numéro est trop long : écris-le comme 06 12 34 56 78.",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    themes = ReferenceMultipleChoiceField(
        label="De quoi veux-tu parler ?",
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Coche un ou plusieurs thèmes, ou aucun si tu ne sais pas.",
        error_messages={
            "invalid_choice": "Choisis les thèmes dans la liste.",
            "invalid_pk_value": "Choisis les thèmes dans la liste.",
            "invalid_list": "Choisis les thèmes dans la liste.",
        },
    )
    message = forms.CharField(
        label="Ton message",
        help_text=f"Explique en quelques mots ce qui t’amène. {french_number(MESSAGE_MAX_LENGTH)} caractères "
        "au plus.",
        # No maxlength attribute: a browser would silently cut a pasted text; the counter and the
        # server say when it is too long instead.
        widget=forms.Textarea(attrs={"rows": 8, "data-max-length": MESSAGE_MAX_LENGTH}),
        error_messages={
            "required": "Écris ton message : quelques mots suffisent.",
            "null_characters_not_allowed": CONTROL_MESSAGE,
        },
    )
    urgent = forms.BooleanField(
        label="C’est urgent",
        required=False,
        help_text="Les promeneurs ne répondent pas tout de suite : si tu es en danger, appelle aussi l’un des "
        "numéros d’urgence.",
    )
    consentement = forms.BooleanField(
        label="J’ai lu ce qui précède et je suis d’accord pour envoyer ma demande.",
        error_messages={
            "required": "Pour envoyer ta demande, coche la case qui dit que tu es d’accord.",
        },
    )
    captcha = PortalCaptchaField(
        label="Vérification anti-robot",
        help_text="Dans l’image, chaque point (•) remplace une lettre. Recopie seulement les lettres qui "
        "manquent : pour « choc•••at », écris « ola ».",
    )

    def __init__(self, *args, ask_department=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_department = ask_department
        self.place = None
        self.department = None
        if ask_department:
            commune = self.fields["commune"]
            commune.required = False
            commune.help_text = "Par exemple : Périgueux, ou 24000. Ou choisis ton département ci-dessous."
        else:
            del self.fields["departement"]
        self._describe_fields()

    # --- Fields

    def clean_prenom(self):
        value = self.cleaned_data["prenom"]
        _reject_control_characters(value)
        return value

    def clean_commune(self):
        value = self.cleaned_data["commune"]
        if not value:
            return value
        _reject_control_characters(value)
        example = (
            "Écris le nom de ta commune (par exemple : Périgueux) ou ton code postal à 5 chiffres (24000)."
        )
        if not PLACE_RE.fullmatch(value):
            raise ValidationError(example, code="invalid_place")
        numbers = POSTCODE_IN_TEXT_RE.findall(value)
        if len(numbers) > 1 or any(len(n) != 5 for n in numbers):
            raise ValidationError(
                "Un code postal compte 5 chiffres, par exemple 24000 : vérifie-le.", code="invalid_postcode"
            )
        postcode = numbers[0] if numbers else ""
        name = " ".join(POSTCODE_IN_TEXT_RE.sub(" ", value).split()).strip(" ,()–-")
        if not postcode and not LETTER_RE.search(name):
            raise ValidationError(example, code="invalid_place")
        department = None
        if postcode:
            code = department_code_for_postcode(postcode)
            department = Department.objects.filter(code=code).first() if code else None
            if department is None:
                raise ValidationError(
                    f"Le code postal {postcode} ne correspond à aucun département : vérifie-le.",
                    code="unknown_postcode",
                )
        self.place = Place(
            name=name if LETTER_RE.search(name) else "", postcode=postcode, department=department
        )
        return value

    def clean_pseudo(self):
        value = self.cleaned_data["pseudo"]
        _reject_control_characters(value)
        return value

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def clean_email_alerte(self):
        return self.cleaned_data["email_alerte"].lower()

    def clean_telephone(self):
        value = self.cleaned_data["telephone"]
        if not value:
            return value
        number = french_mobile(value)
        if number is None:
            raise ValidationError(
                "Ce numéro n’est pas un portable français : écris-le comme 06 12 34 56 78 ou +33 6 12 34 56 78.",
                code="invalid_phone",
            )
        return number

    def clean_message(self):
        # Browsers send line breaks as two characters; the counter counts one, like the database.
        value = self.cleaned_data["message"].replace("\r\n", "\n").replace("\r", "\n")
        _reject_control_characters(value, TEXT_CONTROL_RE)
        if len(value) > MESSAGE_MAX_LENGTH:
            raise ValidationError(
                f"Ton message compte {french_number(len(value))} caractères : raccourcis-le à "
                f"{french_number(MESSAGE_MAX_LENGTH)} caractères au plus.",
                code="max_length",
            )
        return value

    # --- Across fields

    def clean(self):
        self._clean_contact_details()
        if self.ask_department:
            self._clean_department()
        return super().clean()

    def _clean_contact_details(self):
        data, errors = self.cleaned_data, self.errors
        canal, reseau, pseudo = data.get("canal"), data.get("reseau"), data.get("pseudo")
        if pseudo:
            if reseau:
                try:
                    data["pseudo"] = clean_handle(reseau, pseudo)
                except ValidationError as error:
                    self.add_error("pseudo", error)
            elif "reseau" not in errors:
                self.add_error("reseau", "Choisis le réseau sur lequel tu as ce pseudo.")
        if canal == Channel.NETWORK:
            if not reseau and "reseau" not in self.errors:
                self.add_error(
                    "reseau", "Tu as choisi d’être contacté·e sur un réseau social : choisis lequel."
                )
            if not pseudo and "pseudo" not in self.errors:
                self.add_error(
                    "pseudo", "Tu as choisi d’être contacté·e sur un réseau social : indique ton pseudo."
                )
        elif canal == Channel.EMAIL and not data.get("email") and "email" not in errors:
            self.add_error("email", "Tu as choisi d’être contacté·e par e-mail : indique ton adresse e-mail.")
        elif canal == Channel.SMS and not data.get("telephone") and "telephone" not in errors:
            self.add_error(
                "telephone", "Tu as choisi d’être contacté·e par SMS : indique ton numéro de portable."
            )

    def _clean_department(self):
        if "commune" in self.errors or "departement" in self.errors:
            return
        chosen, place = self.cleaned_data.get("departement"), self.place
        if chosen is not None:
            if place and place.department and place.department != chosen:
                self.add_error(
                    "departement",
                    f"Le code postal {place.postcode} est dans le département {place.department.name}, "
                    f"pas {chosen.name} : corrige l’un des deux.",
                )
            else:
                self.department = chosen
        elif place is None:
            self.add_error("commune", "Indique ta commune ou ton code postal, ou choisis ton département.")
        elif place.department is not None:
            self.department = place.department
        else:
            found = departments_of_commune(place.name)
            if len(found) == 1:
                self.department = Department.objects.get(pk=found[0])
            elif found:
                self.add_error(
                    "commune",
                    f"Plusieurs communes s’appellent « {place.name} » : ajoute ton code postal "
                    f"(par exemple : {place.name} 24000) ou choisis ton département.",
                )
            else:
                self.add_error(
                    "commune",
                    f"Nous ne trouvons pas de commune « {place.name} » : indique ton code postal à 5 chiffres, "
                    "ou choisis ton département dans la liste.",
                )

    # --- For the view

    @property
    def age_out_of_range(self):
        """AGE_UNDER_12 or AGE_OVER_25 when the young person is not of the programme's age, else None."""
        age = getattr(self, "cleaned_data", {}).get("age")
        return age if age in (AGE_UNDER_12, AGE_OVER_25) else None

    def request_data(self):
        """The ContactRequest fields, for `contact_request_submit(data=…)`."""
        data = self.cleaned_data
        # Only the chosen channel's contact detail is kept (design §3b.4): the others, even typed,
        # are discarded here, before anything is stored.
        channel = data["canal"]
        has_handle = channel == Channel.NETWORK and bool(data["pseudo"] and data["reseau"])
        return {
            "age_bracket": data["age"],
            "commune": self.place.commune if self.place else COMMUNE_NOT_GIVEN,
            "postcode": self.place.postcode if self.place else "",
            "channel": channel,
            "network": data["reseau"] if has_handle else "",
            "handle": data["pseudo"] if has_handle else "",
            # "Réponds-moi ici": an e-mail only if given, to say "tu as une réponse" (no text).
            "email": data["email"]
            if channel == Channel.EMAIL
            else data["email_alerte"]
            if channel == Channel.PORTAL
            else "",
            "phone": data["telephone"] if channel == Channel.SMS else "",
            "is_urgent": data["urgent"],
            "first_name": data["prenom"],
            "message": data["message"],
        }

    def redisplay_initial(self):
        """What the visitor typed, as the `initial` of a fresh form (shown without error messages)."""
        return {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
            if name not in ("captcha", HONEYPOT_FIELD, TIMESTAMP_FIELD)
        }

    def is_urgent(self):
        """Whether "C'est urgent" is ticked, as typed (the form need not be valid)."""
        return bool(self["urgent"].value())

    def extra_described_by(self, name, auto_id):
        return [f"{auto_id}_counter"] if name == "message" else []
