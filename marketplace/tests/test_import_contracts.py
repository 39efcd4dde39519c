"""The import contracts (.importlinter) hold for the code as it is, and each
one fails when an import breaks it: an upward import between apps, another
app's views, a cycle inside an app, application code using test helpers."""

import copy
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.contracts.protected import ProtectedContract

CONFIG = Path(__file__).resolve().parents[2] / ".importlinter"
TYPES = {
    "layers": LayersContract,
    "protected": ProtectedContract,
    "acyclic_siblings": AcyclicSiblingsContract,
    "forbidden": ForbiddenContract,
}


@pytest.fixture(scope="module")
def config():
    return read_configuration(str(CONFIG))


def _graph(config):
    return grimp.build_graph(*config["session_options"]["root_packages"], cache_dir=None)


def _contract(config, contract_id):
    [options] = [o for o in config["contracts_options"] if o["id"] == contract_id]
    return TYPES[options["type"]](
        name=options["name"], session_options=config["session_options"], contract_options=options
    )


@pytest.fixture(scope="module")
def code_graph(config):
    return _graph(config)


@pytest.fixture
def graph(code_graph):
    """The imports of the code, for one check: a check drops the imports
    its contract ignores from the graph it is given."""
    return copy.deepcopy(code_graph)


@pytest.mark.parametrize("contract_id", ["layers", "views", "acyclic", "testing"])
def test_the_contract_holds(config, graph, contract_id):
    assert _contract(config, contract_id).check(graph, verbose=False).kept


@pytest.mark.parametrize(
    "contract_id, importer, imported",
    [
        ("layers", "accounts.models", "sales.models"),  # an upward import
        ("layers", "jobs.models", "messaging.models"),  # between independent apps
        ("views", "sales.services", "jobs.views"),
        ("acyclic", "sales.models", "sales.services"),  # services import models
        ("testing", "sales.services", "testing.factories"),
    ],
)
def test_an_import_that_breaks_the_contract_fails_it(
    config, graph, contract_id, importer, imported
):
    graph.add_import(importer=importer, imported=imported)
    assert not _contract(config, contract_id).check(graph, verbose=False).kept
