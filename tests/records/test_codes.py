"""Identifier checks (GB 32100 USCC, GB 11643 resident ID), masking and code lists."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit_scoring.records import codes
from credit_scoring.records.codes import IdStatus

REGIONS = ["330203", "330211", "110105", "440101", "350200"]
TYPES = list(codes.SUBJECT_TYPES.codes)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("91350200776049653A", IdStatus.VALID),  # DOMAIN.md: valid examples
        ("91440101MA5CJQ4N59", IdStatus.VALID),
        ("913502000728319549", IdStatus.VALID),
        ("91350203M0001QAY9B", IdStatus.CHECKSUM_MISMATCH),  # real registry code failing its check
        ("91350203M0001QAY9", IdStatus.MALFORMED),  # 17 characters
        ("91350200776049653AA", IdStatus.MALFORMED),  # 19 characters
        ("9135020077604965IA", IdStatus.MALFORMED),  # I is not in the alphabet
        ("", IdStatus.MALFORMED),
    ],
)
def test_uscc_known_vectors(code, status):
    assert codes.uscc_status(code) is status
    assert codes.uscc_statuses([code])[0] is status


def test_resident_id_known_vectors():
    assert codes.resident_id_status("11010519491231002X") is IdStatus.VALID
    assert codes.resident_id_status("110105194912310021") is IdStatus.CHECKSUM_MISMATCH
    assert codes.resident_id_status("110105194913310021") is IdStatus.MALFORMED  # month 13
    assert codes.resident_id_status("110105491231002") is IdStatus.VALID  # legacy 15 digits
    assert codes.resident_id_status("11010519491231002") is IdStatus.MALFORMED


@st.composite
def generated_usccs(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    subject_type = draw(st.sampled_from(TYPES))
    region = draw(st.sampled_from(REGIONS))
    return codes.generate_usccs(np.random.default_rng(seed), [subject_type], [region])[0]


@given(generated_usccs())
def test_every_generated_uscc_validates(code):
    assert codes.uscc_status(code) is IdStatus.VALID
    assert code[2:8] in REGIONS


@given(generated_usccs(), st.integers(0, 17), st.sampled_from(codes.USCC_ALPHABET + "IOSVZ"))
def test_any_single_character_change_of_a_uscc_is_caught(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1 :]
    if changed != code:
        assert codes.uscc_status(changed) is not IdStatus.VALID


@given(st.lists(st.text(alphabet=codes.USCC_ALPHABET + "Ia", min_size=0, max_size=20), max_size=30))
def test_vectorised_uscc_check_agrees_with_the_scalar_one(values):
    assert list(codes.uscc_statuses(values)) == [codes.uscc_status(v) for v in values]


@st.composite
def generated_ids(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    return codes.generate_resident_ids(
        np.random.default_rng(seed),
        [draw(st.sampled_from(REGIONS))],
        dt.date(1940, 1, 1),
        dt.date(2005, 12, 31),
    )[0]


@given(generated_ids())
def test_every_generated_resident_id_validates(value):
    assert codes.resident_id_status(value) is IdStatus.VALID


@settings(max_examples=200)
@given(generated_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_of_a_resident_id_is_caught(value, position, replacement):
    changed = value[:position] + replacement + value[position + 1 :]
    if changed != value:
        assert codes.resident_id_status(changed) is not IdStatus.VALID


def test_masking_keeps_region_and_last_four_only():
    assert codes.mask_resident_id("11010519491231002X") == "110105********002X"
    assert codes.mask_person_name("张三") == "张*"
    assert codes.mask_person_name("欧阳娜娜") == "欧***"


def test_code_lists_accept_codes_chinese_labels_and_aliases():
    assert codes.SEVERITIES.parse("严重") == "serious"
    assert codes.PENALTY_TYPES.parse("责令停产停业") == "suspension"
    assert codes.PENALTY_TYPES.parse("没收违法所得") == "confiscation"
    assert codes.SUBJECT_TYPES.label("individual_business") == "个体工商户"
    with pytest.raises(ValueError, match="not a severity code"):
        codes.SEVERITIES.parse("catastrophic")


def test_an_individual_business_named_after_its_operator_is_masked():
    assert codes.mask_operator_name("张三", "张三") == "张*"
    assert codes.mask_operator_name("思明区张三小吃店", "张三") == "思明区张*小吃店"
    assert codes.mask_operator_name("源聚便利店", "叶涛雪") == "源聚便利店"  # a trade name
    assert codes.mask_operator_name("李记面馆", "李") == "李记面馆"  # one character: no name
    assert codes.mask_operator_name("乙餐馆", None) == "乙餐馆"
