"""Settings: `config.toml`, overridden by `FEEDBACK_DESK__SECTION__KEY` environment variables."""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from datetime import date, time, timedelta, tzinfo
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from domain.assignment import Mode
from domain.calendar import WEEKDAYS, BusinessCalendar, parse_hours, parse_weekdays
from domain.durations import parse_span
from domain.followup import FollowupPolicy
from domain.policy import ClockKind, SatisfactionPolicy, SlaPolicy
from domain.policy import SlaTarget as Targets
from domain.services.reporting import DigestPolicy
from domain.ticket import FeedbackType, Priority
from handlers.pacing import FloodLimits, Rate

ENV_PREFIX = "FEEDBACK_DESK__"
CONFIG_ENV = "FEEDBACK_DESK_CONFIG"
TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# The TOML file `load_settings` is reading; `Settings()` alone reads none.
_TOML_FILE: ContextVar[Path | None] = ContextVar("toml_file", default=None)


class ConfigError(Exception):
    """The configuration cannot work; `lines` name each bad key."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _read_secret(
    value: SecretStr | None, file: Path | None, key: str, hint: str
) -> tuple[str, str]:
    """A secret from the environment (`key`, e.g. "telegram.token") or from `<key>_file`;
    returns it with where it came from. ConfigError if neither gives one."""
    section, name = key.split(".")
    variable = f"{ENV_PREFIX}{section.upper()}__{name.upper()}"
    if value is not None:
        return value.get_secret_value().strip(), variable
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").strip(), f"{key}_file"
        except OSError as exc:
            raise ConfigError([f"{key}_file: cannot read it ({exc.strerror})"]) from None
    raise ConfigError([f"{key}: missing; set {variable} {hint} or {key}_file"])


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeskSection(Section):
    timezone: str = "UTC"
    languages: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en", "zh"])
    default_language: Literal["en", "zh"] = "en"
    admins: list[int] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'") from None
        return value

    @model_validator(mode="after")
    def _default_is_offered(self) -> DeskSection:
        if self.default_language not in self.languages:
            raise ValueError("default_language must be one of languages")
        return self


class TelegramSection(Section):
    token: SecretStr | None = None
    token_file: Path | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = Field(default=25, ge=1, le=50)


class WebhookSection(Section):
    url: str | None = None
    listen: str = Field(default="0.0.0.0", min_length=1)
    port: int = Field(default=8443, ge=0, le=65535)
    secret_token: SecretStr | None = None
    secret_token_file: Path | None = None
    max_connections: int = Field(default=40, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value

    @property
    def path(self) -> str:
        """The path of `url` the webhook listens on ("/" when the url has none)."""
        return urlsplit(self.url or "").path or "/"

    def secret(self) -> str:
        """The secret Telegram sends with each update; ConfigError if none or malformed."""
        value, _ = _read_secret(
            self.secret_token,
            self.secret_token_file,
            "webhook.secret_token",
            "(1-256 of A-Z, a-z, 0-9, _ and -)",
        )
        if not SECRET_SHAPE.match(value):
            raise ConfigError(
                ["webhook.secret_token: use 1-256 characters of A-Z, a-z, 0-9, _ and -"]
            )
        return value


class InstanceSection(Section):
    stop_timeout: float = Field(default=10.0, gt=0, le=300)
    standby_check: float = Field(default=1.0, gt=0, le=60)


class DatabaseSection(Section):
    url: str = "sqlite+aiosqlite:///data/feedback-desk.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value


class BusinessHoursSection(Section):
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    hours: list[str] = Field(default_factory=lambda: ["09:00-18:00"])
    holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        parse_weekdays(value)
        return value

    @field_validator("hours")
    @classmethod
    def _ranges(cls, value: list[str]) -> list[str]:
        parse_hours(value)
        return value

    @field_validator("extra_working_days")
    @classmethod
    def _not_a_holiday(cls, value: list[date], info: ValidationInfo) -> list[date]:
        both = sorted(set(value) & set(info.data.get("holidays", ())))
        if both:
            raise ValueError(f"{both[0]} is also in holidays; a day is one or the other")
        return value

    def calendar(self, timezone: tzinfo) -> BusinessCalendar:
        """The business calendar these hours make in `timezone`."""
        return BusinessCalendar.from_config(
            timezone,
            days=self.days,
            hours=self.hours,
            holidays=self.holidays,
            extra_working_days=self.extra_working_days,
        )


class DepartmentSection(Section):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
    name: str
    names: dict[Literal["en", "zh"], Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict
    )
    types: list[FeedbackType]
    staff_chat_id: int | None = None
    supervisor: int | None = None
    assignment: Mode = Mode.OFF
    ack_minutes: Annotated[int, Field(ge=0, le=10_080)] = 15


def _default_departments() -> list[DepartmentSection]:
    return [DepartmentSection(code="support", name="Customer Support", types=list(FeedbackType))]


class PrioritySection(Section):
    vip_raises: bool = True
    vip_customers: list[int] = Field(default_factory=list)


def _clock_time(value: str) -> str:
    if parse_span(value).business_days:
        raise ValueError("use clock time (like 48h or 7d), not business days")
    return value


class SlaTarget(Section):
    acknowledge: str
    resolve: str
    clock: Literal["always", "business"]

    @field_validator("acknowledge", "resolve")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_span(value)
        return value

    @field_validator("clock")
    @classmethod
    def _counts_business_days(cls, value: str, info: ValidationInfo) -> str:
        if value == "always":
            for key in ("acknowledge", "resolve"):
                if parse_span(info.data.get(key, "1h")).business_days:
                    raise ValueError(
                        f"{key} = '{info.data[key]}' counts business days, which need "
                        'clock = "business"; around the clock, write hours or days (72h, 3d)'
                    )
        return value

    def target(self) -> Targets:
        """The domain's view of this target."""
        return Targets(
            acknowledge=parse_span(self.acknowledge),
            resolve=parse_span(self.resolve),
            clock=ClockKind(self.clock),
        )


class SlaSection(Section):
    warn_fraction: float = Field(default=0.75, gt=0, lt=1)
    sweep_interval: str = "1m"
    urgent: SlaTarget = SlaTarget(acknowledge="30m", resolve="24h", clock="always")
    high: SlaTarget = SlaTarget(acknowledge="1h", resolve="24h", clock="business")
    normal: SlaTarget = SlaTarget(acknowledge="1h", resolve="3bd", clock="business")
    low: SlaTarget = SlaTarget(acknowledge="1h", resolve="5bd", clock="business")
    second_round: SlaTarget = SlaTarget(acknowledge="1h", resolve="48h", clock="always")

    _sweep_interval = field_validator("sweep_interval")(_clock_time)

    def for_priority(self, priority: Priority) -> SlaTarget:
        return getattr(self, priority.value)  # type: ignore[no-any-return]

    def to_policy(self) -> SlaPolicy:
        """The domain's view of the SLA settings."""
        return SlaPolicy(
            targets={p: self.for_priority(p).target() for p in Priority},
            second_round=self.second_round.target(),
            warn_fraction=self.warn_fraction,
            sweep_interval=parse_span(self.sweep_interval).clock,
        )


class LimitsSection(Section):
    description_max_chars: int = Field(default=4000, ge=100, le=4000)
    reference_max_chars: int = Field(default=100, ge=10, le=200)
    attachments_max: int = Field(default=10, ge=0, le=50)
    file_max_mb: int = Field(default=20, ge=1, le=2000)
    message_max_chars: int = Field(default=4000, ge=100, le=4096)
    invite_ttl: str = "48h"

    _invite_ttl = field_validator("invite_ttl")(_clock_time)

    def invite_ttl_delta(self) -> timedelta:
        """How long a staff invite link works."""
        return parse_span(self.invite_ttl).clock


class OutboxSection(Section):
    interval_seconds: float = Field(default=2.0, gt=0, le=60)
    batch_size: int = Field(default=50, ge=1, le=1000)
    max_attempts: int = Field(default=12, ge=1, le=100)
    lease_seconds: int = Field(default=120, ge=5, le=3600)
    private_chat_per_second: float = Field(default=1.0, ge=0, le=30)
    group_per_minute: float = Field(default=18, ge=0, le=600)
    overall_per_second: float = Field(default=25, ge=0, le=1000)

    def flood_limits(self) -> FloodLimits:
        """The pace the outbox keeps to, per chat and overall (0 turns a limit off)."""
        return FloodLimits(
            private_chat=Rate(self.private_chat_per_second, 3),
            group=Rate(self.group_per_minute / 60, max(1, int(self.group_per_minute))),
            overall=Rate(self.overall_per_second, max(1, int(self.overall_per_second))),
        )


class SatisfactionSection(Section):
    auto_close_after: str = "3d"
    reminder_after: str = "24h"
    expires_after: str = "7d"
    second_round_at_most: int = Field(default=3, ge=0, le=4)
    poll_after_second_round: bool = True

    _clock = field_validator("auto_close_after", "reminder_after", "expires_after")(_clock_time)

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> SatisfactionSection:
        if parse_span(self.reminder_after).clock >= parse_span(self.expires_after).clock:
            raise ValueError("reminder_after: must be shorter than expires_after")
        return self

    def to_policy(self) -> SatisfactionPolicy:
        """The domain's view of these settings."""
        return SatisfactionPolicy(
            auto_close_after=parse_span(self.auto_close_after).clock,
            reminder_after=parse_span(self.reminder_after).clock,
            expires_after=parse_span(self.expires_after).clock,
            second_round_at_most=self.second_round_at_most,
            poll_after_second_round=self.poll_after_second_round,
        )


class FollowupSection(Section):
    """A ticket waiting for its customer: the nudge, then the close (working hours; 0: never)."""

    nudge_after_hours: float = Field(default=24, ge=0, le=10_000)
    close_after_hours: float = Field(default=72, ge=0, le=10_000)

    @model_validator(mode="after")
    def _nudge_before_close(self) -> FollowupSection:
        nudge, close = self.nudge_after_hours, self.close_after_hours
        if nudge and close and close <= nudge:
            raise ValueError("close_after_hours: must be longer than nudge_after_hours")
        return self

    def to_policy(self) -> FollowupPolicy:
        """The domain's view of these settings."""
        return FollowupPolicy(
            nudge_after=timedelta(hours=self.nudge_after_hours),
            close_after=timedelta(hours=self.close_after_hours),
        )


class ReportsSection(Section):
    digest: bool = True
    digest_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    digest_time: str = "09:00"

    @field_validator("digest_time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d\d):(\d\d)", value.strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(f"'{value}' is not a time like 09:00")
        return value.strip()

    def to_policy(self) -> DigestPolicy:
        """The domain's view of these settings."""
        hours, minutes = self.digest_time.split(":")
        return DigestPolicy(
            enabled=self.digest,
            weekday=WEEKDAYS.index(self.digest_day),
            at=time(int(hours), int(minutes)),
        )


class LoggingSection(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["plain", "json"] = "plain"


class HealthSection(Section):
    enabled: bool = False
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8080, ge=0, le=65535)


class Settings(BaseSettings):
    """Every setting of the desk, with its default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        # `[sla.urgent] acknowledge = "15m"` keeps the other keys of the default target.
        nested_model_default_partial_update=True,
    )

    desk: DeskSection = Field(default_factory=DeskSection)
    telegram: TelegramSection = Field(default_factory=TelegramSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    business_hours: BusinessHoursSection = Field(default_factory=BusinessHoursSection)
    departments: list[DepartmentSection] = Field(default_factory=_default_departments)
    priority: PrioritySection = Field(default_factory=PrioritySection)
    # An instance, not a factory: partial updates of the targets merge into it (see above).
    sla: SlaSection = SlaSection()
    limits: LimitsSection = Field(default_factory=LimitsSection)
    outbox: OutboxSection = Field(default_factory=OutboxSection)
    satisfaction: SatisfactionSection = Field(default_factory=SatisfactionSection)
    followup: FollowupSection = Field(default_factory=FollowupSection)
    reports: ReportsSection = Field(default_factory=ReportsSection)
    logging: LoggingSection = Field(default_factory=LoggingSection)
    health: HealthSection = Field(default_factory=HealthSection)
    webhook: WebhookSection = Field(default_factory=WebhookSection)
    instance: InstanceSection = Field(default_factory=InstanceSection)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_TOML_FILE.get())
        return (init_settings, env_settings, toml)

    @model_validator(mode="after")
    def _routing_is_complete(self) -> Settings:
        codes = [d.code for d in self.departments]
        if len(set(codes)) != len(codes):
            raise ValueError("departments: each code must appear once")
        seen: dict[FeedbackType, str] = {}
        for department in self.departments:
            for feedback_type in department.types:
                if feedback_type in seen:
                    raise ValueError(
                        f"departments: type '{feedback_type.value}' is routed to both "
                        f"'{seen[feedback_type]}' and '{department.code}'"
                    )
                seen[feedback_type] = department.code
        missing = [t.value for t in FeedbackType if t not in seen]
        if missing:
            raise ValueError(f"departments: no department handles {', '.join(missing)}")
        return self

    def routing(self) -> dict[FeedbackType, str]:
        """Feedback type → department code."""
        return {t: d.code for d in self.departments for t in d.types}

    def token(self) -> str:
        """The bot token, from the environment or `telegram.token_file`; ConfigError if none."""
        value, source = _read_secret(
            self.telegram.token, self.telegram.token_file, "telegram.token", "(from BotFather)"
        )
        if not TOKEN_SHAPE.match(value):
            raise ConfigError([f"telegram.token: the value from {source} is not a bot token"])
        return value

    def check_mode(self) -> None:
        """Webhook mode needs the public url and the secret; ConfigError naming what's missing."""
        if self.telegram.mode != "webhook":
            return
        lines = []
        if self.webhook.url is None:
            lines.append('webhook.url: missing; telegram.mode = "webhook" needs the public url')
        try:
            self.webhook.secret()
        except ConfigError as exc:
            lines.extend(exc.lines)
        if lines:
            raise ConfigError(lines)


def _format(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "config"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{location}: {message}"


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to read: given, from FEEDBACK_DESK_CONFIG, or ./config.toml if present."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    default = Path("config.toml")
    return default if default.exists() else None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and check the settings; ConfigError with one line per problem."""
    file = config_path(path)
    if file is not None:
        if not file.exists():
            raise ConfigError([f"config: file {file} does not exist"])
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError([f"config: {file} is not valid TOML ({exc})"]) from None
        if isinstance(raw.get("telegram"), dict) and "token" in raw["telegram"]:
            raise ConfigError(
                [
                    "telegram.token: not allowed in the config file; set "
                    f"{ENV_PREFIX}TELEGRAM__TOKEN or telegram.token_file"
                ]
            )
        if isinstance(raw.get("webhook"), dict) and "secret_token" in raw["webhook"]:
            raise ConfigError(
                [
                    "webhook.secret_token: not allowed in the config file; set "
                    f"{ENV_PREFIX}WEBHOOK__SECRET_TOKEN or webhook.secret_token_file"
                ]
            )

    reset = _TOML_FILE.set(file)
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError([_format(e) for e in exc.errors()]) from None
    except SettingsError as exc:
        # An environment value that is not valid JSON where a list or table is expected.
        field = re.search(r'field "(\w+)"', str(exc))
        raise ConfigError(
            [
                f"{field.group(1) if field else 'config'}: a {ENV_PREFIX}* variable is not "
                f"valid JSON ({exc.__cause__}); write lists and tables as JSON, e.g. [1, 2]"
            ]
        ) from None
    finally:
        _TOML_FILE.reset(reset)
