"""The `feedback-desk` command: run, db upgrade, check-config, set-webhook, delete-webhook,
customer export | erase, report, demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import staffing
from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from storage.customer_data import Match

EXIT_FAILED = 1
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
    _demo_parser(commands)
    commands.add_parser(
        "run",
        help="migrate the database, then serve the bot (polling or webhook, as configured; "
        "with PostgreSQL a second instance waits as a standby)",
    )
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every pending migration")
    commands.add_parser("check-config", help="check the configuration and the token, then exit")
    commands.add_parser(
        "set-webhook",
        help="tell Telegram to post updates to [webhook] url, with the secret (webhook mode)",
    )
    delete = commands.add_parser(
        "delete-webhook", help="tell Telegram to stop posting updates (back to polling)"
    )
    delete.add_argument(
        "--drop-pending",
        action="store_true",
        help="also drop the updates Telegram holds for the bot (they are lost)",
    )
    _report_parser(commands)
    _customer_parser(commands)
    return parser


def _customer_parser(commands: Any) -> None:
    customer = commands.add_parser("customer", help="a customer's data: export or erase it")
    customer_commands = customer.add_subparsers(dest="customer_command", required=True)
    who = "customer number (C2026...), Telegram user id or phone number"
    export = customer_commands.add_parser(
        "export", help="print everything the desk holds about a customer as JSON"
    )
    export.add_argument("customer", help=who)
    export.add_argument("--output", metavar="FILE", help="write the JSON to FILE, not stdout")
    erase = customer_commands.add_parser(
        "erase", help="anonymise a customer's personal data and texts, keeping the statistics"
    )
    erase.add_argument("customer", help=who)
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _report_parser(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="print the whole desk's report, as /report gives it to an admin"
    )
    report.add_argument(
        "period",
        nargs="*",
        help="today, week (the default), month, YYYY-MM, or FROM TO (YYYY-MM-DD), as /report",
    )
    report.add_argument(
        "--lang", choices=["en", "zh"], help="the language (default: desk.default_language)"
    )
    report.add_argument("--chart", metavar="FILE", help="also write the chart (PNG) to FILE")


def _demo_parser(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="play one desk day on an in-process Telegram (no token needed) and show it",
    )
    demo.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="how fast the transcript is shown: 1 takes about 8 s, 2 half that, 0 at once",
    )
    demo.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="the narration's language, the desk's default one, and the owner's and supervisor's",
    )
    demo.add_argument("--seed", type=int, default=1, help="another number, another day")
    demo.add_argument(
        "--keep", action="store_true", help="keep the database to try feedback-desk commands on"
    )
    demo.add_argument("--out", metavar="DIR", help="the folder for the files (default: a new one)")


def _speed(value: str) -> float:
    speed = float(value)
    if not speed >= 0:
        raise argparse.ArgumentTypeError("the speed is a number, 0 or more")
    return speed


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.offline_report import print_report

    chart = Path(args.chart) if args.chart else None
    lang = args.lang or settings.desk.default_language
    return asyncio.run(print_report(settings, args.period, lang, chart))


def _demo(args: argparse.Namespace) -> int:
    from bot.demo.runner import Options, run

    options = Options(
        speed=args.speed,
        lang=args.lang,
        seed=args.seed,
        keep=args.keep,
        out=Path(args.out) if args.out else None,
    )
    run(options, sys.stdout)
    return 0


async def _upgrade(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _write_export(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # personal data: for the operator's eyes only
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)


async def _customer(settings: Settings, args: argparse.Namespace, stdin: TextIO) -> int:
    from domain.clock import SystemClock
    from storage import customer_data
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade

    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            try:
                match = await customer_data.find_one(session, args.customer)
            except customer_data.CustomerNotFound:
                print(
                    f"no customer has the number, Telegram id or phone {args.customer!r}",
                    file=sys.stderr,
                )
                return EXIT_FAILED
            except customer_data.AmbiguousCustomer as exc:
                print(
                    f"{len(exc.matches)} customers match {args.customer!r}; "
                    "give the customer number of the one you mean:",
                    file=sys.stderr,
                )
                for found in exc.matches:
                    print(f"  {found.number} (by {found.how})", file=sys.stderr)
                return EXIT_FAILED
            if args.customer_command == "erase" and await customer_data.already_erased(
                session, match.customer_id
            ):
                print(f"{match.number} was already erased; nothing changed")
                return 0
        now = SystemClock().now()
        if args.customer_command == "export":
            return await _export(engine, match, now, args.output)
        return await _erase(engine, match, now, confirmed=args.yes, stdin=stdin)
    finally:
        await engine.dispose()


async def _export(engine: AsyncEngine, match: Match, now: datetime, output: str | None) -> int:
    from storage import customer_data

    # written only once the audit is committed: no export leaves unrecorded
    document = await customer_data.export(engine, match.customer_id, now, operator=_operator())
    text = json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    _write_export(text, output)
    tickets = len(document["tickets"])
    where = f" to {output}" if output else ""
    print(
        f"exported {match.number}{where}: {tickets} ticket(s); "
        "recorded in the customer's audit history",
        file=sys.stderr,
    )
    return 0


def _operator() -> str | None:
    """Who runs the command, for the customer's audit history: the operating system user."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name to be found (some containers)
        return None


async def _erase(
    engine: AsyncEngine, match: Match, now: datetime, *, confirmed: bool, stdin: TextIO
) -> int:
    from storage import customer_data

    if not confirmed:
        print(
            f"Erase the personal data and message texts of customer {match.number}? "
            "Ticket statistics are kept; this cannot be undone. Type 'yes' to go on: ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if stdin.readline().strip().lower() != "yes":
            print(f"not erased: {match.number} is unchanged", file=sys.stderr)
            return EXIT_FAILED
    result = await customer_data.erase(engine, match.customer_id, now, operator=_operator())
    if result.already:
        print(f"{result.number} was already erased; nothing changed")
        return 0
    counts = ", ".join(f"{key} {value}" for key, value in result.counts.items())
    print(f"erased {result.number}: {counts}; recorded in the customer's audit history")
    if result.counts.get("staff_cards_queued") or result.counts.get("relayed_copies_queued"):
        print(
            "the staff chats are cleaned by the running desk (or at its next start): cards "
            "show the erased form, copies of the customer's messages are deleted; copies "
            "Telegram no longer lets the bot delete (over 48 hours old) are blanked instead"
        )
    return 0


async def _webhook_command(settings: Settings, args: argparse.Namespace) -> int:
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.serve import register_webhook

    bot = Bot(
        settings.token(),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
    )
    try:
        async with bot:
            if args.command == "set-webhook":
                await register_webhook(bot, settings)
                print(f"Telegram posts updates to {settings.webhook.url} now")
            else:
                await bot.delete_webhook(drop_pending_updates=args.drop_pending)
                print("Telegram no longer posts updates; the bot can poll")
    except TelegramError as exc:
        print(f"Telegram refused: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and do what it says; the exit code says how it went."""
    args = _parser().parse_args(argv)
    if args.command == "demo":  # the embedded defaults: no config, no token
        return _demo(args)
    try:
        settings = load_settings(args.config)
        if args.command in ("run", "check-config", "set-webhook", "delete-webhook"):
            settings.token()
        if args.command in ("run", "check-config"):
            settings.check_mode()
            staffing.check(settings)
        if args.command == "set-webhook":
            if settings.webhook.url is None:
                raise ConfigError(["webhook.url: missing; set-webhook needs the public url"])
            settings.webhook.secret()
    except ConfigError as exc:
        for line in exc.lines:
            print(f"config error: {line}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        for line in staffing.notes(settings):
            print(f"config note: {line}")
        print("config ok")
        return 0
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is up to date")
        return 0
    if args.command == "customer":
        return asyncio.run(_customer(settings, args, sys.stdin))
    if args.command == "report":
        return _report(settings, args)
    if args.command in ("set-webhook", "delete-webhook"):
        return asyncio.run(_webhook_command(settings, args))
    from bot.serve import serve

    return serve(settings)
