"""Log lines: JSON that parses, the update and ticket they are about, no token, no phone."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import CHATTY_LIBRARIES, RedactFilter, configure_logging, make_handler, redact
from domain import logcontext

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own writing through the desk's handler into a string."""
    stream = io.StringIO()
    logger = logging.getLogger("tests.logs")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.handlers.clear()
    logger.propagate = True


def use(logger: logging.Logger, stream: io.StringIO, format: str) -> None:
    logger.handlers.clear()
    logger.addHandler(make_handler(format, stream))  # type: ignore[arg-type]  # a str here


def record(msg: object, *args: object, **kwargs: object) -> logging.LogRecord:
    return logging.LogRecord("x", logging.INFO, __file__, 1, msg, args or None, None, **kwargs)


def test_json_lines_parse_and_carry_the_extra_fields_and_the_context(captured) -> None:
    logger, stream = captured
    use(logger, stream, "json")
    update = logcontext.update_id.set(4242)
    ticket = logcontext.ticket.set("FB-20261123-0007")
    try:
        logger.info("outbox run %s", "now", extra={"sent": 3, "parked": 0})
    finally:
        logcontext.ticket.reset(ticket)
        logcontext.update_id.reset(update)
    logger.warning("plain words")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "outbox run now"
    assert first["level"] == "INFO"
    assert first["logger"] == "tests.logs"
    assert first["time"].endswith("+00:00")
    assert (first["sent"], first["parked"]) == (3, 0)
    assert (first["update_id"], first["ticket"]) == (4242, "FB-20261123-0007")
    assert second == {
        "time": second["time"],
        "level": "WARNING",
        "logger": "tests.logs",
        "message": "plain words",
    }


def test_json_carries_the_traceback_redacted(captured) -> None:
    logger, stream = captured
    use(logger, stream, "json")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logger.exception("send failed")

    entry = json.loads(stream.getvalue())
    assert "RuntimeError" in entry["exception"]
    assert TOKEN not in entry["exception"]
    assert "bot<token>/sendMessage" in entry["exception"]


def test_plain_keeps_the_classic_format(captured) -> None:
    logger, stream = captured
    use(logger, stream, "plain")

    logger.info("hello %s", "there")

    line = stream.getvalue().rstrip("\n")
    assert line.endswith(" INFO tests.logs: hello there")
    assert line[:4].isdigit()


def test_the_filter_removes_a_token_and_a_phone_from_the_message_and_the_args() -> None:
    item = record(
        f"GET https://api.telegram.org/bot{TOKEN}/getMe for +86 138 1234 5678: %s %s %d",
        f"url=https://api.telegram.org/bot{TOKEN}/sendMessage",
        "call 13812345678 please",
        123456789,
    )

    assert RedactFilter().filter(item)

    text = item.getMessage()
    assert TOKEN not in text
    assert "1234 5678" not in text
    assert "13812345678" not in text
    assert "+86 138****5678" in text
    assert "call 138****5678 please" in text
    assert text.endswith(" 123456789")  # a number argument (an id) is left alone
    assert all(TOKEN not in str(arg) for arg in item.args or ())
    assert "13812345678" not in str(item.args)


def test_the_filter_cleans_mapping_args_and_extra_fields() -> None:
    item = record("%(who)s", {"who": "+8613812345678"})
    item.contact = "phone 13812345678"

    RedactFilter().filter(item)

    assert item.getMessage() == "+86 138****5678"
    assert item.contact == "phone 138****5678"


@pytest.mark.parametrize(
    "text",
    [
        "ticket FB-20261123-0007 in chat -1001234567890",
        "2026-11-23 10:00:00,123 took 12.5 s",
        "outbox row 12 sent",
    ],
)
def test_ticket_numbers_group_ids_and_times_are_not_phones(text: str) -> None:
    assert redact(text) == text


def test_configure_logging_formats_the_root_handler_and_quiets_httpx() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    httpx_logger = logging.getLogger("httpx")
    httpx_level = httpx_logger.level
    try:
        configure_logging("DEBUG", "json")
        (handler,) = root.handlers
        assert any(isinstance(f, RedactFilter) for f in handler.filters)
        assert root.level == logging.DEBUG
        assert httpx_logger.getEffectiveLevel() == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        httpx_logger.setLevel(httpx_level)


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_the_schedulers_and_ptbs_chatter_is_off_unless_debugging(capsys, level, shown) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(level)
        logging.getLogger("apscheduler.executors.default").info('Job "outbox" executed')
        logging.getLogger("telegram.ext.Application").info("Application started")
        logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
        logging.getLogger("handlers.outbox").info("outbox run")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name in CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.NOTSET)
    written = capsys.readouterr().err
    assert ("executed" in written, "Application started" in written) == (shown, shown)
    assert "was missed" in written  # the libraries' warnings still come
    assert "outbox run" in written  # and the desk's own lines
