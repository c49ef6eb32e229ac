"""The one helper of the status machines (promeneurs/status_machine.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from promeneurs.status_machine import StatusMachine


class Light(models.TextChoices):
    GREEN = "green", "vert"
    AMBER = "amber", "orange"
    RED = "red", "rouge"


LIGHTS = StatusMachine(
    Light, {Light.GREEN: {Light.AMBER}, Light.AMBER: {Light.RED}, Light.RED: {Light.GREEN}}
)


def test_the_table_reads_as_a_mapping_of_allowed_targets():
    assert set(LIGHTS) == set(Light)
    assert LIGHTS["green"] == {Light.AMBER}
    assert LIGHTS.can("green", "amber") and not LIGHTS.can("green", "red")


def test_a_refused_change_says_both_statuses_in_french():
    assert LIGHTS.check("amber", "red") is Light.RED
    with pytest.raises(ValidationError, match="Passage impossible de « vert » à « rouge »") as error:
        LIGHTS.check("green", "red")
    assert error.value.code == "invalid_transition"
    with pytest.raises(ValidationError) as error:
        LIGHTS.check("green", "red", field="status")
    assert error.value.message_dict == {"status": ["Passage impossible de « vert » à « rouge »."]}


def test_every_status_must_be_in_the_table():
    with pytest.raises(ValueError, match="red"):
        StatusMachine(Light, {Light.GREEN: {Light.AMBER}, Light.AMBER: set()})
