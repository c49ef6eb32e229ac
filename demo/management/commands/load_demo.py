"""Demo data for `make run`: the Dordogne network and a few structures elsewhere, one account per role.

Refused when DJANGO_DEBUG is off: demo accounts share a published password. Running it again
updates the same rows instead of duplicating them.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.articles import load_demo_articles
from demo.totp import give_demo_accounts_totp
from promeneurs import public_cache
from structures.enums import (
    AbsenceKind,
    ConventionStatus,
    Funder,
    MembershipRole,
    Network,
    PromeneurStatus,
    StructureKind,
)
from structures.models import (
    Absence,
    Charter,
    CharterAcceptance,
    Convention,
    Coordination,
    Department,
    NetworkAccount,
    OnlineHours,
    PresenceSlot,
    Promeneur,
    Structure,
    StructureMembership,
    Theme,
    Training,
    TrainingAttendance,
)

DEMO_PASSWORD = "promeneurs-demo"

NETWORK_URLS = {
    Network.INSTAGRAM: "https://www.instagram.com/{}/",
    Network.SNAPCHAT: "https://www.snapchat.com/add/{}",
    Network.TIKTOK: "https://www.tiktok.com/@{}",
    Network.DISCORD: "https://discord.com/users/{}",
    Network.FACEBOOK: "https://www.facebook.com/{}",
    Network.YOUTUBE: "https://www.youtube.com/@{}",
    Network.TWITCH: "https://www.twitch.tv/{}",
}

# The Dordogne network, then a few structures in two other départements. Coordinates are the
# communes' centres, approximately. Names of people are fictional.
STRUCTURES = [
    {
        "slug": "jeunes-coursac-razac",
        "name": "Association Jeunes Coursac Razac",
        "kind": StructureKind.ASSO,
        "commune": "Coursac",
        "postcode": "24430",
        "department": "24",
        "address": "Place de la mairie",
        "latitude": "45.128600",
        "longitude": "0.637500",
        "description": "Association d’animation jeunesse des communes de Coursac et Razac-sur-l’Isle.",
        "amount": "1700",
        "promeneur": {
            "slug": "lea-jeunes-coursac-razac",
            "first_name": "Léa",
            "job": "Animatrice-directrice",
            "themes": ["loisirs", "projets-engagement", "relations-familiales"],
            "networks": [(Network.INSTAGRAM, "lea.jcr24"), (Network.SNAPCHAT, "lea-jcr24")],
            "slots": [(2, "14:00", "18:00"), (4, "17:00", "19:00")],
            "age": (12, 17),
        },
    },
    {
        "slug": "espace-socioculturel-ruban-vert",
        "name": "Espace socioculturel Ruban Vert",
        "kind": StructureKind.CSC,
        "commune": "Mareuil en Périgord",
        "postcode": "24340",
        "department": "24",
        "address": "Rue des écoles",
        "latitude": "45.451300",
        "longitude": "0.450000",
        "description": "Centre socioculturel du Périgord vert : accueil, animations, accompagnement des familles.",
        "amount": "1700",
        "account": "promeneur@demo.test",
        "promeneur": {
            "slug": "ines-ruban-vert",
            "first_name": "Inès",
            "job": "Chargée d’accueil et de communication",
            "themes": ["pratiques-numeriques-medias", "harcelement-violences", "scolarite-orientation"],
            "networks": [(Network.INSTAGRAM, "ines.rubanvert"), (Network.TIKTOK, "ines.rubanvert")],
            "slots": [(0, "16:00", "18:00"), (2, "14:00", "17:30"), (4, "20:00", "22:00")],
            "age": (12, 25),
        },
    },
    {
        "slug": "ccas-le-forum-marsac",
        "name": "CCAS le Forum@",
        "kind": StructureKind.CCAS,
        "commune": "Marsac-sur-l’Isle",
        "postcode": "24430",
        "department": "24",
        "address": "Avenue de l’Isle",
        "latitude": "45.183600",
        "longitude": "0.659400",
        "description": "Espace multimédia du centre communal d’action sociale.",
        "amount": "1700",
        "account": "promeneur2@demo.test",
        "promeneur": {
            "slug": "karim-forum-marsac",
            "first_name": "Karim",
            "job": "Animateur multimédia",
            "themes": ["pratiques-numeriques-medias", "emploi-formation", "acces-aux-droits"],
            "networks": [
                (Network.DISCORD, "karim_forum"),
                (Network.TWITCH, "karim_forum"),
                (Network.INSTAGRAM, "karim.forum"),
            ],
            "slots": [(1, "17:00", "19:00"), (3, "14:00", "18:00"), (5, "21:00", "00:30")],
            "age": (15, 25),
        },
    },
    {
        "slug": "campus-des-metiers-perigueux",
        "name": "Campus des métiers",
        "kind": StructureKind.AUTRE,
        "commune": "Périgueux",
        "postcode": "24000",
        "department": "24",
        "address": "Boulevard des Saveurs",
        "latitude": "45.184000",
        "longitude": "0.721000",
        "description": "Centre de formation d’apprentis : un service social accueille les apprenti·es.",
        "amount": "1700",
        "promeneur": {
            "slug": "manon-campus-des-metiers",
            "first_name": "Manon",
            "job": "Intervenante sociale",
            "themes": ["emploi-formation", "logement-mobilite", "mal-etre-sante-mentale"],
            "networks": [(Network.INSTAGRAM, "manon.campus24"), (Network.FACEBOOK, "manon.campus24")],
            "slots": [(1, "12:00", "14:00"), (3, "18:00", "20:00")],
            "age": (15, 25),
        },
    },
    {
        "slug": "mission-locale-des-graves",
        "name": "Mission locale des Graves",
        "kind": StructureKind.ML,
        "commune": "Talence",
        "postcode": "33400",
        "department": "33",
        "address": "Cours de la Libération",
        "latitude": "44.808000",
        "longitude": "-0.588000",
        "description": "Accompagnement des 16–25 ans vers l’emploi, la formation et l’autonomie.",
        "amount": "2000",
        "promeneur": {
            "slug": "yanis-mission-locale-des-graves",
            "first_name": "Yanis",
            "job": "Conseiller en insertion",
            "themes": ["emploi-formation", "logement-mobilite", "acces-aux-droits"],
            "networks": [(Network.INSTAGRAM, "yanis.ml33"), (Network.SNAPCHAT, "yanis-ml33")],
            "slots": [(0, "10:00", "12:00"), (2, "16:00", "18:00")],
            "age": (16, 25),
        },
    },
    {
        "slug": "mjc-bordeaux-bastide",
        "name": "MJC de la Bastide",
        "kind": StructureKind.MJC,
        "commune": "Bordeaux",
        "postcode": "33100",
        "department": "33",
        "address": "Rue de la Benauge",
        "latitude": "44.841000",
        "longitude": "-0.556000",
        "description": "Maison des jeunes et de la culture : ateliers, studio de musique, sorties.",
        "amount": "2000",
        "promeneur": {
            "slug": "chloe-mjc-bastide",
            "first_name": "Chloé",
            "job": "Animatrice jeunesse",
            "themes": ["loisirs", "sante-sexualite-vie-affective", "conduites-a-risque"],
            "networks": [(Network.TIKTOK, "chloe.mjcbastide"), (Network.YOUTUBE, "mjcbastide")],
            "slots": [(2, "13:30", "17:30"), (5, "14:00", "16:00")],
            "age": (12, 20),
        },
    },
    {
        "slug": "centre-social-faubourg-lille",
        "name": "Centre social du Faubourg",
        "kind": StructureKind.CS,
        "commune": "Lille",
        "postcode": "59000",
        "department": "59",
        "address": "Rue du Faubourg de Béthune",
        "latitude": "50.623000",
        "longitude": "3.034000",
        "description": "Centre social de quartier : accueil jeunes, soutien scolaire, projets.",
        "amount": "2000",
        "promeneur": {
            "slug": "samir-centre-social-faubourg",
            "first_name": "Samir",
            "job": "Éducateur spécialisé",
            "themes": ["harcelement-violences", "relations-familiales", "scolarite-orientation"],
            "networks": [(Network.INSTAGRAM, "samir.faubourg"), (Network.SNAPCHAT, "samir-faubourg")],
            "slots": [(1, "15:00", "18:00"), (4, "15:00", "18:00")],
            "age": (12, 18),
        },
    },
]

ACCOUNTS = [
    # email, first name, last name, flags
    ("promeneur@demo.test", "Inès", "Démo", {}),
    ("promeneur2@demo.test", "Karim", "Démo", {}),
    ("referent@demo.test", "Hélène", "Démo", {}),
    ("coordination@demo.test", "Paul", "Démo", {}),
    ("moderation@demo.test", "Sophie", "Démo", {"is_moderator": True}),
    ("caf@demo.test", "Nadia", "Démo", {"is_caf_staff": True}),
]


def _time(value):
    return datetime.time.fromisoformat(value)


class Command(BaseCommand):
    help = "Charge les données de démonstration (refusé quand DJANGO_DEBUG est désactivé)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Les données de démonstration ne se chargent qu’en développement (DJANGO_DEBUG=true) : "
                "leurs comptes partagent un mot de passe public."
            )
        with transaction.atomic():
            self.load()
            # Rows written in bulk send no signal: the public pages and the promeneurs' cards kept
            # in the cache (of an earlier database, perhaps, with the same keys) are out of date.
            public_cache.content_changed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Démo chargée : {len(STRUCTURES)} structures, {len(ACCOUNTS)} comptes "
                f"(mot de passe « {DEMO_PASSWORD} »)."
            )
        )

    def load(self):
        year = timezone.localdate().year
        users = {}
        for email, first_name, last_name, flags in ACCOUNTS:
            user, _ = User.objects.update_or_create(
                email=email,
                defaults={"first_name": first_name, "last_name": last_name, "is_active": True, **flags},
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            users[email] = user

        dordogne = Department.objects.get(code="24")
        dordogne.coordination_name = "CAF de la Dordogne"
        dordogne.save(update_fields=["coordination_name"])
        Coordination.objects.get_or_create(user=users["coordination@demo.test"], department=dordogne)

        charter, _ = Charter.objects.update_or_create(
            version="2024",
            defaults={
                "published_on": datetime.date(2024, 1, 1),
                "summary": "Présence éducative, à visage découvert ; le jeune fait toujours le premier pas ; "
                "confidentialité des échanges ; orientation vers les bonnes structures.",
            },
        )
        training, _ = Training.objects.update_or_create(
            title="Formation initiale des Promeneurs du Net de la Dordogne",
            defaults={
                "department": dordogne,
                "starts_on": datetime.date(year, 1, 20),
                "location": "Périgueux",
            },
        )
        themes = {t.slug: t for t in Theme.objects.all()}

        for data in STRUCTURES:
            structure, _ = Structure.objects.update_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name"],
                    "kind": data["kind"],
                    "commune": data["commune"],
                    "postcode": data["postcode"],
                    "department": Department.objects.get(code=data["department"]),
                    "address": data["address"],
                    "latitude": Decimal(data["latitude"]),
                    "longitude": Decimal(data["longitude"]),
                    "description": data["description"],
                    "is_public": True,
                },
            )
            Convention.objects.update_or_create(
                structure=structure,
                funder=Funder.CAF,
                year=year,
                defaults={
                    "amount": Decimal(data["amount"]),
                    "starts_on": datetime.date(year, 1, 1),
                    "ends_on": datetime.date(year, 12, 31),
                    "status": ConventionStatus.SIGNED,
                    "reference": f"PDN-{data['department']}-{year}-{structure.pk:03d}",
                },
            )
            p = data["promeneur"]
            promeneur, _ = Promeneur.objects.update_or_create(
                slug=p["slug"],
                defaults={
                    "structure": structure,
                    "user": users.get(data.get("account")),
                    "first_name": p["first_name"],
                    "display_name": f"{p['first_name']} — {structure.name}",
                    "job": p["job"],
                    "bio": (
                        f"{p['first_name']}, {p['job'].lower()} à {structure.name}. "
                        "Écris-moi sur mes réseaux pendant mes horaires : je t’écoute, je te conseille "
                        "et je peux t’orienter vers les bonnes personnes près de chez toi."
                    ),
                    "age_min": p["age"][0],
                    "age_max": p["age"][1],
                    "status": PromeneurStatus.LABELLED,
                    "labelled_on": datetime.date(year, 2, 1),
                },
            )
            promeneur.themes.set([themes[slug] for slug in p["themes"]])
            promeneur.networks.all().delete()
            NetworkAccount.objects.bulk_create(
                NetworkAccount(
                    promeneur=promeneur,
                    network=network,
                    handle=handle,
                    url=NETWORK_URLS[network].format(handle),
                )
                for network, handle in p["networks"]
            )
            promeneur.presence_slots.all().delete()
            PresenceSlot.objects.bulk_create(
                PresenceSlot(promeneur=promeneur, weekday=day, start=_time(start), end=_time(end))
                for day, start, end in p["slots"]
            )
            CharterAcceptance.objects.get_or_create(
                charter=charter, promeneur=promeneur, defaults={"accepted_on": datetime.date(year, 1, 25)}
            )
            if data["department"] == "24":
                TrainingAttendance.objects.get_or_create(training=training, promeneur=promeneur)

        self.load_team(themes, charter)

        StructureMembership.objects.get_or_create(
            user=users["referent@demo.test"],
            structure=Structure.objects.get(slug="espace-socioculturel-ruban-vert"),
            role=MembershipRole.REFERENT,
        )
        load_demo_articles(author=users["moderation@demo.test"])
        # Every demo account shares one TOTP secret, written in the README (demo only).
        give_demo_accounts_totp(users.values())

    def load_team(self, themes, charter):
        """Ruban Vert's team, so that the dashboards have something to show: a colleague on leave
        (from two days ago, for twelve days: the dates follow the day of loading), one whose profile
        is incomplete (no network, no hours), and hours online declared by Inès."""
        structure = Structure.objects.get(slug="espace-socioculturel-ruban-vert")
        today = timezone.localdate()
        labelled_on = datetime.date(today.year, 2, 1)
        away, _ = Promeneur.objects.update_or_create(
            slug="theo-ruban-vert",
            defaults={
                "structure": structure,
                "first_name": "Théo",
                "display_name": f"Théo — {structure.name}",
                "job": "Animateur jeunesse",
                "bio": "Théo anime l’accueil jeunes de Ruban Vert. Écris-moi sur Snapchat pendant mes horaires.",
                "status": PromeneurStatus.LABELLED,
                "labelled_on": labelled_on,
            },
        )
        away.themes.set([themes["loisirs"], themes["projets-engagement"]])
        away.networks.all().delete()
        NetworkAccount.objects.create(
            promeneur=away,
            network=Network.SNAPCHAT,
            handle="theo-rubanvert",
            url=NETWORK_URLS[Network.SNAPCHAT].format("theo-rubanvert"),
        )
        away.presence_slots.all().delete()
        PresenceSlot.objects.create(promeneur=away, weekday=2, start=_time("10:00"), end=_time("12:00"))
        PresenceSlot.objects.create(promeneur=away, weekday=5, start=_time("14:00"), end=_time("17:00"))
        away.absences.all().delete()
        Absence.objects.create(
            promeneur=away,
            kind=AbsenceKind.LEAVE,
            starts_on=today - datetime.timedelta(days=2),
            ends_on=today + datetime.timedelta(days=12),
            note="Congés",
        )

        incomplete, _ = Promeneur.objects.update_or_create(
            slug="nora-ruban-vert",
            defaults={
                "structure": structure,
                "first_name": "Nora",
                "display_name": f"Nora — {structure.name}",
                "job": "Conseillère en économie sociale et familiale",
                "bio": "",
                "status": PromeneurStatus.LABELLED,
                "labelled_on": labelled_on,
            },
        )
        incomplete.networks.all().delete()
        incomplete.presence_slots.all().delete()
        for promeneur in (away, incomplete):
            CharterAcceptance.objects.get_or_create(
                charter=charter, promeneur=promeneur, defaults={"accepted_on": labelled_on}
            )

        ines = Promeneur.objects.get(slug="ines-ruban-vert")
        monday = today - datetime.timedelta(days=today.weekday())
        for weeks, hours in enumerate(["7.5", "6", "8", "5.5"], start=1):
            OnlineHours.objects.update_or_create(
                promeneur=ines,
                week=monday - datetime.timedelta(weeks=weeks),
                defaults={"hours": Decimal(hours), "note": ""},
            )
