"""Beyond one machine: records in shards by USCC hash, the batch jobs shard by shard on an engine.

- :mod:`credit_scoring.sharding` — which shard a USCC is in (the same in Python and SQL);
- :mod:`.layout` — a sharded store on disk, and splitting a store into one;
- :mod:`.store` — a sharded store read as one store (``open_store`` takes either kind);
- :mod:`.engine` — where per-shard work runs: ``local`` or a Dask cluster;
- :mod:`.jobs` — features, grades and snapshots shard by shard;
- :mod:`.ingest` — a file into a sharded store, each row to its subject's shard;
- :mod:`.training` — training rows from the shards, the GBM boosted with ``lightgbm.dask``.
"""
