import datetime

import pytest

from promeneurs.celery import app
from referrals.enums import Channel, RequestStatus, TargetKind
from tests.referrals.factories import SECRET_MESSAGE, ContactRequestFactory
from tests.structures.factories import (
    CoordinationFactory,
    DepartmentFactory,
    PromeneurFactory,
    StructureFactory,
    StructureMembershipFactory,
    ThemeFactory,
)

# What a young person wrote and how to reach them: no e-mail, no page of the outbox may show it.
YOUNG_FIRST_NAME = "Zéphyrine-Secrète"
YOUNG_HANDLE = "zephy_tres_secret"
YOUNG_EMAIL = "zephyrine.secrete@example.test"
YOUNG_PHONE = "06 98 76 54 32"
SECRETS = (SECRET_MESSAGE, YOUNG_FIRST_NAME, YOUNG_HANDLE, YOUNG_EMAIL, YOUNG_PHONE, "Zéphyrine")
THEME_NAME = "Harcèlement et cyberharcèlement (test)"
NOW = datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in this process (e-mails into Django's test outbox), whatever REDIS_URL says.

    Celery reads CELERY_TASK_ALWAYS_EAGER once: `app.conf` is what counts (Django settings are not re-read by Celery).
    """
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def young_person_data(**overrides):
    data = {
        "first_name": YOUNG_FIRST_NAME,
        "handle": YOUNG_HANDLE,
        "email": YOUNG_EMAIL,
        "phone": YOUNG_PHONE,
        "message": SECRET_MESSAGE,
        "age_bracket": "15-17",
        "commune": "Périgueux",
        "postcode": "24000",
        "channel": Channel.EMAIL,
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(db):
    """A structure of Dordogne with two labelled promeneurs, a referent, a coordinator, a theme."""
    department = DepartmentFactory(code="24")
    structure = StructureFactory(name="Centre social Les Tilleuls", department=department)
    promeneur = PromeneurFactory(
        structure=structure, first_name="Aurélien", user__email="aurelien@tilleuls.example.test"
    )
    colleague = PromeneurFactory(
        structure=structure, first_name="Bérénice", user__email="berenice@tilleuls.example.test"
    )
    referent = StructureMembershipFactory(
        structure=structure, user__email="referente@tilleuls.example.test"
    ).user
    coordinator = CoordinationFactory(
        department=department, user__email="coordination@caf24.example.test"
    ).user
    theme = ThemeFactory(slug="harcelement-test", name=THEME_NAME)
    return {
        "department": department,
        "structure": structure,
        "promeneur": promeneur,
        "colleague": colleague,
        "referent": referent,
        "coordinator": coordinator,
        "theme": theme,
    }


@pytest.fixture
def make_request(world):
    """A request with a young person's content, in the structure's pool unless told otherwise."""

    def make(**overrides):
        values = {
            "structure": world["structure"],
            "department": world["department"],
            "target_kind": TargetKind.STRUCTURE,
            "status": RequestStatus.NEW,
            "themes": [world["theme"]],
            **young_person_data(),
        }
        values.update(overrides)
        return ContactRequestFactory(**values)

    return make


def assert_no_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into:\n{text}"


def email_texts(message):
    """Subject, text body and HTML body of a Django e-mail message."""
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return message.subject, message.body, html
