"""The public directory in the data·inclusion schema v1, for DORA and the data·inclusion platform.

One `Structure` row per public structure that has at least one labelled promeneur, and one
`Service` row per such structure: its Promeneurs du Net presence. Only what the public directory
already shows leaves here: no young person's data, no promeneur's account, no internal note.
The `data-inclusion-schema` package validates the output in the tests.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from structures.enums import StructureKind
from structures.models import Promeneur, Structure

SOURCE = "promeneurs-du-net"

# data·inclusion "réseaux porteurs" codes of our structure kinds, where there is one.
RESEAUX_PORTEURS = {
    StructureKind.CS: "fcsf",
    StructureKind.CSC: "fcsf",
    StructureKind.MJC: "mjc",
    StructureKind.ML: "mission-locale",
    StructureKind.PIJ_BIJ: "reseau-information-jeunesse",
    StructureKind.CCAS: "ccas-cias",
    StructureKind.CIAS: "ccas-cias",
    StructureKind.PJJ: "pjj",
    StructureKind.ASE: "ase",
    StructureKind.EPN: "espaces-publics-numeriques",
}

# data·inclusion "thématiques" of the programme's themes, where one fits.
THEMATIQUES = {
    "mal-etre-sante-mentale": ["sante--sante-mentale"],
    "sante-sexualite-vie-affective": ["sante--sante-sexuelle"],
    "relations-familiales": ["famille--soutien-a-la-parentalite-et-a-leducation"],
    "harcelement-violences": ["famille--surmonter-conflits-separation-violence"],
    "pratiques-numeriques-medias": ["numerique--maitriser-les-fondamentaux-du-numerique"],
    "scolarite-orientation": ["choisir-un-metier--connaitre-les-opportunites-demploi"],
    "emploi-formation": [
        "trouver-un-emploi--repondre-a-des-offres-demploi",
        "choisir-un-metier--connaitre-les-opportunites-demploi",
    ],
    "acces-aux-droits": ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
    "projets-engagement": ["remobilisation--benevolat-action-citoyenne"],
    "loisirs": ["remobilisation--activites-sportives-et-culturelles"],
    "conduites-a-risque": ["sante--addictions"],
    "logement-mobilite": [
        "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
        "mobilite--etre-accompagne-dans-son-parcours-mobilite",
    ],
}

SERVICE_DESCRIPTION = (
    "Les Promeneurs du Net de la structure sont des professionnels de la jeunesse présents sur les "
    "réseaux sociaux pour écouter, informer, conseiller et accompagner les jeunes de 12 à 25 ans. "
    "Ils agissent à visage découvert, à des horaires annoncés. C’est toujours le ou la jeune qui "
    "prend contact ; les échanges sont confidentiels."
)


def structure_id(structure):
    return f"{SOURCE}--{structure.slug}"


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def published_structures():
    """The structures of the public directory, with their public promeneurs (constant queries)."""
    promeneurs = Promeneur.objects.public().prefetch_related("themes", "presence_slots", "networks")
    return (
        Structure.objects.public()
        .with_labelled_promeneurs()
        .select_related("department")
        .prefetch_related(Prefetch("promeneurs", queryset=promeneurs, to_attr="public_promeneurs"))
        .order_by("department__code", "name", "pk")
    )


def last_change(structure):
    """The structure's last change, never in the future of the schema's today."""
    return min(timezone.localdate(structure.updated_at), timezone.localdate())


def clip(text, length=150):
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def or_none(value):
    return value or None


def place_and_contact(structure):
    """The address and contact fields a structure and its service share (same names in both)."""
    return {
        "commune": structure.commune,
        "code_postal": structure.postcode,
        "code_insee": None,
        "adresse": or_none(structure.address),
        "complement_adresse": None,
        "longitude": float(structure.longitude) if structure.longitude is not None else None,
        "latitude": float(structure.latitude) if structure.latitude is not None else None,
        "telephone": or_none(structure.phone),
        "courriel": or_none(structure.email),
    }


def structure_row(structure):
    reseau = RESEAUX_PORTEURS.get(structure.kind)
    return {
        "source": SOURCE,
        "id": structure_id(structure),
        "nom": clip(structure.name),
        "date_maj": last_change(structure).isoformat(),
        "description": structure.description if len(structure.description.strip()) >= 5 else None,
        "lien_source": absolute(structure.get_absolute_url()),
        "siret": None,
        **place_and_contact(structure),
        "site_web": or_none(structure.website),
        "horaires_accueil": None,
        "accessibilite_lieu": None,
        "reseaux_porteurs": [reseau] if reseau else None,
    }


def service_row(structure):
    promeneurs = structure.public_promeneurs
    thematiques = sorted(
        {
            code
            for promeneur in promeneurs
            for theme in promeneur.themes.all()
            for code in THEMATIQUES.get(theme.slug, [])
        }
    )
    hours = round(sum(promeneur.weekly_hours for promeneur in promeneurs), 1)
    ages = (min(p.age_min for p in promeneurs), max(p.age_max for p in promeneurs))
    networks = sorted({account.get_network_display() for p in promeneurs for account in p.networks.all()})
    return {
        "source": SOURCE,
        "structure_id": structure_id(structure),
        "id": f"{SOURCE}--{structure.slug}--presence-educative-en-ligne",
        "nom": clip(f"Promeneurs du Net — {structure.name}"),
        "description": SERVICE_DESCRIPTION + (f" Réseaux : {', '.join(networks)}." if networks else ""),
        "lien_source": absolute(structure.get_absolute_url()),
        "date_maj": max(
            last_change(structure), *(timezone.localdate(p.updated_at) for p in promeneurs)
        ).isoformat()
        if promeneurs
        else last_change(structure).isoformat(),
        "type": "accompagnement",
        "thematiques": thematiques or None,
        "frais": "gratuit",
        "frais_precisions": None,
        "publics": ["jeunes"],
        "publics_precisions": f"Jeunes de {ages[0]} à {ages[1]} ans.",
        "conditions_acces": None,
        **place_and_contact(structure),
        "modes_accueil": ["a-distance"],
        "zone_eligibilite": [structure.department.code],
        "contact_nom_prenom": None,
        "lien_mobilisation": absolute(structure.get_absolute_url()),
        "modes_mobilisation": ["utiliser-lien-mobilisation"],
        "mobilisable_par": ["usagers"],
        "mobilisation_precisions": "Depuis la page de la structure : le profil d’un promeneur, ses réseaux "
        "et ses horaires en ligne, ou le formulaire de demande de contact.",
        "volume_horaire_hebdomadaire": hours,
        "nombre_semaines": None,
        "horaires_accueil": None,
    }


def columns(name):
    """The schema's fields, in its order: the columns of the CSV files."""
    from data_inclusion.schema import v1

    return list((v1.Structure if name == "structures" else v1.Service).model_fields)


def structures_rows():
    return [structure_row(structure) for structure in published_structures()]


def services_rows():
    return [service_row(structure) for structure in published_structures()]
