"""config.yaml, loaded into a typed model.

Unknown keys and wrong types are refused with the key's dotted name in the message; relative
paths resolve against the folder of the config file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse, urlsplit, urlunsplit

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from podsift.tasks.core.errors import ConfigError, redact_credentials

DEFAULT_CONFIG_NAME = "config.yaml"
CONFIG_ENV = "PODSIFT_CONFIG"


# Upper bounds keep a setting within what the clocks and sockets it reaches accept: an
# infinite or astronomically large timeout fails every feed with an OverflowError from time_t.
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S


def _not_blank(value: object) -> object:
    """An empty path is a mistake (a template's unset variable), not "the config's folder"."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("the path is empty; name a file or folder (or leave the key out)")
    return value


# Paths are written as strings in YAML; a strict model would refuse them.
ConfigPath = Annotated[Path, Strict(False), BeforeValidator(_not_blank)]


class _Strict(BaseModel):
    """Unknown keys, NaN/inf and wrong types are refused, not coerced (`true` is no 1, `'3'` no 3);
    an int where a float is expected is still a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class FeedConfig(_Strict):
    url: str
    name: str | None = None

    @field_validator("url")
    @classmethod
    def _url_or_path(cls, value: str) -> str:
        value = value.strip()
        scheme = urlparse(value).scheme.lower()
        if scheme in ("http", "https"):
            if not urlparse(value).netloc:
                raise ValueError(f"{value!r} is not a valid URL (no host)")
            from podsift.tasks.core.http import url_problem  # httpx: only when a URL is given

            problem = url_problem(value)
            if problem:
                raise ValueError(f"{value!r} is not a valid URL ({problem})")
            return value
        if scheme == "file" or scheme == "" or len(scheme) == 1:  # len 1: a Windows drive
            if not value:
                raise ValueError("feed url is empty")
            return value
        raise ValueError(f"{value!r} is neither an http(s) URL nor a file path")


class ScheduleConfig(_Strict):
    cron: str = "0 6 * * *"  # checked by `podsift serve` with Prefect's own parser
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}: use an IANA name such as UTC or Europe/Paris"
            ) from None
        return value


class WhisperConfig(_Strict):
    model: str = Field("tiny.en", description="a faster-whisper model name or a local path")
    compute_type: Literal["int8", "int8_float32", "int16", "float16", "float32", "default"] = "int8"
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    language: str | None = "en"
    # Defaults measured in bench/transcribe.py (docs/benchmarks.md): beam 5 keeps bare
    # faster-whisper's accuracy; narrower beams cost 1.5-2.5 WER points on tiny.en.
    beam_size: int = Field(5, ge=1, le=10)
    batch_size: int = Field(2, ge=0, le=64, description="0 disables batched inference")
    vad_filter: bool = True
    cpu_threads: int = Field(
        1, ge=0, le=256, description="threads per worker; 0 lets CTranslate2 choose"
    )
    num_workers: int = Field(
        0, ge=0, le=64, description="windows decoded at once; 0 = one per CPU core"
    )
    word_timestamps: bool = True
    without_timestamps: bool = Field(
        True, description="batched decoding emits no timestamp tokens; word times still come"
    )
    chunk_length: int = Field(30, ge=5, le=30, description="seconds per batched window")
    max_seconds_per_episode: float = Field(1800.0, gt=0, le=DAY_S)
    use_publisher_transcripts: bool = True

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        """Whisper knows a fixed set of language codes; any other fails every episode."""
        if value is None:
            return None
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        code = value.strip().lower()
        if code not in _LANGUAGE_CODES:
            raise ValueError(
                f"unknown language {value!r}: expected a Whisper language code such as en, de "
                f"or fr, or null to detect it (one of {', '.join(sorted(_LANGUAGE_CODES))})"
            )
        return code

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        """A typo in the model name would fail every episode (and use up its attempts)."""
        value = value.strip()
        if not value:
            raise ValueError("model is empty: name a faster-whisper model, e.g. tiny.en")
        if value == "tiny.en" or "/" in value or "\\" in value or value.startswith(("~", ".")):
            return value  # the bundled model, a path (checked in parse_config) or a hub repo id
        from faster_whisper.utils import available_models

        names = available_models()
        if value not in names:
            raise ValueError(
                f"unknown model {value!r}: expected one of {', '.join(names)}, a Hugging Face "
                "repo id (owner/name) or a local model folder"
            )
        return value


class DownloadConfig(_Strict):
    max_bytes: int = Field(500 * 1024 * 1024, gt=0, le=2**40, description="at most 1 TiB")
    timeout_s: float = Field(60.0, gt=0, le=DAY_S)
    retries: int = Field(3, ge=0, le=10)


class LLMConfig(_Strict):
    base_url: str
    model: str
    api_key_env: str | None = Field(None, description="environment variable holding the key")
    timeout_s: float = Field(60.0, gt=0, le=DAY_S)


class AdsConfig(_Strict):
    detector: Literal["learned", "rules"] = Field(
        "learned",
        description="learned: fitted on real labelled episodes; rules: the rule-based reading",
    )


class FactsConfig(_Strict):
    backend: Literal["offline", "llm"] = "offline"
    max_facts: int | None = Field(None, ge=1)
    llm: LLMConfig | None = None

    @model_validator(mode="after")
    def _llm_named(self) -> FactsConfig:
        if self.backend == "llm" and self.llm is None:
            raise ValueError("backend 'llm' needs an llm: {base_url, model} section")
        return self


class RunnerConfig(_Strict):
    kind: Literal["thread", "dask"] = "thread"
    max_workers: int = Field(2, ge=1, le=64)
    dask_address: str | None = None


class PublishConfig(_Strict):
    """The ad-free copy of each episode and the feeds `podsift publish` writes."""

    ad_free_audio: bool = Field(
        True, description="write an ad-free copy of each episode's audio under data_dir"
    )
    dir: ConfigPath = Field(Path("data/publish"), description="where `podsift publish` writes")
    base_url: str | None = Field(
        None, description="the URL `dir` is served at; None: http://host:port/ of `serve`"
    )
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Config(_Strict):
    feeds: list[FeedConfig] = Field(default_factory=list)
    warehouse: ConfigPath = Path("data/warehouse.duckdb")
    data_dir: ConfigPath = Path("data")
    schedule: ScheduleConfig = ScheduleConfig()
    whisper: WhisperConfig = WhisperConfig()
    download: DownloadConfig = DownloadConfig()
    ads: AdsConfig = AdsConfig()
    facts: FactsConfig = FactsConfig()
    runner: RunnerConfig = RunnerConfig()
    publish: PublishConfig = PublishConfig()
    max_episodes_per_feed: int | None = Field(
        None, ge=1, le=1_000_000, description="newest N items per feed; None takes all"
    )
    max_attempts: int = Field(
        3, ge=1, le=1000, description="failed episodes are retried this often"
    )
    keep_audio: bool = Field(False, description="keep downloaded audio after transcription")
    warehouse_wait_s: float = Field(
        1800.0,
        ge=0,
        le=WEEK_S,
        description="how long a run's loads wait, in all, for a warehouse another process "
        "holds; what is left then loads on the next run",
    )
    # Where the config came from, and what loading it noticed; set by load_config, not by the
    # file.
    base_dir: ConfigPath = Path(".")
    warnings: tuple[str, ...] = ()


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME)


_FEED_SHAPE = "each feed is '- url: ...' with an optional 'name: ...' below it"


def _kind(value: object) -> str:
    """How YAML wrote a value, for messages: 'a string ('http://...')', 'a list', ..."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = first["loc"]
    key = ".".join(str(p) for p in loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if first["type"] == "missing":
        return f"missing key '{key}'"
    got = _kind(first.get("input"))
    is_feed = len(loc) == 2 and loc[0] == "feeds"
    if first["type"] in ("model_type", "dict_type", "model_attributes_type"):
        hint = f"; {_FEED_SHAPE}" if is_feed else ""
        return f"bad value for '{key}': expected a mapping of keys, got {got}{hint}"
    if first["type"] == "path_type":
        return f"bad value for '{key}': expected a path, got {got}"
    if first["type"] == "list_type":
        hint = f" ({_FEED_SHAPE})" if key == "feeds" else ""
        return f"bad value for '{key}': expected a list{hint}, got {got}"
    expected = _EXPECTED.get(first["type"])
    if expected:
        return f"bad value for '{key}': expected {expected}, got {got}"
    if first["type"] in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = str(first["msg"]).removeprefix("Input should be ")
        return f"bad value for '{key}': expected a number {bound}, got {got}"
    msg = str(first["msg"]).removeprefix("Value error, ")
    return f"bad value for '{key}': {msg}"


# What a wrong-typed value should have been, by pydantic's error type.
_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
}


def _resolve(base: Path, path: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else (base / path).resolve()


_ENV_REFERENCE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def _expand_env(value: str, key: str, origin: str) -> str:
    """`$NAME` and `${NAME}` in a path setting replaced by the environment variable's value.

    Without this, `warehouse: $HOME/podsift.duckdb` made a folder literally named `$HOME`
    beside the config file and put the warehouse in it.

    Raises:
        ConfigError: a variable that is not set, naming the key.
    """

    def value_of(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        if name not in os.environ:
            raise ConfigError(
                f"{origin}: bad value for '{key}': environment variable ${name} is not set "
                f"({value!r})"
            )
        return os.environ[name]

    return _ENV_REFERENCE.sub(value_of, value) if "$" in value else value


def _feed_identity(url: str) -> str:
    """A feed location as the duplicate check compares it: scheme and host in lower case and
    the default port dropped (`HTTP://Example.org:80/f.xml` is `http://example.org/f.xml`).
    The path is kept as written: `/feed` and `/feed/` may be two documents."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    try:
        port = parts.port
    except ValueError:
        return url
    default = 80 if parts.scheme.lower() == "http" else 443
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    netloc = host if port in (None, default) else f"{host}:{port}"
    if parts.username is not None:  # credentials are case-sensitive, and stay
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _is_web_url(url: str) -> bool:
    return urlparse(url).scheme.lower() in ("http", "https")


def resolve_feed_location(url: str, base_dir: Path) -> str:
    """Return an http(s) URL unchanged, or a local feed path made absolute."""
    scheme = urlparse(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if scheme == "file":
        return str(Path(urlparse(url).path))
    return str(_resolve(base_dir, Path(url)))


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "~", "./", "../", ".\\", "..\\")) or (
        len(model) > 2 and model[1] == ":" and model[2] in "/\\"  # a Windows drive
    )


def _resolve_model(model: str, base_dir: Path, origin: str) -> str:
    """whisper.model as faster-whisper should get it: a folder made absolute, else unchanged.

    A relative folder resolves against the config file's folder like every other path; an
    `owner/name` that is no folder there is a Hugging Face repo id.

    Raises:
        ConfigError: a path-like model (absolute, `~`, `./`) that names no folder.
    """
    local = _resolve(base_dir, Path(model))
    if local.is_dir():
        return str(local)
    if _looks_like_path(model):
        raise ConfigError(
            f"{origin}: bad value for 'whisper.model': no model folder at {local} "
            "(a CTranslate2 model folder, a faster-whisper model name such as tiny.en, or an "
            "owner/name repo id)"
        )
    return model


def parse_config(data: object, base_dir: Path, *, origin: str = "config") -> Config:
    """Validate a mapping as podsift's config.

    Raises:
        ConfigError: naming the offending key.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of keys at the top level")
    for internal in ("base_dir", "warnings"):
        if internal in data:
            raise ConfigError(f"{origin}: unknown key '{internal}'")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {_describe(exc)}") from None
    base_dir = base_dir.resolve()

    def path(value: Path, key: str) -> Path:
        return _resolve(base_dir, Path(_expand_env(str(value), key, origin)))

    feeds: list[FeedConfig] = []
    warnings: list[str] = []
    first_index: dict[str, int] = {}
    for i, f in enumerate(cfg.feeds):
        written = f.url if _is_web_url(f.url) else _expand_env(f.url, f"feeds.{i}.url", origin)
        url = resolve_feed_location(written, base_dir)
        same = _feed_identity(url)
        if same in first_index:
            # The same feed twice would be polled twice per run, its name flip-flopping; one
            # poll is what the user meant.
            warnings.append(
                f"{origin}: feeds.{i} repeats the url of feeds.{first_index[same]} "
                f"({redact_credentials(url)}); "
                "it is polled once"
            )
            continue
        first_index[same] = i
        feeds.append(FeedConfig(url=url, name=f.name))
    model = _expand_env(cfg.whisper.model, "whisper.model", origin)
    whisper = cfg.whisper.model_copy(update={"model": _resolve_model(model, base_dir, origin)})
    publish = cfg.publish.model_copy(update={"dir": path(cfg.publish.dir, "publish.dir")})
    return cfg.model_copy(
        update={
            "whisper": whisper,
            "publish": publish,
            "feeds": feeds,
            "warehouse": path(cfg.warehouse, "warehouse"),
            "data_dir": path(cfg.data_dir, "data_dir"),
            "base_dir": base_dir,
            "warnings": tuple(warnings),
        }
    )


def text_line(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping.

    PyYAML keeps the last value silently: a second `feeds:` would drop every feed of the first.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            # Plain keys only: `<<` merge keys may be overridden on purpose.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key_node.value!r} appears twice (first at line {seen[key]}); the "
                    "first would be silently ignored",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


# PyYAML follows YAML 1.1, where `1e3` and `1.5e9` (no sign in the exponent) are strings; YAML
# 1.2 and every other reader take them as numbers. The strict config model refuses a string
# where a number belongs, so read them as numbers.
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate config.yaml.

    Args:
        path: the file; defaults to $PODSIFT_CONFIG, else ./config.yaml.

    Raises:
        ConfigError: missing file, bad YAML, unknown key or wrong type, naming the problem.
    """
    cfg_path = Path(path) if path else default_config_path()
    try:
        text = cfg_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {cfg_path} (pass --config PATH or set {CONFIG_ENV})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {cfg_path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = text_line(exc.object, exc.start)
        raise ConfigError(
            f"{cfg_path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at line {line}); "
            "save the file as UTF-8"
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ConfigError(
            f"{cfg_path}: invalid YAML{where}" + (f" ({problem})" if problem else "")
        ) from None
    return parse_config(data, cfg_path.parent, origin=str(cfg_path))
