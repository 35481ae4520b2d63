"""A snapshot's subjects hold no natural person's name or ID in the clear."""

from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.snapshots import public_subjects


def test_personal_data_is_masked_in_the_public_subjects(tmp_path, store, tiny, write):
    restaurant = next(s for s in tiny["subjects"] if s["subject_type"] == "individual_business")
    restaurant["legal_rep_name"] = "王小明"
    restaurant["name"] = "白云区王小明餐馆"  # registered under its operator's name
    for name, rows in tiny.items():
        write(rows, tmp_path / f"{name}.csv")
    ingest_directory(store, tmp_path)

    rows = {r["uscc"]: r for r in public_subjects(store).to_pylist()}

    assert rows[restaurant["uscc"]]["name"] == "白云区王**餐馆"
    for subject in tiny["subjects"]:
        public = str(rows[subject["uscc"]])
        for personal in (subject["legal_rep_name"], subject["legal_rep_id"]):
            assert not personal or personal not in public
    shop = next(s for s in tiny["subjects"] if s["subject_type"] == "enterprise")
    assert rows[shop["uscc"]]["name"] == shop["name"]  # a company's name is public
