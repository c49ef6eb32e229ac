import pytest
from freezegun import freeze_time

from tests.comments.helpers import NOW


@pytest.fixture
def clock():
    with freeze_time(NOW) as frozen:
        yield frozen
