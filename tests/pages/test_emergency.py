import pytest


@pytest.mark.django_db
def test_emergency_numbers_are_links_to_call_and_114_is_reached_by_sms(client):
    html = client.get("/").content.decode()
    for number in ("3018", "119", "3114", "0800235236", "112", "15", "17", "18"):
        assert f'href="tel:{number}"' in html
    assert 'class="emergency-number" href="sms:114"' in html
    assert 'href="tel:114"' not in html
