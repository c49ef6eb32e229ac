import pytest

from structures.geo import department_code_for_postcode, is_postcode


@pytest.mark.parametrize(
    ("postcode", "code"),
    [
        ("24000", "24"),
        ("24100", "24"),
        ("33000", "33"),
        ("01000", "01"),
        ("75011", "75"),
        ("95880", "95"),
        ("97100", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97600", "976"),
        ("20000", "2A"),
        ("20090", "2A"),
        ("20199", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        (" 24000 ", "24"),
        ("2400", None),
        ("240000", None),
        ("2A000", None),
        ("abcde", None),
        ("٢٤٠٠٠", None),
        ("24000\n", "24"),
        ("", None),
        (None, None),
    ],
)
def test_department_code_for_postcode(postcode, code):
    assert department_code_for_postcode(postcode) == code


@pytest.mark.parametrize(
    ("value", "expected"),
    [("24000", True), ("2400", False), ("24000a", False), ("Périgueux", False), ("", False), (None, False)],
)
def test_is_postcode(value, expected):
    assert is_postcode(value) is expected
