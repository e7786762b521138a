"""The similar-cases engine: normalisation, shingles, signatures, bands, scores, reasons."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from hub.similar import engine as E

TITLE = "德宏州某建筑公司拖欠农民工工资"
CONTENT = "信访人反映：2024年在芒市某工地务工，工资12万元至今未付。"


def test_normalise_folds_widths_and_cuts_noise():
    assert E.normalise("ＡＢＣ１２３拖欠，工资！") == ["abc", "拖欠", "工资"]
    # Stop phrases end a run like punctuation; digits and spaces too.
    assert E.normalise("信访人反映2023年 工资问题，请求解决") == ["年", "工资", "解决"]
    assert E.normalise(None) == []
    # Compatibility ideographs become the unified ones (NFKC).
    assert E.normalise("\uf900") == ["\u8c48"]


def test_shingles_are_2_and_3_grams_inside_runs():
    assert E.shingles(["拖欠工资"]) == {"拖欠", "欠工", "工资", "拖欠工", "欠工资"}
    # Nothing across the end of a run.
    assert E.shingles(["拖欠", "工资"]) == {"拖欠", "工资"}
    assert E.shingles(["工"]) == set()


def test_hashes_and_signatures_are_fixed_values():
    # Pinned: a change of the hash key, sizes or normalisation must bump engine.VERSION
    # (and re-index), never slip in.
    assert E.shingle_hash("工资") == 8398930081381803221
    sig = E.case_signature(TITLE, CONTENT)
    assert sig[:4] == (2578233932, 1503256475, 4251830731, 1558670430)
    assert len(sig) == E.SIGNATURE_SIZE


def test_signatures_are_the_same_in_another_process():
    """Python's str hash is salted per process; the engine must not depend on it."""
    code = ("from hub.similar import engine as E;"
            f"print(E.case_signature({TITLE!r}, {CONTENT!r}))")
    root = Path(__file__).resolve().parents[2]
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True, cwd=root)
        outputs.add(done.stdout.strip())
    assert outputs == {str(E.case_signature(TITLE, CONTENT))}


def test_pack_round_trip_and_empty_text():
    sig = E.case_signature(TITLE, CONTENT)
    data = E.pack(sig)
    assert len(data) == E.SIGNATURE_BYTES == 512
    assert E.unpack(data) == sig
    assert E.case_signature("", "（123）！") is None
    assert E.signature([]) is None


@pytest.mark.parametrize("shared,only", [(300, 300), (100, 50), (50, 400), (0, 200)])
def test_estimate_is_close_to_the_exact_jaccard(shared, only):
    rng = random.Random(shared * 1000 + only)  # noqa: S311 - test data
    both = {rng.getrandbits(64) for _ in range(shared)}
    a = both | {rng.getrandbits(64) for _ in range(only)}
    b = both | {rng.getrandbits(64) for _ in range(only)}
    exact = E.jaccard(a, b)
    assert abs(E.estimate(E.signature(a), E.signature(b)) - exact) < 0.1


def test_estimate_on_texts():
    a = E.text_hashes("芒市遮放镇弄坎村高速公路征地补偿款未兑付",
                      "2023年弄坎村约300亩集体土地被征用于高速公路连接线建设，补偿款至今未兑付到户。")
    b = E.text_hashes("弄坎村高速公路连接线征地补偿款迟迟未发",
                      "弄坎村的土地被高速公路连接线占用，当时说好的补偿款至今未兑付到户。")
    c = E.text_hashes("瑞丽市某中学学位分配", "孩子随迁在城区，申请学位时被告知不符合条件。")
    ab, ac = E.estimate(E.signature(a), E.signature(b)), E.estimate(E.signature(a),
                                                                    E.signature(c))
    assert abs(ab - E.jaccard(a, b)) < 0.1
    assert ab > 0.2 > 0.05 > ac
    assert E.estimate(E.signature(a), E.signature(a)) == 1.0


def test_frequent_shingles_leave_the_specific_ones():
    df = {1: 500, 2: 200, 3: 199, 4: 1}
    assert E.frequent_limit(1000) == 200  # the floor: max(0.5 % of 1000, 200)
    assert E.frequent_limit(100_000) == 500
    assert E.frequent_hashes(df, 1000) == {1, 2}
    assert E.specific({1, 3, 4}, frozenset({1, 2})) == {3, 4}
    assert E.specific({1, 2}, frozenset({1, 2})) == {1, 2}  # nothing but formulae: keep all


def test_band_keys():
    sig = E.case_signature(TITLE, CONTENT)
    keys = E.band_keys(sig)
    assert len(keys) == E.BANDS == 64
    assert all(-(2 ** 63) <= k < 2 ** 63 for k in keys)
    # Exact: a key is the band's two values.
    assert keys[0] == ((sig[0] << 32) | sig[1]) - 2 ** 63
    other = list(sig)
    other[1] ^= 1
    assert E.band_keys(other)[0] != keys[0] and E.band_keys(other)[1:] == keys[1:]


def test_place_and_score():
    here = E.Profile("mangshi", 7, "弄坎村", "land")
    assert E.place_level(here, E.Profile("mangshi", 7, " 弄坎村", "wages")) == "village"
    assert E.place_level(here, E.Profile("mangshi", 7, None, "land")) == "township"
    assert E.place_level(here, E.Profile("mangshi", None, None, "land")) == "county"
    assert E.place_level(here, E.Profile("ruili", 7, "弄坎村", "land")) is None
    # A village of the same name in another township is not the same place.
    assert E.place_level(here, E.Profile("mangshi", 8, "弄坎村", "land")) == "county"
    assert E.score(0.4, here, E.Profile("mangshi", 7, None, "land")) == pytest.approx(
        0.4 + E.PLACE_BONUS["township"] + E.CATEGORY_BONUS)
    assert E.score(0.4, here, E.Profile("ruili", None, None, "wages")) == 0.4


def test_reasons_name_the_shared_phrases_place_and_category():
    a = E.case_runs("恒隆建筑工程有限公司拖欠工资", "户育乡铁路站前广场工地，许某某拖欠工资。")
    b = E.case_runs("讨要铁路站前广场务工报酬", "恒隆建筑工程有限公司以未结算为由欠付报酬。")
    phrases = E.shared_phrases(a, b)
    assert phrases[:2] == ["恒隆建筑工程有限公司", "铁路站前广场"]
    here, there = E.Profile("ruili", 3, None, "wages"), E.Profile("ruili", 3, None, "wages")
    reasons = E.reasons(0.42, here, there, a, b)
    assert [(r.code, r.label) for r in reasons] == [
        ("content", "共同内容"), ("place", "同一地点"), ("category", "同一类别")]
    assert reasons[0].phrases[0] == "恒隆建筑工程有限公司" and reasons[0].weight == 0.42
    assert reasons[1].level == "township"
    assert E.reasons(0.3, here, E.Profile("mangshi", None, None, "land"), a, b)[1:] == []
    # Frequent shingles count less: a phrase made of them goes after a specific one.
    frequent = frozenset(E.shingle_hash(g) for g in ("恒隆建", "隆建筑", "建筑工", "筑工程",
                                                     "工程有", "程有限", "有限公", "限公司"))
    assert E.shared_phrases(a, b, frequent)[0] == "铁路站前广场"


def test_rerank_weighs_what_few_neighbours_share():
    """Two candidates share as many shingles with the query; the one sharing what the
    other neighbours do not (the company) ranks first."""
    common = set(range(100, 130))  # the kind's vocabulary: every neighbour has it
    query = common | {1, 2, 3, 4, 5} | {200, 201}
    partner = set(range(100, 120)) | {1, 2, 3, 4, 5} | {300, 301}  # shares the specifics
    lookalike = common | {400, 401}  # shares only the vocabulary
    others = [common | {500 + k, 600 + k} for k in range(8)]
    p = E.Profile()
    ranked = E.rerank(query, p, [(1, partner, p), (2, lookalike, p)]
                      + [(10 + k, s, p) for k, s in enumerate(others)], limit=3)
    assert E.jaccard(query, partner) < E.jaccard(query, lookalike)
    assert ranked[0].key == 1


def test_prerank_orders_by_score_then_newest():
    sig = E.case_signature(TITLE, CONTENT)
    p = E.Profile("mangshi", None, None, "wages")
    ranked = E.prerank(sig, p, [(1, sig, E.Profile()), (2, sig, p), (3, sig, p)], limit=2)
    assert [r.key for r in ranked] == [3, 2]
    assert ranked[0].content == 1.0
