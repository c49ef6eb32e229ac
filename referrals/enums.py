from django.db import models


class AgeBracket(models.TextChoices):
    AGE_12_14 = "12-14", "12 à 14 ans"
    AGE_15_17 = "15-17", "15 à 17 ans"
    AGE_18_21 = "18-21", "18 à 21 ans"
    AGE_22_25 = "22-25", "22 à 25 ans"


AGE_BRACKET_BOUNDS = {
    AgeBracket.AGE_12_14: (12, 14),
    AgeBracket.AGE_15_17: (15, 17),
    AgeBracket.AGE_18_21: (18, 21),
    AgeBracket.AGE_22_25: (22, 25),
}


class Channel(models.TextChoices):
    NETWORK = "network", "Un réseau social"
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    # Answered on the portal itself, in a private conversation on the follow-up page: no handle,
    # e-mail or phone asked (an e-mail only if the young person wants to be told of a reply).
    PORTAL = "portal", "Réponds-moi ici (sur le site)"


class TargetKind(models.TextChoices):
    PROMENEUR = "promeneur", "Un·e promeneur·se"
    STRUCTURE = "structure", "Une structure"
    DEPARTMENT = "department", "Le réseau du département"


class RequestStatus(models.TextChoices):
    NEW = "new", "Nouvelle"
    CLAIMED = "claimed", "Prise en charge"
    IN_CONTACT = "in_contact", "En contact"
    MET = "met", "Rencontre en personne"
    ORIENTED = "oriented", "Orientée"
    CLOSED = "closed", "Close"
    WITHDRAWN = "withdrawn", "Retirée par le ou la jeune"
    SPAM = "spam", "Indésirable"


OPEN_STATUSES = (
    RequestStatus.NEW,
    RequestStatus.CLAIMED,
    RequestStatus.IN_CONTACT,
    RequestStatus.MET,
    RequestStatus.ORIENTED,
)


class Outcome(models.TextChoices):
    RESOLVED_ONLINE = "resolved_online", "Réglée en ligne"
    MET = "met", "Rencontre en personne"
    ORIENTED = "oriented", "Orientée vers une structure"
    NO_ANSWER = "no_answer", "Pas de réponse du ou de la jeune"
    OUT_OF_SCOPE = "out_of_scope", "Hors du champ des Promeneurs du Net"


class Helpfulness(models.TextChoices):
    """The young person's answer to "Est-ce que ça t’a aidé ?" after their request was closed."""

    YES = "oui", "Oui"
    A_LITTLE = "un_peu", "Un peu"
    NO = "non", "Non"


class OrientationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    ACCEPTED = "accepted", "Acceptée"
    DECLINED = "declined", "Déclinée"
    EXPIRED = "expired", "Expirée"
    CANCELLED = "cancelled", "Annulée (demande retirée ou anonymisée)"


class DeclineReason(models.TextChoices):
    NOT_OUR_FIELD = "not_our_field", "Hors de notre champ d’action"
    NO_CAPACITY = "no_capacity", "Pas de disponibilité pour l’instant"
    OUT_OF_AREA = "out_of_area", "Hors de notre territoire"
    AGE = "age", "Âge non accueilli"
    ALREADY_FOLLOWED = "already_followed", "Jeune déjà accompagné·e par ailleurs"
    OTHER = "other", "Autre raison"


class MessageAuthor(models.TextChoices):
    """Who wrote a message of a "Réponds-moi ici" conversation."""

    YOUNG_PERSON = "jeune", "Le ou la jeune"
    PROMENEUR = "promeneur", "Le promeneur ou la promeneuse"
