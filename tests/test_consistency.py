"""Rules of the code base that a feature could quietly break: one access policy, one content gate.

- The content of a request is read by `referrals.content` only. At run time the request's managers
  defer it and refuse it (`ContentGateClosed`), and the `_content_gate_guard` fixture of
  `tests/conftest.py` makes any SQL that selects it outside the gate fail the test that ran it —
  every page, service, task and admin view the suite exercises. Here: the static half (no code
  opens the gate or names a content field in a query outside that module) and proof that both
  run-time halves bite.
- Roles are answered by `accounts.access`: no module outside it reads the role flags or the
  membership caches of a user to decide something.
"""

import ast
from pathlib import Path

import pytest
from django.db import connection

from referrals.content import CONTENT_FIELDS, ContentGateClosed
from referrals.models import AccessLog, ContactRequest, RequestNote
from tests.conftest import ContentLeak
from tests.referrals.factories import ContactRequestFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "comments",
    "dashboard",
    "news",
    "notifications",
    "opendata",
    "pages",
    "promeneurs",
    "referrals",
    "stats",
    "structures",
]
QUERY_METHODS = {
    "only",
    "values",
    "values_list",
    "defer",
    "refresh_from_db",
    "raw",
    "extra",
    "annotate",
    "filter",
}
# Lookups that reach a request's content from another model.
RELATION_PREFIXES = (
    "request__",
    "contact_request__",
    "contact_requests__",
    "assigned_requests__",
    "recipient_request__",
)


def product_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def string_arguments(call):
    for node in [*call.args, *(keyword.value for keyword in call.keywords)]:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                yield sub.value


def test_only_the_content_module_opens_the_gate():
    offenders = [
        str(path.relative_to(ROOT))
        for path in product_files()
        if "_open_gate" in path.read_text() and path != ROOT / "referrals" / "content.py"
    ]
    assert offenders == []


def test_no_query_outside_the_gate_names_a_content_field_through_a_relation():
    """`AccessLog.objects.values("request__message")` and the like bypass the request's manager."""
    content_lookups = {f"{prefix}{field}" for prefix in RELATION_PREFIXES for field in CONTENT_FIELDS}
    offenders = []
    for path in product_files():
        if path == ROOT / "referrals" / "content.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS - {"defer"}
            ):
                for value in string_arguments(node):
                    if value.split("__icontains")[0] in content_lookups or value.startswith("notes__text"):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {value}")
    assert offenders == []


def test_no_code_outside_the_policy_reads_role_flags_to_decide():
    """Role questions go to accounts.access (the admin forms listing the flags as fields aside)."""
    allowed = {ROOT / "accounts" / "access.py", ROOT / "accounts" / "models.py"}
    attributes = {"coordinated_department_ids", "referent_structure_ids", "promeneur_profile"}
    offenders = []
    for path in product_files():
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            through_policy = isinstance(node, ast.Attribute) and (
                isinstance(node.value, ast.Name) and node.value.id == "access"
            )
            if isinstance(node, ast.Attribute) and node.attr in attributes and not through_policy:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"is_caf_staff", "is_moderator", "is_superuser"}
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name)
                and node.value.id in {"user", "by", "author"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []


@pytest.mark.django_db
def test_the_managers_defer_the_content_and_refuse_to_load_it():
    request = ContactRequestFactory(message="CANARI-GATE")
    loaded = ContactRequest.objects.get(pk=request.pk)
    assert set(CONTENT_FIELDS) <= loaded.get_deferred_fields()
    with pytest.raises(ContentGateClosed):
        loaded.message  # noqa: B018
    for attempt in (
        lambda: ContactRequest.objects.values("message").first(),
        lambda: ContactRequest.objects.values_list("email").first(),
        lambda: ContactRequest.objects.values().first(),
        lambda: ContactRequest.objects.only("reference", "handle").first(),
        lambda: ContactRequest.objects.defer(None).first(),
        lambda: ContactRequest._base_manager.get(pk=request.pk).phone,
        lambda: RequestNote.objects.defer(None).first(),
    ):
        with pytest.raises(ContentGateClosed):
            attempt()
    # A related object comes through the same manager: deferred.
    log = AccessLog.objects.create(request=request, reference=request.reference)
    assert set(CONTENT_FIELDS) <= AccessLog.objects.get(pk=log.pk).request.get_deferred_fields()


@pytest.mark.django_db
def test_the_sql_guard_catches_what_the_managers_cannot_see():
    request = ContactRequestFactory(message="CANARI-SQL")
    AccessLog.objects.create(request=request, reference=request.reference)
    with pytest.raises(ContentLeak):
        list(AccessLog.objects.select_related("request"))
    with pytest.raises(ContentLeak):
        AccessLog.objects.values("request__message").first()
    with pytest.raises(ContentLeak), connection.cursor() as cursor:
        cursor.execute('SELECT "referrals_contactrequest"."message" FROM "referrals_contactrequest"')


def test_the_access_policy_spells_the_statuses_as_the_enums_do():
    from accounts import access
    from referrals.enums import RequestStatus
    from structures.enums import MembershipRole, PromeneurStatus

    assert access.LABELLED == PromeneurStatus.LABELLED
    assert access.LEFT == PromeneurStatus.LEFT
    assert access.REFERENT == MembershipRole.REFERENT
    assert access.NEW == RequestStatus.NEW
    assert set(access.ASSIGNED) == {
        RequestStatus.CLAIMED,
        RequestStatus.IN_CONTACT,
        RequestStatus.MET,
        RequestStatus.ORIENTED,
    }
    assert set(access.REMOVED) == {RequestStatus.WITHDRAWN, RequestStatus.SPAM}
