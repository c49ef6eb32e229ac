from structures.models import Department, Theme


def test_the_101_departements_are_loaded_with_their_insee_codes(db):
    assert Department.objects.count() == 101
    assert Department.objects.get(code="24").name == "Dordogne"
    assert Department.objects.get(code="2A").name == "Corse-du-Sud"
    assert Department.objects.get(code="976").name == "Mayotte"
    assert not Department.objects.filter(code="20").exists()


def test_the_fixed_list_of_themes_is_loaded_in_order(db):
    names = list(Theme.objects.values_list("name", flat=True))
    assert len(names) == 12
    assert names[0] == "Mal-être et santé mentale"
    assert "Harcèlement, cyberharcèlement et violences" in names
    assert names[-1] == "Logement et mobilité"
