"""Parameters of a problem: finite domains of numbers (whole numbers, decimals, a choice), and the grid
of their combinations that draws are made from.

Every value is exact (``int`` or ``decimal.Decimal``) and reaches the maths only as number text in our
own parser's input, never through ``eval``. A domain may be a vector (``size=n``): one value per
observation (a sample, the noise on each data point), each drawn from the same finite set. The grid is
the product of all slots, indexed in mixed radix, so a draw is one integer below ``Grid.size``.
"""
from __future__ import annotations

import decimal
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from derive.core.errors import UsageError

Number = Union[int, decimal.Decimal]
Value = Union[Number, tuple[Number, ...]]
"""A drawn value: a number, or a tuple of numbers for a vector parameter."""

MAX_VALUES = 10_000
"""At most this many values in one domain (a typo such as a step of 0.0001 is an error, not a huge grid)."""
MAX_SIZE = 1_000
"""At most this many entries in a vector parameter."""


def number(value: object, what: str) -> Number:
    """An exact number from an int, a decimal text or a float's shortest text (``0.1`` is 1/10)."""
    if isinstance(value, bool):
        raise UsageError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UsageError(f"{what}: expected a finite number, got {value!r}")
        value = repr(value)
    if isinstance(value, decimal.Decimal):
        value = str(value)
    if isinstance(value, str):
        try:
            d = decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            raise UsageError(f"{what}: expected a number, got {value!r}") from None
        if not d.is_finite():
            raise UsageError(f"{what}: expected a finite number, got {value!r}")
        return int(d) if d == d.to_integral_value() and "." not in value and "e" not in value.lower() else d
    raise UsageError(f"{what}: expected a number, got {type(value).__name__}")


def number_text(value: Number) -> str:
    """The number as plain text: ``3``, ``-2``, ``0.25`` (a decimal keeps its digits, never an exponent)."""
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class Int:
    """Whole numbers ``lo, lo + step, ..., hi`` (both ends included), without ``exclude``."""

    lo: int
    hi: int
    step: int = 1
    exclude: tuple[int, ...] = ()
    size: int | None = None

    def values(self) -> tuple[Number, ...]:
        for name in ("lo", "hi", "step"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise UsageError(f"Int.{name} must be a whole number, got {v!r}")
        if self.step <= 0:
            raise UsageError(f"Int.step must be positive, got {self.step}")
        count = (self.hi - self.lo) // self.step + 1
        if count > MAX_VALUES:
            raise UsageError(f"Int({self.lo}, {self.hi}) has {count} values, more than {MAX_VALUES}",
                             hint="narrow the range or raise the step")
        return _finish(tuple(v for v in range(self.lo, self.hi + 1, self.step) if v not in self.exclude), self)


@dataclass(frozen=True, slots=True)
class Decimal:
    """Decimals ``lo, lo + step, ..., hi`` (exact: ``Decimal("0.1", "0.9", "0.1")`` has nine values)."""

    lo: Number | str | float
    hi: Number | str | float
    step: Number | str | float
    exclude: tuple[Number | str | float, ...] = ()
    size: int | None = None

    def values(self) -> tuple[Number, ...]:
        lo, hi, step = (decimal.Decimal(number_text(number(getattr(self, n), f"Decimal.{n}")))
                        for n in ("lo", "hi", "step"))
        if step <= 0:
            raise UsageError(f"Decimal.step must be positive, got {number_text(step)}")
        count = int((hi - lo) / step) + 1
        if count > MAX_VALUES:
            raise UsageError(f"Decimal({lo}, {hi}, {step}) has {count} values, more than {MAX_VALUES}",
                             hint="narrow the range or raise the step")
        excluded = {decimal.Decimal(number_text(number(e, "Decimal.exclude"))) for e in self.exclude}
        out = [lo + k * step for k in range(max(count, 0))]
        return _finish(tuple(_tidy(v) for v in out if v <= hi and v not in excluded), self)


@dataclass(frozen=True, slots=True)
class Choice:
    """One of the listed numbers."""

    options: tuple[Number | str | float, ...]
    size: int | None = None

    def __init__(self, *options: Number | str | float, size: int | None = None) -> None:
        if len(options) == 1 and isinstance(options[0], (list, tuple)):
            options = tuple(options[0])
        object.__setattr__(self, "options", tuple(options))
        object.__setattr__(self, "size", size)

    def values(self) -> tuple[Number, ...]:
        if len(self.options) > MAX_VALUES:
            raise UsageError(f"a Choice of {len(self.options)} values, more than {MAX_VALUES}")
        seen: list[Number] = []
        for i, o in enumerate(self.options):
            v = number(o, f"Choice option {i + 1}")
            if all(v != s for s in seen):
                seen.append(v if isinstance(v, int) else _tidy(v))
        return _finish(tuple(seen), self)


Domain = Union[Int, Decimal, Choice]


def _tidy(d: decimal.Decimal) -> Number:
    return int(d) if d == d.to_integral_value() else d


def _finish(values: tuple[Number, ...], domain: Domain) -> tuple[Number, ...]:
    if not values:
        raise UsageError(f"{domain!r} has no values", hint="widen the range or remove exclusions")
    if domain.size is not None and (isinstance(domain.size, bool) or not isinstance(domain.size, int)
                                    or not 1 <= domain.size <= MAX_SIZE):
        raise UsageError(f"size must be a whole number from 1 to {MAX_SIZE}, got {domain.size!r}")
    return values


@dataclass(frozen=True, slots=True)
class Slot:
    """One coordinate of the grid: a scalar parameter, or one entry of a vector parameter."""

    name: str
    index: int | None
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Grid:
    """The finite product of the parameters' domains, indexed ``0 <= i < size`` in mixed radix."""

    domains: Mapping[str, Domain]
    slots: tuple[Slot, ...] = field(init=False)

    def __post_init__(self) -> None:
        slots: list[Slot] = []
        for name in sorted(self.domains):
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                raise UsageError(f"parameter name {name!r}: use letters, digits and _ (a letter first)")
            dom = self.domains[name]
            if not isinstance(dom, (Int, Decimal, Choice)):
                raise UsageError(f"parameter {name}: expected Int, Decimal or Choice, got {type(dom).__name__}")
            vals = dom.values()
            if dom.size is None:
                slots.append(Slot(name, None, vals))
            else:
                slots.extend(Slot(name, k, vals) for k in range(dom.size))
        object.__setattr__(self, "slots", tuple(slots))

    @property
    def size(self) -> int:
        return math.prod(len(s.values) for s in self.slots)

    def at(self, index: int) -> dict[str, Value]:
        """The parameters at grid point ``index``."""
        if not 0 <= index < self.size:
            raise UsageError(f"grid index {index} outside 0..{self.size - 1}")
        scalars: dict[str, Number] = {}
        vectors: dict[str, list[Number]] = {}
        for slot in reversed(self.slots):
            index, k = divmod(index, len(slot.values))
            if slot.index is None:
                scalars[slot.name] = slot.values[k]
            else:
                vectors.setdefault(slot.name, []).insert(0, slot.values[k])
        out: dict[str, Value] = dict(scalars)
        out.update({n: tuple(v) for n, v in vectors.items()})
        return dict(sorted(out.items()))


def fixed(values: Mapping[str, Value]) -> Iterator[tuple[str, Value]]:
    """Fixed parameter values checked as exact numbers (an override of a domain by one value)."""
    for name, v in values.items():
        if isinstance(v, (list, tuple)):
            yield name, tuple(number(x, f"parameter {name}") for x in v)
        else:
            yield name, number(v, f"parameter {name}")


def as_domain(spec: Domain | Number | Sequence[Number]) -> Domain:
    """A domain from a domain, or a fixed value (one-value Choice)."""
    if isinstance(spec, (Int, Decimal, Choice)):
        return spec
    if isinstance(spec, (list, tuple)):
        raise UsageError("a list of values is ambiguous: write Choice(...) for one of them")
    if isinstance(spec, (int, float, str, decimal.Decimal)):
        return Choice(spec)
    raise UsageError(f"a parameter is Int, Decimal, Choice or a number, not {type(spec).__name__}")
