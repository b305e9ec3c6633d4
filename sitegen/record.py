"""What each build wrote in an output folder: the record the next build writes only the changes by.

For each output folder (by its real path) the cache's outputs table keeps every file the last
committed build left there (its key, size and mtime: see output.Written), in OUTPUT_BUCKETS values
by a hash of each file's folder, so that a build reads and writes again only the buckets it
changed; the targets table says whether that record is whole (a build killed while committing
leaves it unclean, and the next one builds in full).
"""

from __future__ import annotations

import os
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sitegen import keys
from sitegen.cache import View, checksum, guarded, rebucketed, seal
from sitegen.codec import Codec
from sitegen.output import Written, as_written, safe_paths

# The record is kept in this many values: an edit of a topic changes a few hundred folders.
OUTPUT_BUCKETS = 512
RECORD: Codec[dict[str, Written]] = Codec(dict[str, Written])
_NAME_BYTES = (string.ascii_letters + string.digits).encode()


def _plain_names(names: Sequence[str]) -> bool:
    """Every name is ASCII letters and digits, as keys are: a key names a file under links/ (see output.py)."""
    joined = "".join(names)
    return not names or (all(names) and joined.isascii() and not joined.encode().translate(None, _NAME_BYTES))


def _folder_bucket(rel: str) -> int:
    """The bucket of a file of the record: by its folder, so that a folder renamed whole (the search
    index's) changes two buckets, and an edit a few."""
    return keys.bucket(rel.rpartition("/")[0], OUTPUT_BUCKETS)


class Record(View):
    """The outputs and targets tables."""

    @guarded
    def knows(self, target: Path) -> bool:
        """A build wrote target and finished: written() has its record."""
        return self._clean(str(target.resolve()))

    @guarded
    def written(self, target: Path) -> dict[str, Written] | None:
        """The files the last committed build left in target, or None when that is not known for sure."""
        name = str(target.resolve())
        if not self._clean(name):
            return None
        record: dict[str, Written] = {}
        for bucket, sealed in self.store.db.execute("SELECT bucket, record FROM outputs WHERE target = ?", (name,)):
            record.update(self._record_part(name, bucket, sealed))
        return record

    def _clean(self, name: str) -> bool:
        """The record of the output folder (by name) is whole: the last build that wrote there finished."""
        row = self.store.db.execute("SELECT clean, seal FROM targets WHERE target = ?", (name,)).fetchone()
        if row is None:
            return False
        if row[1] != checksum(f"targets/{name}", str(row[0]).encode()):
            raise self.store.damaged(f"targets/{name} fails its checksum")
        return bool(row[0])

    def _record_part(self, name: str, bucket: int, sealed: Any) -> dict[str, Written]:
        """A bucket of the record of an output folder, each path checked to lie in it, each key to be one."""
        record = self.store.value(RECORD, f"outputs/{name}/{bucket}", sealed)
        if not safe_paths(list(record)) or not _plain_names([written[0] for written in record.values()]):
            raise self.store.damaged(f"outputs/{name}/{bucket} names a file outside the output folder")
        return record

    @guarded
    def altered(self, target: Path) -> list[str]:
        """The files of target's record that are not there as recorded (changed or removed by hand). It reads
        the record a bucket at a time: run in a forked process, it holds a fiftieth of it, not a copy."""
        name = str(target.resolve())
        records = self.store.db.execute("SELECT bucket, record FROM outputs WHERE target = ?", (name,))
        try:
            folder = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone: none is there
            return [rel for bucket, sealed in records for rel in self._record_part(name, bucket, sealed)]
        found = []
        try:
            for bucket, sealed in records:
                part = self._record_part(name, bucket, sealed)
                found += [rel for rel, written in part.items() if not as_written(rel, written, folder)]
        finally:
            os.close(folder)
        return found

    @guarded
    def committing(self, target: Path) -> None:
        """Mark target unknown until save_written(): a build killed while committing is then rebuilt in full."""
        self._set_clean(str(target.resolve()), False)
        self.store.db.commit()

    def _set_clean(self, name: str, clean: bool) -> None:
        value = int(clean)
        self.store.db.execute(
            "INSERT OR REPLACE INTO targets VALUES (?, ?, ?)",
            (name, value, checksum(f"targets/{name}", b"%d" % value)),
        )

    @guarded
    def save_written(self, target: Path, staged: dict[str, Written], removed: list[str], whole: bool) -> None:
        """The record of target after a build: the last one's with the files staged put in and the removed ones
        taken out, or what was staged when that was every file. It is kept in OUTPUT_BUCKETS values by a hash of
        each file's folder, and only those the build changed are read and written again."""
        name = str(target.resolve())
        if whole:
            self.store.db.execute("DELETE FROM outputs WHERE target = ?", (name,))

        def stored(bucket: int) -> dict[str, Written]:
            row = (
                None
                if whole
                else self.store.db.execute(
                    "SELECT record FROM outputs WHERE target = ? AND bucket = ?", (name, bucket)
                ).fetchone()
            )
            return self._record_part(name, bucket, row[0]) if row else {}

        parts = rebucketed(stored, staged, removed, _folder_bucket)
        self.store.db.executemany(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
            (
                (name, bucket, seal(f"outputs/{name}/{bucket}", RECORD.encode(part)))
                for bucket, part in sorted(parts.items())
            ),
        )
        self._set_clean(name, True)
        self.store.db.commit()

    @guarded
    def forget_gone(self) -> None:
        """The records of output folders that are gone (serve's previews, tests' temporary sites) dropped."""
        db = self.store.db
        for (target,) in db.execute("SELECT target FROM targets").fetchall():
            if not Path(target).is_dir():
                db.execute("DELETE FROM targets WHERE target = ?", (target,))
                db.execute("DELETE FROM outputs WHERE target = ?", (target,))
