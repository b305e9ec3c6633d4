"""sitegen past one machine: the import's conversion and near-duplicate pass on a Dask cluster.

shards.py is the contract between the stages: each converted record of a run is one row of a
Parquet shard in the run's work folder. engine.py runs the import's own per-record conversion
(commands/import_.extract_loaded) on the cluster, writes the shards, and finds the candidate
pairs for the near-duplicate check by shuffles on MinHash band keys. The posts are then written
into content/ by the same code, in the same order, as a local import: the same sources give the
same bytes whichever engine. (index.py builds the search index on the cluster.)
"""

from __future__ import annotations

from sitegen.errors import SitegenError


def not_installed(err: ImportError) -> SitegenError:
    """What `--engine dask` (import or build) says when the extra 'scale' is not installed."""
    missing = err.name or "dask"
    return SitegenError(
        f"--engine dask needs the package {missing}, which is not installed", hint="pip install 'sitegen[scale]'"
    )
