"""The `feedback-desk` command: run, db upgrade, check-config."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback-desk", description="Feedback Desk: a customer-feedback desk on Telegram."
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $FEEDBACK_DESK_CONFIG, else ./config.toml if present)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate the database, then serve the bot (long polling)")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every pending migration")
    commands.add_parser("check-config", help="check the configuration and the token, then exit")
    return parser


async def _upgrade(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and do what it says; the exit code says how it went."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        if args.command in ("run", "check-config"):
            settings.token()
    except ConfigError as exc:
        for line in exc.lines:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        print("config ok")
        return 0
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    from bot.app import run_polling

    asyncio.run(_upgrade(settings))
    run_polling(settings)
    return 0
