"""The Parquet shards of an import run: one row per record, what a worker made of it.

A run's work folder (`sitegen import --work DIR`, by default .sitegen-cache/import/<run>/) holds
`shard-000000.parquet`, `shard-000001.parquet` ...: shard n holds the records of the run's n-th
task, in the order of the sources, so reading the shards in name order gives every record in the
order a local import settles them. A shard is written whole (beside, then renamed): a shard that
is there is complete.

Columns (SCHEMA), one row per record, whether it became a story or not:

- position (int64): the record's place in the run, counting every item of every source from 0.
- label (string): the source as the report names it: a path, a URL or warcfile#url.
- digest (string): the fingerprint of the record's bytes (convert.fingerprint); null if unreadable.
- error, skipped (string): why the record failed, or why it is no story; null otherwise. These and
  the front matter's `review` are the record's problems.
- may_link (bool): the body may link within the site (checked once the run is written).
- kind (string): the importer that read it (html, portal, post, pdf); null when not converted,
  or when its fingerprint was imported before (then nothing else is filled in).
- every front matter field of frontmatter.Meta but `copies` and `corrections` (which conversion
  never sets), as the converter gave it: title, subtitle, date and updated (ISO 8601 text: a date, or
  a date and time with the UTC offset the source gave, as the post writes it), authors (list),
  editor, source, via, source_url, original_url, categories, tags, regions, images, summary, slug
  (before it is made unique in content/), aliases, draft, review, fingerprint.
- body (string): the post's Markdown body.
- sketch_size (int64), sketch (list<uint64>): the body's MinHash sketch (dedupe.Sketch: number of
  distinct shingles, and dedupe.BINS minima; empty when the body is too short to judge).
- raw (struct): the importers.RawStory the converter read (kept for joining the pages of
  multi-page articles), with its pictures as a list of {ref, path, keep}.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sitegen import dedupe
from sitegen.commands.import_ import Extracted
from sitegen.frontmatter import Meta
from sitegen.importers import Picture, RawStory
from sitegen.importers.convert import Converted

PATTERN = "shard-*.parquet"
BATCH = 1024  # rows read at once: a shard is never held whole
_NOT_STORED = ("copies", "corrections")  # Meta fields conversion leaves empty
_SCALARS: dict[object, pa.DataType] = {
    str: pa.string(),
    bool: pa.bool_(),
    float: pa.float64(),
    int: pa.int64(),
    dt.date: pa.string(),  # ISO 8601: a date, or a date and time with the offset the source gave
    Path: pa.string(),
}


def _arrow_type(hint: object) -> pa.DataType:
    """The Arrow type of a dataclass field's annotation (X | None is X, nullable)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _arrow_type(args[0])
    if origin is tuple:
        return pa.list_(_arrow_type(args[0]))
    if dataclasses.is_dataclass(hint):
        return pa.struct(_fields(hint))
    return _SCALARS[hint]


def _fields(cls: Any, leave: Sequence[str] = ()) -> list[pa.Field]:
    hints = typing.get_type_hints(cls)
    return [pa.field(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(cls) if f.name not in leave]


_DATES = {  # the fields of Meta and RawStory typed dt.date (a datetime at times)
    name
    for cls in (Meta, RawStory)
    for name, hint in typing.get_type_hints(cls).items()
    if dt.date in typing.get_args(hint)
}
META_COLUMNS = tuple(f.name for f in dataclasses.fields(Meta) if f.name not in _NOT_STORED)
SCHEMA = pa.schema(
    [
        pa.field("position", pa.int64(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("digest", pa.string()),
        pa.field("error", pa.string()),
        pa.field("skipped", pa.string()),
        pa.field("may_link", pa.bool_()),
        pa.field("kind", pa.string()),
        *_fields(Meta, _NOT_STORED),
        pa.field("body", pa.string()),
        pa.field("sketch_size", pa.int64()),
        pa.field("sketch", pa.list_(pa.uint64())),
        pa.field("raw", pa.struct(_fields(RawStory))),
    ]
)


def row(position: int, found: Extracted) -> dict[str, Any]:
    """A record's row (see SCHEMA)."""
    converted = found.converted
    values: dict[str, Any] = {
        "position": position,
        "label": found.label,
        "digest": found.digest,
        "error": found.error,
        "skipped": found.skipped,
        "may_link": found.may_link,
        "sketch_size": found.sketch.size,
        "sketch": list(found.sketch.mins),
    }
    if converted is not None:
        values |= {name: _plain(getattr(converted.meta, name)) for name in META_COLUMNS}
        values |= {"kind": converted.kind, "body": converted.body, "raw": _plain(converted.raw)}
    return values


def extracted(values: dict[str, Any]) -> Extracted:
    """The record a row was made from (shingles are left out: dedupe.shingles(body) gives them again)."""
    converted = None
    if values["kind"] is not None:
        meta = Meta(**{name: _typed(name, values[name]) for name in META_COLUMNS})
        raw = RawStory(**{name: _typed(name, value) for name, value in values["raw"].items()})
        converted = Converted(values["kind"], meta, values["body"], raw)
    return Extracted(
        values["label"],
        values["digest"],
        converted,
        sketch=dedupe.Sketch(values["sketch_size"], tuple(values["sketch"])),
        error=values["error"],
        skipped=values["skipped"],
        may_link=values["may_link"],
    )


def write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """One shard, written whole: beside path, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(pa.Table.from_pylist(list(rows), schema=SCHEMA), tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path, columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """A shard's rows in order, a batch at a time; only the columns named, if given."""
    shard = pq.ParquetFile(path)
    for batch in shard.iter_batches(batch_size=BATCH, columns=list(columns) if columns else None):
        yield from batch.to_pylist()


def sketches(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions, sketch sizes and minima (one row of dedupe.BINS each) of a shard's records that have
    a sketch, read as arrays."""
    table = pq.read_table(path, columns=["position", "sketch_size", "sketch"])
    lists = table.column("sketch").combine_chunks()
    whole = pc.equal(pc.list_value_length(lists), dedupe.BINS).fill_null(False)
    kept = table.filter(whole)
    mins = pc.list_flatten(kept.column("sketch").combine_chunks()).to_numpy().reshape(-1, dedupe.BINS)
    sizes = kept.column("sketch_size").to_numpy().astype(np.float64)
    return kept.column("position").to_numpy(), sizes, mins.astype(np.uint64)


def shard_name(number: int) -> str:
    return f"shard-{number:06d}.parquet"


def _plain(value: Any) -> Any:
    """A field's value as Arrow takes it: dataclasses as dicts, tuples as lists, paths as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _typed(name: str, value: Any) -> Any:
    """A value read back as its field declares it (lists as tuples, pictures as Picture)."""
    if name in _DATES and value is not None:
        return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, list):
        if name == "pictures":
            return tuple(
                Picture(p["ref"], Path(p["path"]) if p["path"] is not None else None, p["keep"]) for p in value
            )
        return tuple(value)
    return value
