"""In the browser: the admin pages of CAF staff and coordinators pass axe-core (WCAG 2.1 A and AA)."""

import datetime

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from structures.enums import ImportJobStatus, ImportKind
from structures.models import ImportJob, Training, TrainingAttendance
from tests.accounts.factories import UserFactory
from tests.e2e.helpers import BROWSER_TEST, log_in
from tests.stats.factories import ActivityReportFactory
from tests.structures.factories import (
    ConventionFactory,
    CoordinationFactory,
    DepartmentFactory,
    NetworkAccountFactory,
    PresenceSlotFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
)

pytestmark = BROWSER_TEST


@pytest.fixture
def world():
    dordogne = DepartmentFactory(code="24")
    structure = StructureFactory(department=dordogne)
    promeneur = PromeneurFactory(structure=structure)
    NetworkAccountFactory(promeneur=promeneur)
    PresenceSlotFactory(promeneur=promeneur)
    StructureMembershipFactory(structure=structure)
    ConventionFactory(structure=structure)
    training = Training.objects.create(
        title="Formation initiale", starts_on=datetime.date(2026, 3, 1), department=dordogne
    )
    TrainingAttendance.objects.create(training=training, promeneur=promeneur)
    ActivityReportFactory(structure=structure)
    ImportJob.objects.create(
        kind=ImportKind.STRUCTURES, file_name="s.csv", content=b"", status=ImportJobStatus.DONE
    )
    coordinator = CoordinationFactory(department=dordogne, user=UserFactory(email="coord@caf.test")).user
    return {"coordinator": coordinator, "staff": UserFactory(email="staff@caf.test", caf_staff=True)}


def admin_pages(user):
    """The index, and every changelist, add page and change page of the models `user` reaches.

    The pages are listed from the admin's registry, so that a model added later is checked too."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_module_permission(request):
            continue
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model_admin.get_queryset(request).first()
        if first is not None:
            try:
                pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            except NoReverseMatch:
                pass
    return pages


@pytest.mark.parametrize("who", ["staff", "coordinator"])
def test_admin_pages_pass_axe(live_server, page, axe, world, who):
    user = world[who]
    log_in(page, live_server, user.email)
    found = {}
    for path in admin_pages(user):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        violations = axe(page)
        if violations:
            found[path] = violations
    import json
    import pathlib

    pathlib.Path("/tmp/axe.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    import json
    import pathlib

    pathlib.Path("/tmp/axe.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    assert found == {}
