"""Scenario schema, loading, validation and dotted overrides.

A scenario is a TOML file. Every parameter has a type, a unit, a range, a default and a
source (see :mod:`sim.core.params`); unknown keys, wrong types and out-of-range values raise
:class:`ScenarioError`, whose message names the file, the field and what was expected. The
CLI turns that error into exit code 2.

Sources quoted below: "article" is ``shared/seed-article.txt`` (late October 2024);
"reported" figures are those in ``shared/sources.md`` with who reported them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
import reprlib
import tomllib
import unicodedata
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.core.moves import Inject, Policy
from sim.core.params import STRICT, Section, did_you_mean, param
from sim.core.parts import PARTS, STORED_SECTIONS, in_stored_order
from sim.errors import ScenarioError

MAX_SCENARIO_BYTES = 1_000_000
"""Largest scenario file read (the bundled ones are a few kB): a bigger file is refused at
once instead of being parsed for minutes."""
MAX_DEPTH = 16
"""Deepest nesting of tables and lists a scenario may have (the schema needs 4)."""
MAX_ERRORS_SHOWN = 6
"""Problems listed in one message; the rest are counted (a file with hundreds of unknown
keys gets a short message)."""
MAX_NAME_LENGTH = 80
"""Longest scenario name: it becomes a folder name (results/<name>-<seed>)."""

class SweepRange(BaseModel):
    """An uncertain parameter's plausible range: ``low``/``high`` (numbers) or ``values``."""

    model_config = ConfigDict(**STRICT, defer_build=True)  # built when first used alone

    low: float | None = None
    high: float | None = None
    levels: int | None = None
    values: list[str | float | int] | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _no_booleans(cls, v: Any) -> Any:
        if isinstance(v, list) and any(isinstance(x, bool) for x in v):
            raise ValueError(f"values: expected numbers or text, got {_short(v)}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> SweepRange:
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low/high or values, not both")
            if not self.values:
                raise ValueError("values must not be empty")
            if len({isinstance(v, str) for v in self.values}) > 1:
                raise ValueError(f"values mix text and numbers: {_short(self.values)}")
            return self
        if self.low is None or self.high is None:
            raise ValueError("expected low and high (numbers) or values (a list)")
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        if self.levels is not None and self.levels < 2:
            raise ValueError("levels must be at least 2")
        return self


SECTIONS: dict[str, type[Section]] = dict(in_stored_order(
    ((part.section, part.params) for part in PARTS), lambda item: item[0], STORED_SECTIONS))
"""Every section a scenario has, by name: one per part of the model (:mod:`sim.core.parts`)."""


class Scenario(BaseModel):
    """One complete, validated scenario: the horizon and calendar, one section per part of
    the model (:data:`SECTIONS`), then the uncertainties (``sweep``), the choices
    (``levers``, ``policies``) and the moves (``inject``). The order of the fields is part
    of a scenario's hash (:mod:`sim.core.parts`)."""

    model_config = STRICT

    name: str = "defaults"
    description: str = ""
    weeks: int = param(
        52, ge=1, le=520, unit="weeks", kind="assumption",
        source="design: about a year from late October 2024",
        doc="Horizon of a run: the last week it plays (weeks 0 to weeks: 52 plays a year "
        "and a week).",
    )
    start_date: str = param(
        "2024-10-28", unit="date", kind="article",
        source="article: late October 2024", doc="Calendar date of week 0.",
    )
    # One field per section, declared from the registry in this place of the class body
    # (a class body's namespace is a plain dict, so this is as if written out by hand).
    for _section, _cls in SECTIONS.items():
        __annotations__[_section] = _cls
        locals()[_section] = Field(default_factory=_cls)
    del _section, _cls
    sweep: dict[str, SweepRange] = Field(default_factory=dict)
    levers: dict[str, SweepRange] = Field(default_factory=dict)
    policies: dict[str, Policy] = Field(default_factory=dict)
    inject: list[Inject] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_moves(self) -> Scenario:
        """Injects fire inside the horizon and change parameters a run can change; levers
        are parameters that are not also uncertainties; policies set levers."""
        start = dt.date.fromisoformat(str(self.start_date))
        injects = []
        for i, inj in enumerate(self.inject):
            try:
                inj = inj.at_week(start)
            except ValueError as exc:
                raise ValueError(f"inject[{i}]: {exc}") from None
            if inj.week >= self.weeks:
                raise ValueError(f"inject[{i}]: week {inj.week} is past the horizon "
                                 f"({self.weeks} weeks)")
            for name in inj.set:
                check_changeable(name, f"inject[{i}].set")
            injects.append(inj)
        self.inject = injects
        if any(i.set for i in injects):  # the values, applied in week order, must validate
            later: dict[str, Any] = {}
            for inj in sorted(injects, key=lambda i: i.week):
                later.update(inj.set)
            try:
                self.model_copy(update={"inject": [], "policies": {}}).with_overrides(
                    later, origin="inject")
            except ScenarioError as exc:
                msg = exc.message.removeprefix("inject: ").removeprefix("(document): ")
                raise ValueError(f"inject set (the changes, in week order): {msg}") from None
        for name in self.levers:
            check_changeable(name, "levers")
            if name in self.sweep:
                raise ValueError(f"levers: '{name}' is also in [sweep]: a parameter is either "
                                 "a choice (lever) or an uncertainty, not both")
            try:
                check_sweep_range(name, self.levers[name])
            except ValueError as exc:
                raise ValueError(f"levers: {exc}") from None
        for pname, policy in self.policies.items():
            if not _SLUG.match(pname):
                raise ValueError(f"policies: name '{pname}' must be letters, digits, '-' or "
                                 "'_'")
            for name in policy.set:
                check_changeable(name, f"policies.{pname}.set")
                if self.levers and name not in self.levers:
                    raise ValueError(f"policies.{pname}.set: '{name}' is not a lever "
                                     f"(levers: {', '.join(self.levers)})")
        return self

    @field_validator("sweep")
    @classmethod
    def _sweep(cls, v: dict[str, SweepRange]) -> dict[str, SweepRange]:
        for dotted, span in v.items():
            check_sweep_range(dotted, span)
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_slug(v)

    @field_validator("start_date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        # A TOML date (start_date = 2024-10-28, unquoted) is a date: accept it as such.
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v.isoformat()
        if isinstance(v, str):
            try:
                dt.date.fromisoformat(v)
            except ValueError as exc:
                raise ValueError("expected an ISO date such as 2024-10-28") from exc
        return v

    def with_overrides(self, overrides: dict[str, Any], origin: str = "--set") -> Scenario:
        """A copy with dotted parameters replaced, validated as if written in the file."""
        data = self.model_dump()
        for dotted, value in overrides.items():
            _set_dotted(data, dotted, value, origin)
        return validate_scenario(data, origin)

    def with_injects(self, injects: list[dict[str, Any]], origin: str = "--inject"
                     ) -> Scenario:
        """A copy with more injects (tables as in ``[[inject]]``), validated."""
        data = self.model_dump()
        data["inject"] = [*data["inject"], *injects]
        return validate_scenario(data, origin)

    def digest(self) -> str:
        """A short hash of the resolved parameters (not the file's formatting)."""
        text = self.model_dump_json(exclude={"sweep"})
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FIXED = ("weeks", "start_date")
"""Parameters a run cannot change once it started: its horizon, its calendar, its map."""


def check_changeable(name: str, where: str) -> None:
    """A parameter that injects, levers and policies may set."""
    if name not in parameter_names():
        hint = did_you_mean(name, parameter_names())
        raise ValueError(f"{where}: '{_short(name)}' is not a parameter"
                         + (f" ({hint})" if hint else ""))
    if name in _FIXED or name.startswith("front."):
        raise ValueError(f"{where}: '{name}' is fixed when a run starts (the horizon, the "
                         "calendar and the map cannot change mid-run)")


def parameter_names() -> list[str]:
    """All dotted parameter names a scenario accepts (``weeks``, ``front.sector_km2``, ...)."""
    names = ["weeks", "start_date"]
    for section, cls in SECTIONS.items():
        names += [f"{section}.{f}" for f in cls.model_fields]
    return names


def parameter_info(dotted: str) -> dict[str, Any]:
    """Type, bounds, unit, source and doc of one dotted parameter."""
    if dotted not in parameter_names():
        raise ScenarioError(f"unknown parameter '{dotted}'", hint=_suggest(dotted))
    field = _field(dotted)
    info: dict[str, Any] = {"name": dotted, "default": field.default, "doc": field.description}
    info.update(field.json_schema_extra or {})  # type: ignore[arg-type]
    info["type"] = getattr(field.annotation, "__name__", str(field.annotation))
    for meta in field.metadata:
        for bound in ("ge", "le", "gt"):
            if getattr(meta, bound, None) is not None:
                info[bound] = getattr(meta, bound)
    if "Literal" in str(field.annotation):
        info["type"] = "category"
        info["choices"] = list(field.annotation.__args__)  # type: ignore[union-attr]
    return info


def get_dotted(scenario: Scenario, dotted: str) -> Any:
    """The resolved value of a dotted parameter."""
    obj: Any = scenario
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, validate and (optionally) override a scenario file.

    Raises :class:`ScenarioError` for a missing file, bad TOML or an invalid parameter;
    nothing else escapes for any input document.
    """
    path = Path(path)
    text = read_scenario_text(path)
    scenario = parse_scenario(text, str(path), default_name=path.stem)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin=f"{path} (--set)")
    return scenario


def read_scenario_text(path: Path) -> str:
    """The text of a scenario file, refusing what is not one: a missing path, a folder, a
    device or pipe, a file over :data:`MAX_SCENARIO_BYTES`, bytes that are not UTF-8."""
    try:
        if path.is_dir():
            raise ScenarioError(f"{path}: is a folder, expected a scenario file (.toml)")
        if not path.exists():
            raise ScenarioError(f"{path}: no such scenario file")
        if not path.is_file():
            raise ScenarioError(f"{path}: not a regular file, expected a scenario file (.toml)")
        with path.open("rb") as fh:
            data = fh.read(MAX_SCENARIO_BYTES + 1)
    except ValueError as exc:  # a NUL byte in the path
        raise ScenarioError(f"{path!r}: not a usable file name ({exc})") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_SCENARIO_BYTES:,} bytes; a scenario "
                            "file is a few kB", hint="is this the right file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from None


def parse_scenario(text: str, origin: str, default_name: str = "unnamed") -> Scenario:
    """Validate a scenario from TOML text; ``origin`` names it in error messages."""
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{origin}: larger than {MAX_SCENARIO_BYTES:,} characters")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{origin}: nested more than {MAX_DEPTH} levels deep") from None
    data.setdefault("name", default_name)
    return validate_scenario(data, origin)


def _depth(data: Any) -> int:
    """How deeply tables and lists nest (iteratively: no recursion on hostile input)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(node, dict):
            stack += [(v, d + 1) for v in node.values()]
        elif isinstance(node, list):
            stack += [(v, d + 1) for v in node]
    return deepest


def validate_scenario(data: dict[str, Any], origin: str) -> Scenario:
    """Validate a nested dict, turning pydantic's errors into one readable message."""
    if _depth(data) > MAX_DEPTH:
        raise ScenarioError(f"{origin}: nested more than {MAX_DEPTH} levels deep")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, origin)) from None
    except (RecursionError, OverflowError) as exc:  # pathological nesting or numbers
        raise ScenarioError(f"{origin}: cannot read the document ({exc})") from None


def parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax where it parses (numbers, booleans), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, KeyError):
        return text


def check_slug(name: str) -> str:
    """A scenario name that is safe as a folder name: no path separator, no leading dot (so
    no ``.`` or ``..``), no ``..``, no control characters, at most
    :data:`MAX_NAME_LENGTH` characters."""
    if not name.strip():
        raise ValueError("expected a name (it names the result folder)")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"longer than {MAX_NAME_LENGTH} characters (it names the result "
                         "folder)")
    bad = [c for c in name if c in "/\\:" or unicodedata.category(c)[0] == "C"]
    if bad or name.startswith(".") or ".." in name or name != name.strip():
        shown = repr(bad[0]) if bad else "a leading dot, '..' or outer spaces"
        raise ValueError(f"{name!r} cannot name a folder ({shown}); use letters, digits, "
                         "'-' and '_'")
    return name


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``['a.b=1', ...]`` to ``{'a.b': 1}``; a malformed item raises ScenarioError."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected dotted.name=value")
        key, _, value = item.partition("=")
        out[key.strip()] = parse_value(value.strip())
    return out


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, origin: str) -> None:
    if dotted not in parameter_names():
        raise ScenarioError(
            f"{origin}: {_short(dotted)}: unknown parameter", hint=_suggest(dotted)
        )
    node = data
    *parents, leaf = dotted.split(".")
    for p in parents:
        node = node[p]
    node[leaf] = value


@functools.cache
def _sweepable() -> tuple[str, ...]:
    return tuple(n for n in parameter_names()
                 if parameter_info(n)["type"] in ("int", "float", "category"))


def sweepable_names() -> list[str]:
    """Parameters a sweep can vary: every number and every category of the schema."""
    return list(_sweepable())


def check_sweep_range(dotted: str, span: SweepRange) -> str:
    """The one check of a swept parameter (a scenario's ``[sweep]`` entry and ``--param``
    alike), driven by the schema: the name exists and can be swept, a category takes
    values among its choices, numbers stay within the parameter's bounds and have its type.
    Returns the kind to sweep it as: 'float', 'int' or 'category' (a list of values).
    Raises ValueError with a message that names the parameter."""
    if dotted not in sweepable_names():
        hint = did_you_mean(dotted, sweepable_names())
        raise ValueError(f"'{_short(dotted)}' is not a parameter that can be swept"
                         + (f" ({hint})" if hint else ""))
    info = parameter_info(dotted)
    if span.values is not None:
        for v in span.values:
            check_parameter_value(dotted, v)
        return "category"
    if info["type"] == "category":
        raise ValueError(f"{dotted} is a category: give its values, e.g. "
                         f"values = {list(info.get('choices', []))}")
    lo, hi = info.get("ge", info.get("gt", -math.inf)), info.get("le", math.inf)
    assert span.low is not None and span.high is not None
    if span.low < lo or span.high > hi or ("gt" in info and span.low <= info["gt"]):
        raise ValueError(
            f"{dotted}: range {span.low:g}:{span.high:g} leaves the parameter's bounds "
            f"{lo:g}:{hi:g}"
        )
    return info["type"]


@functools.cache
def _adapter(dotted: str) -> TypeAdapter:
    field = _field(dotted)
    annotation = (Annotated[field.annotation, *field.metadata]  # type: ignore[name-defined]
                  if field.metadata else field.annotation)
    return TypeAdapter(annotation, config=ConfigDict(strict=True, allow_inf_nan=False))


def check_parameter_value(dotted: str, value: Any) -> Any:
    """Validate one value of one parameter on its own (type and bounds, strictly); raises
    ValueError naming the parameter and what was expected."""
    try:
        return _adapter(dotted).validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"{dotted}: {_error_text(exc.errors()[0])}") from None


def _field(dotted: str) -> Any:
    if "." in dotted:
        section, name = dotted.split(".", 1)
        return SECTIONS[section].model_fields[name]
    return Scenario.model_fields[dotted]


def _short(value: Any, limit: int = 60) -> str:
    """A bounded repr of any value, however large or deeply nested."""
    r = reprlib.Repr(maxlevel=3, maxstring=limit, maxother=limit, maxlist=6, maxdict=6)
    text = r.repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit - 3] + "..."


_MESSAGES = {
    "greater_than_equal": "expected a value >= {ge}",
    "less_than_equal": "expected a value <= {le}",
    "greater_than": "expected a value > {gt}",
    "less_than": "expected a value < {lt}",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "string_type": "expected text",
    "literal_error": "expected one of {expected}",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "list_type": "expected a list",
    "missing": "missing",
}


def _error_text(err: Any) -> str:
    """One pydantic error as plain words, with the offending value (bounded)."""
    etype = err["type"]
    if etype == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
    elif etype in _MESSAGES:
        try:
            msg = _MESSAGES[etype].format(**err.get("ctx", {}))
        except (KeyError, IndexError):
            msg = err["msg"]
    else:
        msg = err["msg"]
    if etype not in ("extra_forbidden", "missing", "value_error") and "input" in err:
        got = err["input"]
        msg += f", got {_short(repr(got) if isinstance(got, str) else got)}"
    return msg


def format_errors(exc: ValidationError, origin: str) -> str:
    errors = exc.errors()
    lines = []
    for err in errors[:MAX_ERRORS_SHOWN]:
        loc = ".".join(str(p) for p in err["loc"] if p not in ("", "__root__"))
        if err["type"] == "extra_forbidden":
            hint = did_you_mean(loc, parameter_names(), n=1)
            msg = "unknown parameter" + (f" ({hint})" if hint else "")
        else:
            msg = _error_text(err)
        lines.append(f"{origin}: {_short(loc, 120) or '(document)'}: {msg}")
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(f"{origin}: ... and {len(errors) - MAX_ERRORS_SHOWN} more problems")
    return "\n".join(lines)


def _suggest(dotted: str) -> str:
    return did_you_mean(dotted, parameter_names()) or "run `wargame describe` to list them"
