"""Alembic builds the schema the models describe, and a second run changes nothing."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Integer, MetaData, event, inspect

from storage import migrate
from storage.db import create_engine
from storage.models import Base

MODEL_TABLES = set(Base.metadata.tables)


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def differences(connection: Connection, metadata: MetaData = Base.metadata) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return compare_metadata(context, metadata)


def head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


async def test_the_models_describe_a_schema():
    assert {"ticket", "customer", "department", "staff", "outbox", "counter"} <= MODEL_TABLES


async def test_migrations_create_every_table_of_the_models(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(tables) == MODEL_TABLES | {"alembic_version"}
        assert await connection.run_sync(current_revision) == head()


async def test_the_migrated_schema_matches_the_models(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_the_comparison_notices_a_column_the_migrations_lack(engine):
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["ticket"].append_column(Column("extra", Integer))
    async with engine.connect() as connection:
        found = await connection.run_sync(differences, metadata)
    assert [(d[0], d[3].name) for d in found] == [("add_column", "extra")]


async def test_a_second_upgrade_changes_nothing(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.strip().split()[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await migrate.upgrade(engine)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    writes = {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"}
    assert [s for s in statements if s in writes] == []
    assert "SELECT" in statements  # it did look at alembic_version
    async with engine.connect() as connection:
        assert await connection.run_sync(current_revision) == head()


async def test_downgrading_to_base_empties_the_database_and_upgrading_rebuilds_it(engine):
    def downgrade(connection: Connection) -> None:
        command.downgrade(migrate.alembic_config(connection), "base")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
        assert await connection.run_sync(tables) <= {"alembic_version"}
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_an_empty_database_is_migrated_from_scratch(database_url):
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(tables) == set()
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(tables) >= MODEL_TABLES
    finally:
        await engine.dispose()
