"""Step 6 of the build: the search index, written into output/search/ for search.js to read.

- index.py   the index's files made whole from every story (the format is described there)
- update.py  the index updated for the stories that changed since the last build, to the same bytes
- query.py   the reader's side in Python, step by step as search.js, for tests and bench/search
- store.py   the index as the last build left it, kept in the cache for the next build to update

indexing() is all the build calls. With a cache, the update runs in a forked process beside the
pages, feeds and sitemap; its files are placed when Indexing.write() is called. When it cannot
update (stories added, removed or reordered, or no index kept), the index is built whole then.
Given a Cluster (sitegen build --engine dask), the index is built whole on it (sitegen/scale/index.py).
"""

from __future__ import annotations

import contextlib
import functools
import operator
import pickle
from collections.abc import Callable, Iterator
from typing import NamedTuple

from sitegen import bodies, parallel, scale
from sitegen.bodies import Bodies
from sitegen.cache import Cache
from sitegen.config import Config
from sitegen.content import Post
from sitegen.output import Output, Written
from sitegen.parallel import Pending
from sitegen.search import index, update
from sitegen.search.store import Keys, t2s_table

FIXED_FILES = (index.MANIFEST,)  # the index's one file whose name does not hash its contents


def search_doc(post: Post, text: str) -> index.SearchDoc:
    return index.SearchDoc(
        url=post.url,
        title=post.meta.title,
        text=text,
        date=post.day,
        summary=post.meta.summary or "",
        categories=post.meta.categories,
        regions=post.meta.regions,
        source=post.meta.source or "",
    )


class SearchDocs:
    """The posts as search docs, each made when it is read (by the worker that indexes it): see index.build().

    packed: the posts are read back from bytes, pickled a batch at a time. The forked workers
    that index them then never touch the posts themselves: each reference counted would copy
    its page of the parent's memory into the worker.
    """

    def __init__(self, posts: list[Post], texts: Bodies, packed: bool = False) -> None:
        self.count, self.texts = len(posts), texts
        self.posts = None if packed else posts
        per = index.BATCH_DOCS
        self.batches = (
            [pickle.dumps(posts[i : i + per], pickle.HIGHEST_PROTOCOL) for i in range(0, len(posts), per)]
            if packed
            else []
        )
        self._open: tuple[int, list[Post]] = (-1, [])  # the batch last unpickled

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, doc_id: int) -> index.SearchDoc:
        post = self._post(doc_id)
        return search_doc(post, self.texts.get(post)[1])

    def _post(self, doc_id: int) -> Post:
        if self.posts is not None:
            return self.posts[doc_id]
        batch, at = divmod(doc_id, index.BATCH_DOCS)
        if self._open[0] != batch:
            self._open = (batch, pickle.loads(self.batches[batch]))
        return self._open[1][at]


Placed = tuple[str, str, Written | None]  # a file of the search index: its path, key, and how it was staged


class Cluster(NamedTuple):
    """A Dask cluster to build the index on: the scheduler at an address, else a LocalCluster of workers."""

    scheduler: str | None
    workers: int


class Staged(NamedTuple):
    """The search index's files as an update staged them: placed, and either the last build's files under
    search/ but those gone (the update's Changes, when output/ holds the index it started from) or, when gone is
    None, none of them (placed lists every file)."""

    placed: list[Placed]
    gone: set[str] | None


def _update(
    ordered: list[Post], stamps: list[str], out: Output, texts: Bodies, store: Cache, forked: bool = False
) -> Staged | None:
    """The search index updated where stories changed since the last build (see update.py); None when it
    must be built whole. Its new files are staged; forked, the files it did not make are left for the
    calling process to keep (see _place()), else they are kept in out here."""
    keys = Keys(store)
    with store.locked("search"):
        changes = update.update(SearchDocs(ordered, texts), stamps, keys)
        if changes is None:
            return None
        manifest = (out.previous or {}).get(index.MANIFEST)
        current = manifest is not None and manifest[0] == changes.base
        files = changes.files if current else update.listing(keys)  # see Staged
        gone = set(changes.gone) if current else None
        if forked:
            return Staged([_staged(out, file, keys) for file in files], gone)
        for file in files:
            if file.data is not None or out.keep(file.path, file.sha) is None:
                out.add(file.path, _bytes(file, keys), file.sha)
        if gone is not None:
            out.keep_rest("search/", gone, keys.blob)
        return Staged([], None)


def _bytes(file: index.IndexFile, keys: Keys) -> bytes | Callable[[], bytes]:
    """A file's bytes, or how to get them from the cache if the last build left none of the same in output/."""
    return file.data if file.data is not None else functools.partial(keys.blob, file.sha)


def _staged(out: Output, file: index.IndexFile, keys: Keys) -> Placed:
    """A file the last build left in output/ is listed for the calling process to keep (it checks them
    meanwhile); any other is staged here, from its bytes, a file of the last build with the same bytes, or
    the cache's copy of them."""
    if file.data is None and out.previous is not None and file.path in out.previous:
        return file.path, file.sha, None
    rel = out.add(file.path, _bytes(file, keys), file.sha)
    return rel, file.sha, out.staged.get(rel)


def _place(out: Output, staged: Staged, keys: Keys) -> None:
    """The files a forked update staged or listed, and the rest of the last build's that it kept, into out."""
    out.place(staged.placed, keys.blob)
    if staged.gone is not None:
        out.keep_rest("search/", staged.gone, keys.blob)


def _build(
    ordered: list[Post],
    stamps: list[str] | None,
    out: Output,
    texts: Bodies,
    store: Cache | None,
    cluster: Cluster | None = None,
) -> None:
    """The search index built whole (kept in the cache for the next build to update, when there is one),
    here or on a Dask cluster."""
    keys = Keys(store) if store is not None else None
    docs = SearchDocs(ordered, texts, packed=True)
    with (
        store.locked("search") if store is not None else contextlib.nullcontext(),
        _made(docs, stamps, keys, cluster) as files,
    ):
        for file in files:
            assert file.data is not None  # a build makes every file
            out.add(file.path, file.data, file.sha)


@contextlib.contextmanager
def _made(
    docs: SearchDocs, stamps: list[str] | None, keys: Keys | None, cluster: Cluster | None
) -> Iterator[Iterator[index.IndexFile]]:
    """The index's files, made here (filling the key store) or on the cluster (sitegen/scale/index.py). The
    cluster fills no key store, so the one kept is emptied: the next local build builds the index whole."""
    if cluster is None:
        yield index.build(docs, stamps, keys)
        return
    try:
        from sitegen.scale import engine
        from sitegen.scale import index as on_cluster
    except ImportError as err:
        raise scale.not_installed(err) from None
    if keys is not None:
        keys.begin(fresh=True)
    with engine.connected(cluster.scheduler, cluster.workers) as client:
        yield on_cluster.build(client, docs)


class Indexing:
    """The index of one build under way: a forked update started beside the other steps (with a cache),
    its files placed by write(); or, given a cluster, the index built whole on it by write()."""

    def __init__(
        self, cfg: Config, posts: list[Post], out: Output, texts: Bodies, store: Cache | None, cluster: Cluster | None
    ) -> None:
        self.out, self.texts, self.store, self.cluster = out, texts, store, cluster
        self.ordered = index.newest_first(posts, operator.attrgetter("day"))
        self.stamps: list[str] | None = None
        self.pending: Pending | None = None
        if store is not None and cluster is None:
            self.stamps = [p.card.key + bodies.key(p, cfg) for p in self.ordered]
            index.use_t2s(t2s_table(store, index.t2s_chars))
            out.stage  # noqa: B018  (made now, before the fork: both processes stage files into it)
            self.pending = parallel.background(
                functools.partial(_update, self.ordered, self.stamps, out, texts, store, True)
            )

    def write(self) -> None:
        """The index's files into out: the forked update's, else an update made here, else the index whole."""
        if self.cluster is not None:
            _build(self.ordered, None, self.out, self.texts, self.store, self.cluster)
            return
        if self.store is None or self.stamps is None:
            _build(self.ordered, None, self.out, self.texts, None)
            return
        self.store.commit()  # the search process may be waiting to write
        if self.pending is not None:
            staged, self.pending = self.pending.result(), None
            if staged is not None:
                _place(self.out, staged, Keys(self.store))
                return
        elif _update(self.ordered, self.stamps, self.out, self.texts, self.store) is not None:
            return
        _build(self.ordered, self.stamps, self.out, self.texts, self.store)

    def stop(self) -> None:
        if self.pending is not None:
            self.pending.stop()
            self.pending = None


@contextlib.contextmanager
def indexing(
    cfg: Config, posts: list[Post], out: Output, texts: Bodies, store: Cache | None, cluster: Cluster | None = None
) -> Iterator[Indexing]:
    """The search index of posts into out: started now, written by Indexing.write(); a forked update still
    running when the block is left (an error) is stopped."""
    under_way = Indexing(cfg, posts, out, texts, store, cluster)
    try:
        yield under_way
    finally:
        under_way.stop()
