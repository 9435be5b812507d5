"""No import cycles between apps' models, and core imports no app (grimp, import-linter's graph).

Another app's model in a ForeignKey is named by a string ("targets.Target"); a helper that
needs an app's models lives in that app (the home page is the petitions app's view).
"""

import itertools

import grimp
import pytest

APPS = [
    "accounts", "api", "integrations", "letters", "moderation", "petitions", "support",
    "targets", "updates",
]  # fmt: skip


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("groundswell", cache_dir=None)


def models_cycles(graph) -> list[tuple[str, ...]]:
    """Pairs of apps whose models modules import each other, directly or through others
    (function-level imports count: they run when the function does)."""
    modules = [f"groundswell.{app}.models" for app in APPS]
    modules = [m for m in modules if m in graph.modules]
    cycles = []
    for one, other in itertools.combinations(modules, 2):
        there = graph.find_shortest_chain(importer=one, imported=other)
        back = graph.find_shortest_chain(importer=other, imported=one)
        if there and back:
            cycles.append((*there, *back[1:]))
    return cycles


def test_no_two_apps_models_import_each_other(graph):
    assert models_cycles(graph) == []


def test_a_planted_cycle_between_models_is_found(graph):
    graph.add_import(
        importer="groundswell.petitions.models",
        imported="groundswell.targets.models",
        line_number=1,
        line_contents="from groundswell.targets.models import Target",
    )
    try:
        assert models_cycles(graph) != []
    finally:
        graph.remove_import(
            importer="groundswell.petitions.models", imported="groundswell.targets.models"
        )


@pytest.mark.parametrize("app", APPS)
def test_core_imports_no_app(graph, app):
    """Every app uses core; core uses none of them, or the two would import each other."""
    chains = graph.find_shortest_chains(importer="groundswell.core", imported=f"groundswell.{app}")
    assert chains == set()
