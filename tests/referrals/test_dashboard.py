"""The dashboard of contact requests: inbox, request page and its actions, referents' and
coordinators' pages. Who may see what is in test_permissions_dashboard.py; here, what they see."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from pages.templatetags.french import jour_heure
from referrals.enums import AgeBracket, Channel, Outcome, RequestStatus
from referrals.models import AccessLog, ContactRequest, RequestNote
from referrals.views import dashboard
from structures.enums import Network
from tests.content import stored_notes
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory
from tests.referrals.test_permissions_dashboard import YOUNG_FIRST_NAME, build_world
from tests.structures.factories import (
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

INBOX = reverse("referrals:inbox")
POOL_TAB = INBOX + "?onglet=a-prendre"


@pytest.fixture
def world():
    return build_world()


def as_user(client, world, who):
    client.force_login(world.users[who])
    return client


def text(response):
    return response.content.decode()


def references(response):
    """The references listed in the page's tables, in order."""
    return re.findall(r"PDN-[0-9A-Z]{4}-[0-9A-Z]{4}", text(response))


def days_ago(days, hours=0):
    return timezone.now() - datetime.timedelta(days=days, hours=hours)


def action_url(name, contact_request):
    return reverse(f"referrals:{name}", kwargs={"uuid": contact_request.uuid})


# --- The inbox -----------------------------------------------------------------------------------


def test_inbox_lists_my_requests_and_counts_both_tabs(client, world):
    assignee = world.users["assignee"].promeneur_profile
    closed = ContactRequestFactory(
        structure=world.structure,
        assigned=True,
        assignee=assignee,
        status=RequestStatus.CLOSED,
        outcome=Outcome.RESOLVED_ONLINE,
    )
    colleague_request = ContactRequestFactory(
        structure=world.structure, claimed=True, assignee=world.users["colleague"].promeneur_profile
    )
    as_user(client, world, "assignee")

    response = client.get(INBOX)

    assert response.status_code == 200
    assert references(response) == [world.claimed.reference]
    assert response.context["counts"] == {"mine_open": 1, "mine_late": 0, "pool": 1, "pool_late": 0}
    body = text(response)
    assert 'Mes demandes <span class="tab-count">1</span>' in body
    assert 'À prendre en charge <span class="tab-count">1</span>' in body
    assert closed.reference not in body
    assert colleague_request.reference not in body
    # A row shows metadata only, and links to the request.
    assert f'href="{world.claimed.get_absolute_url()}"' in body
    assert SECRET_MESSAGE not in body and YOUNG_FIRST_NAME not in body


def test_pool_tab_lists_my_structure_unassigned_requests(client, world):
    other_pool = ContactRequestFactory(structure=world.other_structure)
    as_user(client, world, "colleague")

    response = client.get(POOL_TAB)

    assert references(response) == [world.pool.reference]
    assert other_pool.reference not in text(response)
    assert world.department_pool.reference not in text(response)
    # No status filter in a pool: it only holds new requests.
    assert "statut" not in response.context["form"].fields


def test_inbox_row_shows_metadata(client, world):
    theme = ThemeFactory(slug="theme-test-harcelement", name="Harcèlement en ligne (test)")
    ContactRequest.objects.filter(pk=world.pool.pk).update(
        is_urgent=True, channel=Channel.NETWORK, network=Network.SNAPCHAT
    )
    world.pool.themes.set([theme])
    as_user(client, world, "colleague")

    body = text(client.get(POOL_TAB))

    for expected in (
        world.pool.reference,
        "15 à 17 ans",
        "Périgueux (24000)",
        "Harcèlement en ligne (test)",
        "Un réseau social (Snapchat)",
        "Urgent",
        "Nouvelle",
        jour_heure(world.pool.created_at),
    ):
        assert expected in body


def test_inbox_is_oldest_first(client, world):
    promeneur = world.users["assignee"].promeneur_profile
    recent = ContactRequestFactory(
        structure=world.structure, claimed=True, assignee=promeneur, created_at=days_ago(1)
    )
    oldest = ContactRequestFactory(
        structure=world.structure, claimed=True, assignee=promeneur, created_at=days_ago(9)
    )
    ContactRequest.objects.filter(pk=world.claimed.pk).update(created_at=days_ago(5))
    as_user(client, world, "assignee")

    assert references(client.get(INBOX)) == [oldest.reference, world.claimed.reference, recent.reference]


def make_mine(world, **kwargs):
    promeneur = world.users["assignee"].promeneur_profile
    kwargs.setdefault("status", RequestStatus.CLAIMED)
    if kwargs["status"] == RequestStatus.CLOSED:
        kwargs.setdefault("outcome", Outcome.NO_ANSWER)
    return ContactRequestFactory(structure=world.structure, assigned=True, assignee=promeneur, **kwargs)


def test_filters_by_status_theme_age_and_dates(client, world):
    health = ThemeFactory(slug="theme-test-sante", name="Santé (test)")
    school = ThemeFactory(slug="theme-test-scolarite", name="Scolarité (test)")
    in_contact = make_mine(world, status=RequestStatus.IN_CONTACT, themes=[health], created_at=days_ago(3))
    closed = make_mine(world, status=RequestStatus.CLOSED, themes=[school], created_at=days_ago(20))
    older = make_mine(world, age_bracket=AgeBracket.AGE_22_25, themes=[school], created_at=days_ago(40))
    as_user(client, world, "assignee")

    def listed(**params):
        return set(references(client.get(INBOX, {"onglet": "mes-demandes", **params})))

    assert listed() == {world.claimed.reference, in_contact.reference, older.reference}
    assert listed(statut="toutes") == {
        world.claimed.reference,
        in_contact.reference,
        older.reference,
        closed.reference,
    }
    assert listed(statut="closed") == {closed.reference}
    assert listed(statut="in_contact") == {in_contact.reference}
    assert listed(statut="toutes", theme="theme-test-scolarite") == {closed.reference, older.reference}
    assert listed(statut="toutes", age="22-25") == {older.reference}
    since = timezone.localdate(days_ago(25)).isoformat()
    until = timezone.localdate(days_ago(10)).isoformat()
    assert listed(statut="toutes", du=since, au=until) == {closed.reference}
    # The last day is included, whole.
    assert listed(statut="toutes", au=timezone.localdate(days_ago(20)).isoformat()) == {
        closed.reference,
        older.reference,
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"du": "pas-une-date"}, "du", "Indiquez une date"),
        ({"au": "31/02/2026"}, "au", "Indiquez une date"),
        ({"du": "2026-09-10", "au": "2026-09-01"}, "au", "postérieure ou égale à la date de début"),
        ({"statut": "perdue"}, "statut", "Choisissez un statut dans la liste"),
        ({"theme": "inconnu\x00"}, "theme", "Choisissez un thème dans la liste"),
        ({"age": "<script>alert(1)</script>"}, "age", "Choisissez une tranche d’âge dans la liste"),
    ],
)
def test_a_bad_filter_gets_a_french_error_and_keeps_the_input(client, world, params, field, message):
    as_user(client, world, "assignee")

    response = client.get(INBOX, params)

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    body = text(response)
    assert message in body
    assert "<script>alert(1)</script>" not in body
    assert 'aria-invalid="true"' in body
    # The other filters still apply: the list is there.
    assert world.claimed.reference in body


def test_date_filter_shows_the_dates_typed(client, world):
    as_user(client, world, "assignee")

    body = text(client.get(INBOX, {"du": "2026-09-01", "au": "2026-08-01"}))

    assert 'value="2026-09-01"' in body
    assert 'value="2026-08-01"' in body


def test_new_requests_waiting_more_than_48_hours_stand_out(client, world):
    with freeze_time("2026-10-05 10:00:00+02:00"):
        ContactRequest.objects.filter(pk=world.pool.pk).update(created_at=timezone.now())
    as_user(client, world, "colleague")

    with freeze_time("2026-10-07 09:00:00+02:00"):  # 47 h later
        response = client.get(POOL_TAB)
    assert "En attente depuis plus de 48 h" not in text(response)
    assert response.context["counts"]["pool_late"] == 0

    with freeze_time("2026-10-07 11:00:00+02:00"):  # 49 h later
        response = client.get(POOL_TAB)
    body = text(response)
    assert "En attente depuis plus de 48 h" in body  # a text, not a colour only
    assert 'class="row-late"' in body
    assert response.context["counts"]["pool_late"] == 1
    assert "dont <strong>1</strong> en attente depuis plus de 48 h" in body


def test_a_claimed_request_never_shows_as_waiting(client, world):
    ContactRequest.objects.filter(pk=world.claimed.pk).update(created_at=days_ago(10))
    as_user(client, world, "assignee")

    assert "En attente depuis plus de 48 h" not in text(client.get(INBOX))


def test_pagination_keeps_the_filters(client, world, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 5)
    created = [
        make_mine(world, created_at=days_ago(30 - n), age_bracket=AgeBracket.AGE_18_21) for n in range(7)
    ]
    as_user(client, world, "assignee")

    first = client.get(INBOX, {"onglet": "mes-demandes", "age": "18-21"})
    assert references(first) == [r.reference for r in created[:5]]
    body = text(first)
    next_link = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "age=18-21" in next_link and "onglet=mes-demandes" in next_link and "page=2" in next_link

    second = client.get(INBOX + next_link)
    assert references(second) == [r.reference for r in created[5:]]
    assert world.claimed.reference not in text(second)  # still filtered (15–17)
    assert 'aria-current="page" aria-label="Page 2, page actuelle"' in text(second)


def test_a_page_number_out_of_range_shows_the_last_page(client, world):
    as_user(client, world, "assignee")

    response = client.get(INBOX, {"page": "999"})

    assert response.status_code == 200
    assert references(response) == [world.claimed.reference]


def test_referent_and_coordinator_are_sent_to_their_page(client, world):
    assert as_user(client, world, "referent").get(INBOX).url == reverse("referrals:structure_workload")
    assert as_user(client, world, "coordinator").get(INBOX).url == reverse("referrals:department_pool")


def test_secondary_nav_lists_the_pages_of_each_role(client, world):
    promeneur_and_referent = world.users["assignee"]
    world.structure.memberships.create(user=promeneur_and_referent)
    client.force_login(promeneur_and_referent)

    body = text(client.get(INBOX))

    nav = re.search(r'<nav class="dashboard-nav".*?</nav>', body, re.S).group(0)
    assert f'<a href="{INBOX}" aria-current="page">Mes demandes</a>' in nav
    assert "Ma structure" in nav and "Journal des consultations" in nav
    assert f'href="{reverse("referrals:orientation_list")}"' in nav
    assert "Mon département" not in nav


# --- The request page ----------------------------------------------------------------------------


def test_assignee_reads_the_content_and_each_display_is_logged(client, world):
    as_user(client, world, "assignee")

    for _ in range(2):
        body = text(client.get(world.claimed.get_absolute_url()))
        assert SECRET_MESSAGE in body
        assert YOUNG_FIRST_NAME in body
        assert world.claimed.email in body

    logs = AccessLog.objects.order_by("at")
    assert [(log.user, log.reference, log.structure) for log in logs] == [
        (world.users["assignee"], world.claimed.reference, world.structure)
    ] * 2


def test_content_is_escaped(client, world):
    ContactRequest.objects.filter(pk=world.claimed.pk).update(message="<script>alert('x')</script>\nligne 2")
    as_user(client, world, "assignee")

    body = text(client.get(world.claimed.get_absolute_url()))

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


def test_pool_request_shows_metadata_and_a_claim_button(client, world):
    as_user(client, world, "colleague")

    response = client.get(world.pool.get_absolute_url())

    body = text(response)
    assert f'action="{action_url("claim", world.pool)}"' in body
    assert "Prendre en charge</button>" in body
    assert "n’est lisible que par le promeneur ou la promeneuse qui l’a prise en charge" in body
    assert SECRET_MESSAGE not in body
    assert response.context["status_form"] is None
    assert response.context["note_form"] is None


def test_claim_then_read(client, world):
    as_user(client, world, "colleague")

    response = client.post(action_url("claim", world.pool), follow=True)

    world.pool.refresh_from_db()
    assert world.pool.assignee == world.users["colleague"].promeneur_profile
    assert world.pool.status == RequestStatus.CLAIMED
    assert response.redirect_chain == [(world.pool.get_absolute_url(), 302)]
    body = text(response)
    assert f"Vous avez pris en charge la demande {world.pool.reference}" in body
    assert SECRET_MESSAGE in body
    assert "Prendre en charge</button>" not in body
    assert AccessLog.objects.filter(user=world.users["colleague"]).count() == 1


def test_second_claim_says_already_taken_without_error(client, world):
    as_user(client, world, "colleague").post(action_url("claim", world.pool))
    client.logout()
    as_user(client, world, "assignee")

    response = client.post(action_url("claim", world.pool), follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "a déjà été prise en charge par une autre personne" in text(response)
    assert SECRET_MESSAGE not in text(response)
    world.pool.refresh_from_db()
    assert world.pool.assignee == world.users["colleague"].promeneur_profile


def test_claiming_my_own_request_twice_is_harmless(client, world):
    as_user(client, world, "colleague").post(action_url("claim", world.pool))

    response = client.post(action_url("claim", world.pool), follow=True)

    assert response.redirect_chain == [(world.pool.get_absolute_url(), 302)]
    assert "Vous avez déjà pris en charge la demande" in text(response)


def test_a_request_addressed_to_me_is_accepted_with_the_claim_button(client, world):
    addressed = make_mine(world, status=RequestStatus.NEW)
    as_user(client, world, "assignee")

    assert "Prendre en charge</button>" in text(client.get(addressed.get_absolute_url()))
    client.post(action_url("claim", addressed))

    addressed.refresh_from_db()
    assert addressed.status == RequestStatus.CLAIMED


def test_only_the_assignee_is_offered_to_orient_the_young_person(client, world):
    orient = action_url("orientation_create", world.claimed)
    as_user(client, world, "assignee")
    assert f'href="{orient}"' in text(client.get(world.claimed.get_absolute_url()))

    for who in ("referent", "coordinator"):
        client.force_login(world.users[who])
        assert "orienter/" not in text(client.get(world.claimed.get_absolute_url()))
    client.force_login(world.users["colleague"])
    assert "orienter/" not in text(client.get(world.pool.get_absolute_url()))


def status_choices(response):
    return [value for value, _ in response.context["status_form"].fields["statut"].choices if value]


def test_status_form_offers_only_the_allowed_transitions(client, world):
    as_user(client, world, "assignee")

    response = client.get(world.claimed.get_absolute_url())

    # From "claimed": back to the pool, in contact, closed, spam; never "withdrawn" (the young
    # person's act) nor a status out of the table ("met").
    assert status_choices(response) == ["new", "in_contact", "closed", "spam"]
    ContactRequest.objects.filter(pk=world.claimed.pk).update(status=RequestStatus.IN_CONTACT)
    assert status_choices(client.get(world.claimed.get_absolute_url())) == ["met", "oriented", "closed"]


def test_status_change_then_close_with_an_outcome_and_see_the_history(client, world):
    as_user(client, world, "assignee")
    url = action_url("change_status", world.claimed)

    response = client.post(url, {"statut": "in_contact"}, follow=True)
    assert "Statut de la demande" in text(response) and "« En contact »" in text(response)

    response = client.post(url, {"statut": "closed"})
    assert response.status_code == 200
    assert "Indiquez l’issue de la demande pour la clore." in text(response)
    world.claimed.refresh_from_db()
    assert world.claimed.status == RequestStatus.IN_CONTACT

    client.post(url, {"statut": "closed", "issue": Outcome.MET})
    world.claimed.refresh_from_db()
    assert (world.claimed.status, world.claimed.outcome) == (RequestStatus.CLOSED, Outcome.MET)

    body = text(client.get(world.claimed.get_absolute_url()))
    history = re.search(r'id="titre-historique".*?</table>', body, re.S).group(0)
    name = world.users["assignee"].get_full_name()
    assert "Prise en charge → En contact" in history
    assert "En contact → Close" in history
    assert history.count(name) == 2
    assert "issue : Rencontre en personne" in body
    # Closed: nothing more to change.
    assert "Enregistrer le statut" not in body


def test_a_transition_out_of_the_table_is_refused_with_a_french_error(client, world):
    as_user(client, world, "assignee")

    response = client.post(action_url("change_status", world.claimed), {"statut": "met"})

    assert response.status_code == 200
    assert "Ce changement de statut n’est pas possible pour cette demande." in text(response)
    world.claimed.refresh_from_db()
    assert world.claimed.status == RequestStatus.CLAIMED


def test_releasing_a_request_sends_it_back_to_the_pool(client, world):
    as_user(client, world, "assignee")

    response = client.post(action_url("change_status", world.claimed), {"statut": "new"}, follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "de nouveau dans la file de votre structure" in text(response)
    assert world.claimed.reference in text(client.get(POOL_TAB))


def test_notes_are_private_to_the_assignee(client, world):
    as_user(client, world, "assignee")

    response = client.post(
        action_url("add_note", world.claimed), {"texte": "  Appel prévu <b>jeudi</b>  "}, follow=True
    )

    assert "Votre note est enregistrée." in text(response)
    assert "Appel prévu &lt;b&gt;jeudi&lt;/b&gt;" in text(response)
    assert [note.text for note in stored_notes()] == ["Appel prévu <b>jeudi</b>"]
    for who in ("referent", "coordinator"):
        client.force_login(world.users[who])
        assert "Appel prévu" not in text(client.get(world.claimed.get_absolute_url()))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   ", "La note est vide"),
        ("x" * 5001, "Une note compte au plus 5000 caractères (vous en avez saisi 5001)."),
        ("avant\x00après", "Ce texte contient un caractère invalide."),
    ],
)
def test_a_bad_note_gets_a_french_error_and_keeps_the_text(client, world, value, message):
    as_user(client, world, "assignee")

    response = client.post(action_url("add_note", world.claimed), {"texte": value})

    assert response.status_code == 200
    assert message in text(response)
    assert not RequestNote.objects.exists()
    if value.strip() and "\x00" not in value:
        assert value in text(response)


# --- Referents: reassignment, workload, access log -------------------------------------------------


def test_referent_reassigns_to_a_labelled_promeneur_of_the_structure(client, world):
    colleague = world.users["colleague"].promeneur_profile
    suspended = PromeneurFactory(structure=world.structure, suspended=True, first_name="Zoé")
    as_user(client, world, "referent")

    page = client.get(world.claimed.get_absolute_url())
    choices = list(page.context["reassign_form"].fields["promeneur"].queryset)
    assert choices == [colleague]  # not the current assignee, not a suspended promeneur
    assert suspended.display_name not in text(page)

    response = client.post(
        action_url("reassign", world.claimed),
        {"promeneur": colleague.pk, "motif": "Absence de la promeneuse"},
        follow=True,
    )
    assert f"est confiée à {colleague}" in text(response)
    assert SECRET_MESSAGE not in text(response)
    world.claimed.refresh_from_db()
    assert world.claimed.assignee == colleague
    assert "Réattribuée de" in text(response)  # the history

    # The new assignee reads it; the former one no longer sees it at all.
    client.force_login(world.users["colleague"])
    assert SECRET_MESSAGE in text(client.get(world.claimed.get_absolute_url()))
    client.force_login(world.users["assignee"])
    assert client.get(world.claimed.get_absolute_url()).status_code == 404


def test_reassign_to_a_promeneur_of_another_structure_is_refused(client, world):
    outsider = world.users["other_structure_promeneur"].promeneur_profile
    as_user(client, world, "referent")

    response = client.post(
        action_url("reassign", world.claimed), {"promeneur": outsider.pk, "motif": "Absence"}
    )

    assert response.status_code == 200
    assert "Choisissez un promeneur ou une promeneuse de la structure dans la liste." in text(response)
    world.claimed.refresh_from_db()
    assert world.claimed.assignee.user == world.users["assignee"]


def test_workload_counts_per_promeneur_and_pool(client, world):
    assignee = world.users["assignee"].promeneur_profile
    make_mine(world, status=RequestStatus.IN_CONTACT)
    make_mine(world, status=RequestStatus.IN_CONTACT)
    make_mine(world, status=RequestStatus.CLOSED)
    ContactRequestFactory(structure=world.structure, created_at=days_ago(4))  # a second pool request, late
    ContactRequestFactory(structure=world.other_structure)  # not this structure
    as_user(client, world, "referent")

    response = client.get(reverse("referrals:structure_workload"))

    (structure,) = response.context["structures"]
    assert (structure.open_count, structure.pool_size, structure.late_count) == (5, 2, 1)
    rows = {p.pk: p for p in structure.workload}
    mine = rows[assignee.pk]
    assert (mine.n_claimed, mine.n_in_contact, mine.n_open) == (1, 2, 3)
    colleague = world.users["colleague"].promeneur_profile
    assert rows[colleague.pk].n_open == 0
    body = text(response)
    assert "en attente depuis plus de 48 h" in body
    assert SECRET_MESSAGE not in body and YOUNG_FIRST_NAME not in body
    # The structure's requests, metadata only, with who has them.
    assert set(references(response)) >= {world.claimed.reference, world.pool.reference}
    assert assignee.display_name in body


def test_workload_keeps_a_suspended_promeneur_with_open_requests(client, world):
    assignee = world.users["assignee"].promeneur_profile
    assignee.change_status("suspended")
    as_user(client, world, "referent")

    body = text(client.get(reverse("referrals:structure_workload")))

    assert "Suspendu·e" in body


def test_access_log_page_lists_the_reads_of_the_structure(client, world):
    as_user(client, world, "assignee").get(world.claimed.get_absolute_url())
    other = ContactRequestFactory(structure=world.other_structure, claimed=True)
    client.force_login(other.assignee.user)
    client.get(other.get_absolute_url())
    as_user(client, world, "referent")

    response = client.get(reverse("referrals:access_log"))

    body = text(response)
    assert [log.reference for log in response.context["logs"]] == [world.claimed.reference]
    assert world.users["assignee"].get_full_name() in body
    assert f'<a href="{world.claimed.get_absolute_url()}">{world.claimed.reference}</a>' in body
    assert other.reference not in body
    assert SECRET_MESSAGE not in body


# --- Coordinators: the département pool and dispatch ----------------------------------------------


def test_department_page_lists_the_pool_and_the_structures(client, world):
    gironde_pool = ContactRequestFactory(department_pool=True, department=DepartmentFactory(code="33"))
    as_user(client, world, "coordinator")

    response = client.get(reverse("referrals:department_pool"))

    body = text(response)
    assert references(response)[:1] == [world.department_pool.reference]
    assert gironde_pool.reference not in body
    assert f'href="{world.department_pool.get_absolute_url()}#confier"' in body
    assert response.context["counts"] == {"total": 1, "late": 0}
    structures = {s.pk: s for s in response.context["structures"]}
    assert set(structures) == {world.structure.pk, world.other_structure.pk}
    assert (structures[world.structure.pk].open_count, structures[world.structure.pk].pool_size) == (2, 1)
    assert SECRET_MESSAGE not in body and YOUNG_FIRST_NAME not in body


def test_coordinator_dispatches_to_a_structure(client, world):
    as_user(client, world, "coordinator")
    page = client.get(world.department_pool.get_absolute_url())
    assert 'id="confier"' in text(page)
    assert SECRET_MESSAGE not in text(page)

    response = client.post(
        action_url("dispatch", world.department_pool), {"structure": world.structure.pk}, follow=True
    )

    assert response.redirect_chain == [(reverse("referrals:department_pool"), 302)]
    assert f"est confiée à {world.structure.name}" in text(response)
    world.department_pool.refresh_from_db()
    assert world.department_pool.structure == world.structure
    # It is now in the structure's pool.
    client.force_login(world.users["colleague"])
    assert world.department_pool.reference in text(client.get(POOL_TAB))


def test_coordinator_dispatches_to_a_promeneur(client, world):
    outsider = world.users["other_structure_promeneur"].promeneur_profile
    as_user(client, world, "coordinator")

    client.post(action_url("dispatch", world.department_pool), {"promeneur": outsider.pk, "motif": "Absence"})

    world.department_pool.refresh_from_db()
    assert world.department_pool.assignee == outsider
    client.force_login(outsider.user)
    assert SECRET_MESSAGE in text(client.get(world.department_pool.get_absolute_url()))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez une structure ou un·e promeneur·se."),
        ("both", "pas les deux à la fois"),
        ("gironde", "Choisissez une structure de vos départements dans la liste."),
        ("hidden", "Choisissez une structure de vos départements dans la liste."),
    ],
)
def test_a_bad_dispatch_gets_a_french_error(client, world, data, message):
    if data == "both":
        data = {"structure": world.structure.pk, "promeneur": world.users["colleague"].promeneur_profile.pk}
    elif data == "gironde":
        data = {"structure": StructureFactory(department=DepartmentFactory(code="33")).pk}
    elif data == "hidden":
        hidden = StructureFactory(department=world.department, is_public=False)
        PromeneurFactory(structure=hidden)
        data = {"structure": hidden.pk}
    as_user(client, world, "coordinator")

    response = client.post(action_url("dispatch", world.department_pool), data)

    assert response.status_code == 200
    assert message in text(response)
    world.department_pool.refresh_from_db()
    assert world.department_pool.structure is None


def test_a_request_dispatched_meanwhile_is_not_dispatched_twice(client, world):
    as_user(client, world, "coordinator")
    client.post(action_url("dispatch", world.department_pool), {"structure": world.structure.pk})

    response = client.post(
        action_url("dispatch", world.department_pool), {"structure": world.other_structure.pk}, follow=True
    )

    assert response.redirect_chain == [(reverse("referrals:department_pool"), 302)]
    assert "n’est plus dans la file du département : elle a déjà été confiée" in text(response)
    world.department_pool.refresh_from_db()
    assert world.department_pool.structure == world.structure


# --- Query counts: independent of the number of rows ----------------------------------------------


def add_requests(world, count):
    theme = ThemeFactory()
    promeneur = world.users["assignee"].promeneur_profile
    for _ in range(count):
        ContactRequestFactory(structure=world.structure, claimed=True, assignee=promeneur, themes=[theme])
        ContactRequestFactory(structure=world.structure, themes=[theme])
        ContactRequestFactory(department_pool=True, department=world.department, themes=[theme])


def add_history_and_notes(world, count):
    user = world.users["assignee"]
    world.claimed.themes.set([ThemeFactory() for _ in range(min(count, 5))])
    for n in range(count):
        world.claimed.history.create(
            from_status=RequestStatus.CLAIMED, to_status=RequestStatus.CLAIMED, by=user, note=f"n{n}"
        )
        RequestNote.objects.create(request=world.claimed, author=user, text=f"Note {n}")
        AccessLog.objects.create(
            user=user, request=world.claimed, reference=world.claimed.reference, structure=world.structure
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# (who, page, its queries): the absolute count, so that a page does not gain a query unnoticed.
PAGES = [
    ("assignee", lambda w: INBOX, 12),
    ("colleague", lambda w: POOL_TAB, 12),
    ("assignee", lambda w: w.claimed.get_absolute_url(), 13),
    ("referent", lambda w: w.claimed.get_absolute_url(), 14),
    ("coordinator", lambda w: w.department_pool.get_absolute_url(), 14),
    ("referent", lambda w: reverse("referrals:structure_workload"), 13),
    ("referent", lambda w: reverse("referrals:access_log"), 9),
    ("coordinator", lambda w: reverse("referrals:department_pool"), 14),
]


@pytest.mark.parametrize(("who", "url", "queries"), PAGES)
def test_query_count_does_not_grow_with_the_rows(client, world, django_assert_num_queries, who, url, queries):
    as_user(client, world, who)
    add_requests(world, 1)
    add_history_and_notes(world, 1)
    few = count_queries(client, url(world))
    assert few == queries

    add_requests(world, 49)
    add_history_and_notes(world, 49)
    # More structures and promeneurs in the département, too.
    for _ in range(5):
        PromeneurFactory(structure=StructureFactory(department=world.department))

    with django_assert_num_queries(few):
        response = client.get(url(world))
    assert response.status_code == 200
