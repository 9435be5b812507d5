import pytest

from tests.conftest import open_petition


@pytest.fixture
def bilingual(union, alice, mo):
    return open_petition(
        union,
        alice,
        mo,
        title="Fund the city's night buses",
        title_es="Financien los autobuses nocturnos de la ciudad",
        demand_es="Financien el servicio nocturno todo el año.",
        reasons_es="Quienes trabajan de noche **necesitan** volver a casa.",
    )
