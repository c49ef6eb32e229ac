from django.db import models


class StructureKind(models.TextChoices):
    """Typology of the structures, from data·inclusion's codes."""

    CS = "CS", "Centre social"
    CSC = "CSC", "Centre socioculturel"
    EVS = "EVS", "Espace de vie sociale"
    MJC = "MJC", "Maison des jeunes et de la culture"
    MQ = "MQ", "Maison de quartier"
    ML = "ML", "Mission locale"
    PIJ_BIJ = "PIJ_BIJ", "Point ou bureau information jeunesse"
    RS_FJT = "RS_FJT", "Résidence sociale, foyer de jeunes travailleurs"
    CCAS = "CCAS", "Centre communal d’action sociale"
    CIAS = "CIAS", "Centre intercommunal d’action sociale"
    PREVENTION = "PREVENTION", "Service ou club de prévention"
    PJJ = "PJJ", "Protection judiciaire de la jeunesse"
    ASE = "ASE", "Aide sociale à l’enfance"
    MDA = "MDA", "Maison des adolescents"
    EPN = "EPN", "Espace public numérique"
    MUNI = "MUNI", "Service municipal"
    ASSO = "ASSO", "Association"
    AUTRE = "Autre", "Autre"


class Funder(models.TextChoices):
    CAF = "CAF", "CAF"
    MSA = "MSA", "MSA"
    CD = "CD", "Conseil départemental"


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", "En préparation"
    SIGNED = "signed", "Signée"
    ENDED = "ended", "Terminée"
    CANCELLED = "cancelled", "Annulée"


class PromeneurStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidat·e"
    TRAINED = "trained", "Formé·e"
    LABELLED = "labelled", "Labellisé·e"
    SUSPENDED = "suspended", "Suspendu·e"
    LEFT = "left", "Parti·e"


class Network(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    SNAPCHAT = "snapchat", "Snapchat"
    TIKTOK = "tiktok", "TikTok"
    DISCORD = "discord", "Discord"
    FACEBOOK = "facebook", "Facebook"
    WHATSAPP = "whatsapp", "WhatsApp"
    YOUTUBE = "youtube", "YouTube"
    X = "x", "X (Twitter)"
    TWITCH = "twitch", "Twitch"


# Host names accepted in the profile URL of each network (a sub-domain of one of them too).
NETWORK_DOMAINS = {
    Network.INSTAGRAM: ("instagram.com",),
    Network.SNAPCHAT: ("snapchat.com",),
    Network.TIKTOK: ("tiktok.com",),
    Network.DISCORD: ("discord.gg", "discord.com"),
    Network.FACEBOOK: ("facebook.com", "fb.com", "fb.me"),
    Network.WHATSAPP: ("wa.me", "whatsapp.com"),
    Network.YOUTUBE: ("youtube.com", "youtu.be"),
    Network.X: ("x.com", "twitter.com"),
    Network.TWITCH: ("twitch.tv",),
}


class MembershipRole(models.TextChoices):
    REFERENT = "referent", "Référent·e de la structure"


class TrainingKind(models.TextChoices):
    INITIAL = "initial", "Formation initiale"
    CONTINUING = "continuing", "Formation continue"
    MEETING = "meeting", "Rencontre du réseau"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "lundi"
    TUESDAY = 1, "mardi"
    WEDNESDAY = 2, "mercredi"
    THURSDAY = 3, "jeudi"
    FRIDAY = 4, "vendredi"
    SATURDAY = 5, "samedi"
    SUNDAY = 6, "dimanche"


class ImportKind(models.TextChoices):
    STRUCTURES = "structures", "Structures"
    PROMENEURS = "promeneurs", "Promeneur·ses"
    CONVENTIONS = "conventions", "Conventions"
    TRAININGS = "trainings", "Formations"
    ATTENDANCE = "attendance", "Participations aux formations"


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    IMPORTING = "importing", "Vérification et enregistrement"
    DONE = "done", "Importé"
    REFUSED = "refused", "Refusé : rien n’a été importé"
    FAILED = "failed", "Échec"


class AbsenceKind(models.TextChoices):
    """Why a promeneur is away; shown to their referent and coordination, never to the public."""

    LEAVE = "leave", "Congé"
    SICK = "sick", "Arrêt maladie"
    TRAINING = "training", "Formation"
    OTHER = "other", "Autre absence"


class ProfileChangeAction(models.TextChoices):
    CHANGED = "changed", "modifié"
    ADDED = "added", "ajouté"
    REMOVED = "removed", "supprimé"
