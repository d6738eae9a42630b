"""Log lines: plain or JSON, with the update id and the ticket number, never a secret.

`configure_logging` puts two filters on the root handler: `ContextFilter` copies the update
and ticket of the current work (domain.logcontext) onto each record, `RedactFilter` masks the
bot token and phone numbers in the message, its arguments, extra fields and tracebacks.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal

from domain import logcontext
from domain.masking import mask_phone

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
# 7 or more digits, maybe after a "+" and with single spaces between them; not part of a
# word or of a hyphenated number (ticket numbers like FB-20261122-0007, group ids -100…).
PHONE = re.compile(r"(?<![\w+-])\+?\d(?: ?\d){6,}(?![\w-])")
TOKEN_MASK = "<token>"
# What every LogRecord has; anything else on a record was passed as an extra field.
_STANDARD = frozenset(
    set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
)


def redact(text: str) -> str:
    """`text` without a bot token and with every phone number masked."""
    text = TOKEN.sub(TOKEN_MASK, text)
    return PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _redact_value(value: Any) -> Any:
    """A log argument made safe; numbers stay numbers (ids, counts), so `%d` still works."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    clean = redact(text)
    if isinstance(value, str) or clean != text:
        return clean
    return value


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call added with `extra=` (and the context filter's)."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class RedactFilter(logging.Filter):
    """Masks tokens and phone numbers in whatever a record will print."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        else:
            record.msg = _redact_value(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: _redact_value(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_redact_value(v) for v in record.args)
        for key, value in extra_fields(record).items():
            setattr(record, key, _redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self._traceback.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class ContextFilter(logging.Filter):
    """Adds `update_id` and `ticket` to a record when the current work has them."""

    def filter(self, record: logging.LogRecord) -> bool:
        update_id = logcontext.update_id.get()
        if update_id is not None and not hasattr(record, "update_id"):
            record.update_id = update_id
        ticket = logcontext.ticket.get()
        if ticket is not None and not hasattr(record, "ticket"):
            record.ticket = ticket
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, then the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(extra_fields(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def make_handler(
    format: Literal["plain", "json"] = "plain", stream: Any = None
) -> logging.Handler:
    """A stream handler (stderr by default) in `format`, with the context and redaction."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if format == "json" else logging.Formatter(PLAIN_FORMAT))
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter())
    return handler


CHATTY_LIBRARIES = ("apscheduler", "telegram.ext")


def configure_logging(level: str, format: Literal["plain", "json"] = "plain") -> None:
    """Send every log line to stderr in `format`; httpx never logs a request URL, which
    carries the bot token."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.addHandler(make_handler(format))
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The scheduler says two lines for every job run and PTB one for each start and stop:
    # an idle desk would write a line a second. Their warnings still come; DEBUG shows all.
    chatter = logging.NOTSET if logging.getLevelName(level) == logging.DEBUG else logging.WARNING
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(chatter)
