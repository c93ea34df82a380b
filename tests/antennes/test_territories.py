import pytest

from antennes.models import Office, OfficeTerritory
from antennes.services import office_for_location
from regions.models import Municipality

pytestmark = pytest.mark.django_db


def serving(code):
    municipality = Municipality.objects.select_related("region", "mrc").get(code=code)
    return office_for_location(region=municipality.region, municipality=municipality).slug


@pytest.mark.parametrize(
    ("code", "office"),
    [
        ("37067", "trois-rivieres"),  # Trois-Rivières: the region's default office
        ("36033", "shawinigan"),  # Shawinigan, a city outside any MRC
        ("47017", "granby"),  # Granby, MRC La Haute-Yamaska (Estrie since 2021)
        ("43027", "sherbrooke"),  # Sherbrooke, the SIT seat
        ("66097", "pointe-claire"),  # West Island
        ("66023", "montreal"),
        ("89008", "val-dor"),  # MRC La Vallée-de-l'Or
        ("86042", "rouyn-noranda"),
        ("56083", "saint-jean-sur-richelieu"),
        ("58007", "brossard"),
        ("99025", "chibougamau"),
    ],
)
def test_the_most_precise_territory_picks_the_serving_office(code, office):
    assert serving(code) == office


def test_a_region_wide_place_gets_the_region_default():
    region = Municipality.objects.get(code="47017").region
    assert office_for_location(region=region).slug == "sherbrooke"


def test_moving_an_mrc_to_another_office_needs_no_code_change():
    piece = OfficeTerritory.objects.get(mrc__code="470")
    piece.office = Office.objects.get(slug="sherbrooke")
    piece.save()
    assert serving("47017") == "sherbrooke"


def test_a_new_office_serves_its_territory_as_soon_as_it_is_entered():
    magog = Municipality.objects.get(code="45072")
    new = Office.objects.create(slug="magog", city="Magog", kind="antenne",
                                sit=Office.objects.get(slug="sherbrooke").sit,
                                region=magog.region, municipality=magog)
    OfficeTerritory.objects.create(office=new, region=magog.region, mrc=magog.mrc)
    assert serving("45072") == "magog"
