"""The API loads what it answers with through the owning app's access functions.

So a rule about who sees what (a draft, another organisation's petition) is written once,
in `<app>/access.py`, and the API cannot drift from it: no module of `groundswell/api/`
opens a model's manager itself.
"""

import ast
import textwrap

from tests.architecture.ownership import PACKAGE, ROOT

MANAGERS = {"objects", "_default_manager", "_base_manager"}


def managers_opened(source: str, path: str) -> list[str]:
    return [
        f"{path}:{node.lineno}: .{node.attr}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS
    ]


def test_no_api_module_opens_a_models_manager():
    found = []
    for path in sorted((PACKAGE / "api").glob("*.py")):
        found += managers_opened(path.read_text(), str(path.relative_to(ROOT)))
    assert found == []


def test_a_planted_query_in_the_api_is_found():
    source = textwrap.dedent("""
        from groundswell.petitions.models import Petition

        def get_petition(request, slug):
            return Petition.objects.filter(slug=slug).first()
    """)

    assert managers_opened(source, "planted.py") == ["planted.py:5: .objects"]
