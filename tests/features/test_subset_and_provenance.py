"""The single-subject path and batch provenance agree with the full computation."""

import datetime as dt
import json

import pandas as pd

from credit_scoring.features import build_features, load_catalog
from credit_scoring.features.engine import provenance, provenance_of_pairs, provenance_table
from credit_scoring.records.ingestion import ingest_directory

AS_OF = dt.date(2025, 12, 31)


def test_features_of_a_few_subjects_equal_their_rows_of_the_full_table(store, city_dir):
    ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    catalog = load_catalog()
    full = build_features(store, catalog, as_of=AS_OF).set_index("uscc")
    chosen = full.index[:2].tolist()
    some = build_features(store, catalog, as_of=AS_OF, subjects=chosen).set_index("uscc")
    pd.testing.assert_frame_equal(some, full.loc[chosen], check_categorical=False)
    assert build_features(store, catalog, as_of=AS_OF, subjects=[]).empty


def test_batch_provenance_equals_the_per_subject_one(store, city_dir):
    ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    catalog = load_catalog()
    for feature in catalog:
        table = provenance_table(store, feature, as_of=AS_OF)
        for uscc in build_features(store, catalog, as_of=AS_OF)["uscc"]:
            assert table.get(uscc, []) == provenance(store, uscc, feature, as_of=AS_OF), (
                feature.name
            )


def test_provenance_of_pairs_equals_the_per_feature_table(store, city_dir):
    # Given every (subject, feature) pair of the tiny city
    ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    catalog = load_catalog()
    subjects = build_features(store, catalog, as_of=AS_OF)["uscc"].tolist()
    wanted = pd.DataFrame(
        [(uscc, f.name) for uscc in subjects for f in catalog], columns=["uscc", "feature"]
    )
    # When their records are read in one query per source
    rows = provenance_of_pairs(store, catalog, wanted, as_of=AS_OF)
    found = {(u, f): json.loads(ids) for u, f, ids in rows.itertuples(index=False)}
    # Then each pair has the records the per-feature provenance gives, and only pairs with some
    assert found and all(found.values())
    for feature in catalog:
        table = provenance_table(store, feature, as_of=AS_OF)
        for uscc in subjects:
            assert found.get((uscc, feature.name), []) == table.get(uscc, []), feature.name
