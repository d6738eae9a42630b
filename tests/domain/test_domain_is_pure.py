"""The domain imports neither Telegram nor SQL, nor any outer layer of the desk."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
FORBIDDEN = {
    "telegram",
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "handlers",
    "storage",
    "bot",
}
MODULES = sorted(DOMAIN.rglob("*.py"))


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_check_sees_every_kind_of_import():
    source = "import telegram.ext\nfrom sqlalchemy import select\nif x:\n    import bot\n"
    assert imported_roots(source) == {"telegram", "sqlalchemy", "bot"}


def test_the_domain_package_has_modules_to_check():
    assert DOMAIN / "ticket.py" in MODULES
    assert DOMAIN / "services" / "desk.py" in MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_a_domain_module_imports_nothing_from_outside(module):
    assert imported_roots(module.read_text(encoding="utf-8")) & FORBIDDEN == set()
