"""The demo office's archive: settings, schedule, and a few filed items in the catalogue."""

import pytest

from archive import services
from archive.models import ArchiveItem, ArchiveSettings
from org.demo import load_demo
from org.models import Person

pytestmark = pytest.mark.django_db


@pytest.mark.demo_content
def test_demo_archive(client):
    load_demo()
    dangan = Person.objects.get(user__username="dangan")
    conf = ArchiveSettings.objects.get(agency=dangan.agency)
    assert conf.fonds_code == "Z109"
    items = list(ArchiveItem.objects.filter(agency=dangan.agency))
    assert items and all(i.archive_code.startswith("Z109-WS·") for i in items)
    client.force_login(dangan.user)
    year = items[0].year
    page = client.get("/archive/catalogue/", {"year": year}).content.decode()
    assert items[0].archive_code in page
    assert client.get("/archive/", {"year": year}).status_code == 200
    assert services.schedule(dangan.agency).exists()
