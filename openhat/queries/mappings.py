"""Mappings: reshaping a record's data into the format an app asked for (spec 3.13).

A mapping is an object whose keys are destination paths and whose values say where to read:
a source path (`"data.newField": "hometown.name"`), or for arrays
`"items[]": {"source": "list[]", "mappings": {...}}` (each element mapped with the inner
mapping). The output holds only mapped fields; a missing source leaves its destination out;
destinations deep-merge. Paths are dot-separated keys, each optionally followed by `[n]` (an
array index) or `[]`.

Mappings are compiled when a combinator or bundle is registered, so a malformed one is a 400
then (decisions doc #7), instead of an empty `data` at read time as in the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_SEGMENT = re.compile(r"([^.\[\]]+)(\[([0-9]*)\])?")  # ASCII: int() reads other digits


class MappingError(ValueError):
    """Why a mapping cannot be compiled; the message names the offending key."""


@dataclass(frozen=True)
class Step:
    key: str
    index: int | None = None  # `[n]`
    each: bool = False  # `[]`


@dataclass(frozen=True)
class Copy:
    destination: tuple[str, ...]
    source: tuple[Step, ...]


@dataclass(frozen=True)
class Nested:
    """`{"source": ..., "mappings": ...}`: map the object at `source` (or, with `each`, every
    element of the array there) with `mapping`."""

    destination: tuple[str, ...]
    source: tuple[Step, ...]
    mapping: Mapping
    each: bool


Entry = Copy | Nested


@dataclass(frozen=True)
class Mapping:
    entries: tuple[Entry, ...]
    raw: dict[str, Any]

    def source_of(self, destination: str) -> tuple[str, ...] | None:
        """The source path (as storage path keys) of the entry whose destination is exactly
        `destination`: what `orderBy` sorts by when it names a mapped field (spec 3.13)."""
        for entry in self.entries:
            if entry.destination and ".".join(entry.destination) == destination.removesuffix(
                    "[]"):
                return storage_path(entry.source)
        return None

    def apply(self, data: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for entry in self.entries:
            value = pick(data, entry.source)
            if value is _MISSING:
                continue
            if isinstance(entry, Nested):
                if entry.each:
                    if not isinstance(value, list):
                        continue
                    value = [entry.mapping.apply(item) for item in value]
                else:
                    value = entry.mapping.apply(value)
            merge(out, build(entry.destination, value))
        return out


def parse_path(text: str) -> tuple[Step, ...]:
    """`a.b[1].c[]` → steps. Raises MappingError for empty segments or stray brackets."""
    steps = []
    for segment in text.split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            raise MappingError(f"invalid path {text!r}: segment {segment!r} is not a key, a"
                               " key[n] or a key[]")
        index = match.group(3)
        steps.append(Step(match.group(1), int(index) if index else None,
                          match.group(2) == "[]"))
    return tuple(steps)


def storage_path(steps: tuple[Step, ...]) -> tuple[str, ...]:
    """Steps as the key path a store sorts by (an index becomes a digit key)."""
    keys: list[str] = []
    for step in steps:
        keys.append(step.key)
        if step.index is not None:
            keys.append(str(step.index))
    return tuple(keys)


def compile_mapping(raw: Any) -> Mapping:
    """Check and compile a mapping object. Raises MappingError naming what is wrong."""
    if not isinstance(raw, dict):
        raise MappingError("a mapping must be a JSON object")
    if not raw:
        raise MappingError("a mapping must map at least one field")
    entries: list[Entry] = []
    for key, value in raw.items():
        destination = parse_path(key)
        if any(step.index is not None for step in destination) or any(
                step.each for step in destination[:-1]):
            raise MappingError(f"invalid destination {key!r}: only the last segment may end"
                               " with [] and none may index an array")
        keys = tuple(step.key for step in destination)
        if isinstance(value, str):
            entries.append(Copy(keys, parse_path(value)))
        elif isinstance(value, dict):
            entries.append(_nested(key, keys, value, destination[-1].each))
        else:
            raise MappingError(f"invalid mapping for {key!r}: expected a source path or an"
                               " object with source and mappings")
    return Mapping(tuple(entries), raw)


def _nested(key: str, keys: tuple[str, ...], value: dict[str, Any], each: bool) -> Nested:
    source = value.get("source")
    inner = value.get("mappings")
    if not isinstance(source, str) or not isinstance(inner, dict):
        raise MappingError(f"invalid mapping for {key!r}: an object mapping needs a string"
                           " source and a mappings object")
    try:
        mapping = compile_mapping(inner)
    except MappingError as exc:
        raise MappingError(f"in the mappings of {key!r}: {exc}") from None
    return Nested(keys, parse_path(source), mapping, each)


class _Missing:
    pass


_MISSING: Any = _Missing()


def pick(data: Any, steps: tuple[Step, ...]) -> Any:
    """The value at `steps`, or _MISSING (a null value is a value)."""
    for step in steps:
        if not isinstance(data, dict) or step.key not in data:
            return _MISSING
        data = data[step.key]
        if step.index is not None:
            if not isinstance(data, list) or step.index >= len(data):
                return _MISSING
            data = data[step.index]
    return data


def build(destination: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    for key in destination[:-1]:
        node[key] = {}
        node = node[key]
    node[destination[-1]] = value
    return out


def merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Deep merge: objects merge key by key, anything else is replaced by `other`'s value."""
    for key, value in other.items():
        mine = into.get(key)
        if isinstance(mine, dict) and isinstance(value, dict):
            merge(mine, value)
        else:
            into[key] = value
