"""The build cache's values as bytes that decode to values of a few known types, and to nothing else.

pickle and marshal make whatever objects their bytes name: a crafted cache file would run code
in the build (a poisoned CI cache, in the publish job). Here a value is encoded by the Shape of
the type it is declared with (Codec(tp)): a NamedTuple or dataclass among those register()ed
as its fields, a date as ISO text, a path as text, tuples, lists and dicts as what they hold,
in MessagePack. Decoding makes only those types, checks the type of every value, and raises
Malformed for anything else.

Values are kept by column: a list of records is one list per field (a list of every post's title,
another of their dates ...), so the types of a column are checked in one pass in C, not one
value at a time: every build loads every post's entry, and a one-post edit must stay under a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import types
import typing
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import msgpack

T = TypeVar("T")
_records: dict[type, frozenset[str]] = {}  # registered class -> its shared fields
_shared: dict[Any, Any] = {}  # a value of a shared field -> the one object that holds it


class Malformed(ValueError):
    """Bytes that are not a value of the declared type."""


class Shape(NamedTuple):
    """How a column of values of one type is kept: encode(values) -> column, decode(column) -> values."""

    encode: Callable[[Sequence[Any]], Any]
    decode: Callable[[Any], Sequence[Any]]


class Codec(Generic[T]):
    """Values of type tp <-> bytes."""

    def __init__(self, tp: Any) -> None:
        self.shape = shape(tp)

    def encode(self, value: T) -> bytes:
        data: bytes = msgpack.packb(self.shape.encode([value]), use_bin_type=True)
        return data

    def decode(self, data: bytes | memoryview) -> T:
        """The value, or Malformed."""
        try:
            values = self.shape.decode(msgpack.unpackb(data, use_list=False, raw=False))
        except (ValueError, TypeError, OverflowError, msgpack.UnpackException) as err:
            raise Malformed(str(err)) from None
        if len(values) != 1:
            raise Malformed("not one value")
        value: T = values[0]
        return value


def register(cls: type, shared: Iterable[str] = ()) -> None:
    """A NamedTuple or dataclass that a Codec may make: its fields' types are declared, and kept so.

    shared: fields whose values many records repeat (a source, a list of topics): each value is made
    one object, however many records hold it and however many times they are decoded.
    """
    if not (dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))):
        raise TypeError(f"{cls.__name__} is neither a NamedTuple nor a dataclass")
    _records[cls] = frozenset(shared)


def shared(value: T) -> T:
    """The one object kept for every value equal to value (see register())."""
    kept: T = _shared.setdefault(value, value)
    return kept


@functools.cache
def shape(tp: Any) -> Shape:
    """The Shape of a declared type: str, int, float, bool, bytes, a date, a Path, any of them or None,
    a tuple, a list or a dict of shapes, or a registered record."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in args if a is not type(None)]
        if len(kinds) != 1 or kinds[0] not in _PLAIN:
            raise TypeError(f"no shape for {tp!r}: only a plain type may be optional")
        return _PLAIN[kinds[0]](True)
    if tp in _PLAIN:
        return _PLAIN[tp](False)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(shape(args[0]), args[0], tuple)
    if origin is tuple:
        return _fixed([shape(a) for a in args])
    if origin is list:
        return _sequence(shape(args[0]), args[0], list)
    if origin is dict:
        return _dict(shape(args[0]), shape(args[1]))
    if tp in _records:
        return _record(tp)
    raise TypeError(f"no shape for {tp!r}: register() the class, or declare its type")


def _each(method: Callable[[Any], Any], values: Iterable[Any]) -> None:
    """method(value) for every value, in C: a method of a type raises TypeError for a value of another."""
    deque(map(method, values), 0)


def _column(column: Any) -> tuple[Any, ...]:
    if type(column) is not tuple:
        raise Malformed("not a column")
    return column


def _checked(check: Callable[[Iterable[Any]], Any], blank: Any) -> Callable[[bool], Shape]:
    """The Shape of a type MessagePack keeps as it is, told by check(values) raising TypeError; None, if
    optional, is checked as blank."""

    def make(optional: bool) -> Shape:
        nones = {None: blank}

        def decode(column: Any) -> Sequence[Any]:
            values = _column(column)
            check(map(nones.get, values, values) if optional else values)
            return values

        return Shape(list, decode)

    return make


def _dates(optional: bool) -> Shape:
    """Dates and times (a date field may hold either) as columns of their parts: what each value is (see
    _DATE_KINDS), its year, month, day, hour, minute, second and microsecond, and its offset from UTC in
    microseconds. A column of times with offsets, the common case, is made again in C, each offset's time
    zone one object (the YAML parser makes one per date, and making them all again would be slow)."""

    def encode(values: Sequence[dt.date | None]) -> list[list[int]]:
        return (
            [list(column) for column in zip(*map(_date_parts, values), strict=True)]
            if values
            else [[] for _ in range(9)]
        )

    def decode(column: Any) -> Sequence[dt.date | None]:
        if type(column) is not tuple or len(column) != 9:
            raise Malformed("not a column of dates")
        kinds, *parts = map(_column, column)
        _each(int.bit_length, chain.from_iterable(column))
        if len(set(map(len, column))) > 1 or not set(kinds) <= (_DATE_KINDS if optional else _DATE_KINDS - {0}):
            raise Malformed("not a column of dates")
        if set(kinds) == {3}:
            for micros in set(parts[7]):
                _zone(micros)
            return list(map(dt.datetime, *parts[:7], map(_zones.__getitem__, parts[7])))
        return list(map(_date, kinds, *parts))

    return Shape(encode, decode)


_DATE_KINDS = {0, 1, 2, 3}  # None, a date, a time without an offset, a time with one
_zones: dict[int, dt.timezone] = {}


def _date_parts(value: dt.date | None) -> tuple[int, ...]:
    if value is None:
        return (0, 0, 0, 0, 0, 0, 0, 0, 0)
    if not isinstance(value, dt.datetime):
        return (1, value.year, value.month, value.day, 0, 0, 0, 0, 0)
    offset = value.utcoffset()
    kind, micros = (2, 0) if offset is None else (3, offset // dt.timedelta(microseconds=1))
    return (kind, value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, micros)


def _zone(micros: int) -> dt.timezone:
    """The one time zone object kept for an offset (a time zone is its offset: parse_date() makes them so)."""
    zone = _zones.get(micros)
    if zone is None:
        zone = _zones[micros] = dt.timezone(dt.timedelta(microseconds=micros))
    return zone


def _date(
    kind: int, year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int, offset: int
) -> dt.date | None:
    if kind == 0:
        return None
    if kind == 1:
        return dt.date(year, month, day)
    return dt.datetime(year, month, day, hour, minute, second, micro, None if kind == 2 else _zone(offset))


def _paths(optional: bool) -> Shape:
    def encode(values: Sequence[Path | None]) -> list[str | None]:
        return [None if v is None else str(v) for v in values]

    def decode(column: Any) -> Sequence[Path | None]:
        values = _column(column)
        "".join(map({None: ""}.get, values, values) if optional else values)
        return [None if v is None else Path(v) for v in values]

    return Shape(encode, decode)


_PLAIN: dict[Any, Callable[[bool], Shape]] = {
    str: _checked("".join, ""),
    bytes: _checked(b"".join, b""),
    int: _checked(functools.partial(_each, int.bit_length), 0),
    float: _checked(math.fsum, 0.0),  # an int where a float is declared is a number all the same
    bool: _checked(functools.partial(_each, bool.__repr__), False),
    dt.date: _dates,
    dt.datetime: _dates,
    Path: _paths,
}


def _sequence(item: Shape, item_type: Any, kind: type) -> Shape:
    """tuple[X, ...] or list[X]: a plain X's column of tuples as it is; any other X's items in one column,
    with each value's length."""
    plain = item_type in _PLAIN and item_type not in (dt.date, dt.datetime, Path)

    if plain:

        def decode_plain(column: Any) -> Sequence[Any]:
            values = _column(column)
            _each(tuple.__len__, values)
            item.decode(tuple(chain.from_iterable(values)))
            return values if kind is tuple else list(map(list, values))

        return Shape(list, decode_plain)

    def encode(values: Sequence[Sequence[Any]]) -> list[Any]:
        return [list(map(len, values)), item.encode(list(chain.from_iterable(values)))]

    def decode(column: Any) -> Sequence[Any]:
        lengths, items = _pair(column)
        made = item.decode(items)
        if sum(_lengths(lengths)) != len(made):
            raise Malformed("lengths")
        if not made:
            return [kind()] * len(lengths) if kind is tuple else [[] for _ in lengths]
        rest = iter(made)
        return [kind(islice(rest, n)) for n in lengths]

    return Shape(encode, decode)


def _lengths(column: Any) -> tuple[int, ...]:
    """A column of lengths: ints, none negative."""
    lengths = _column(column)
    _each(int.bit_length, lengths)
    if min(lengths, default=0) < 0:
        raise Malformed("a negative length")
    return lengths


def _pair(column: Any) -> tuple[Any, Any]:
    if type(column) is not tuple or len(column) != 2:
        raise Malformed("not a pair of columns")
    return column[0], column[1]


def _columns(parts: list[Shape], values: Sequence[Sequence[Any]]) -> list[Any]:
    """Values of n fields each as n columns."""
    fields = list(zip(*values, strict=True)) if values else [()] * len(parts)
    return [part.encode(field) for part, field in zip(parts, fields, strict=True)]


def _decoded(parts: list[Shape], column: Any) -> list[Sequence[Any]]:
    """The n columns of a column of n-field values, decoded, of one length."""
    if type(column) is not tuple or len(column) != len(parts):
        raise Malformed("not a column of records")
    fields = [part.decode(field) for part, field in zip(parts, column, strict=True)]
    if len(set(map(len, fields))) > 1:
        raise Malformed("columns of different lengths")
    return fields


def _fixed(parts: list[Shape]) -> Shape:
    """tuple[A, B, C]."""

    def encode(values: Sequence[Sequence[Any]]) -> list[Any]:
        return _columns(parts, values)

    def decode(column: Any) -> Sequence[Any]:
        return list(zip(*_decoded(parts, column), strict=True))

    return Shape(encode, decode)


def _dict(keys: Shape, values: Shape) -> Shape:
    """dict[K, V]: every dict's keys in one column and values in another, with each dict's length."""

    def encode(dicts: Sequence[dict[Any, Any]]) -> list[Any]:
        return [
            list(map(len, dicts)),
            keys.encode(list(chain.from_iterable(dicts))),
            values.encode(list(chain.from_iterable(d.values() for d in dicts))),
        ]

    def decode(column: Any) -> Sequence[dict[Any, Any]]:
        if type(column) is not tuple or len(column) != 3:
            raise Malformed("not a column of dicts")
        lengths = _lengths(column[0])
        found, held = keys.decode(column[1]), values.decode(column[2])
        if sum(lengths) != len(found) or len(found) != len(held):
            raise Malformed("lengths")
        rest, more = iter(found), iter(held)
        made = [dict(zip(islice(rest, n), islice(more, n), strict=True)) for n in lengths]
        if list(map(len, made)) != list(lengths):
            raise Malformed("a key twice")
        return made

    return Shape(encode, decode)


def _record(cls: type) -> Shape:
    """A registered NamedTuple or dataclass, as a column per field."""
    hints = typing.get_type_hints(cls)
    names: tuple[str, ...] = (
        tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else cls._fields  # type: ignore[attr-defined]
    )
    parts = [shape(hints[name]) for name in names]
    shared = [i for i, name in enumerate(names) if name in _records[cls]]
    make = _maker(cls, names)

    def encode(values: Sequence[Any]) -> list[Any]:
        if not issubclass(cls, tuple):
            values = [tuple(getattr(v, name) for name in names) for v in values]
        return _columns(parts, values)

    def decode(column: Any) -> Sequence[Any]:
        fields = _decoded(parts, column)
        for i in shared:
            fields[i] = list(map(_shared.setdefault, fields[i], fields[i]))
        return make(fields)

    return Shape(encode, decode)


def _maker(cls: type, names: tuple[str, ...]) -> Callable[[list[Sequence[Any]]], list[Any]]:
    """How to make cls's values from its columns: a NamedTuple as tuple.__new__ makes it (in C), a frozen
    dataclass as pickle makes one (its fields set at once: its __init__ sets them one by one)."""
    if issubclass(cls, tuple):
        new = functools.partial(tuple.__new__, cls)
        return lambda fields: list(map(new, zip(*fields, strict=True)))
    if issubclass(cls, BaseException) or hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        return lambda fields: [cls(*values) for values in zip(*fields, strict=True)]

    def made(fields: list[Sequence[Any]]) -> list[Any]:
        found = []
        for values in zip(*fields, strict=True):
            value = object.__new__(cls)
            value.__dict__.update(zip(names, values, strict=True))
            found.append(value)
        return found

    return made
