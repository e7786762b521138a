"""The similar-cases engine (相似信访件): pure functions, no database.

A case's title and content become normalised runs of characters, the runs become character
2-grams and 3-grams ("shingles": Chinese needs no word boundaries for them), each shingle a
64-bit keyed hash, the set of hashes a MinHash signature of 128 values, and the signature 64
LSH band keys.  Two cases that share a band key are candidates; candidates are ranked by the
Jaccard similarity their signatures estimate, plus bonuses for the same place and category.

- **Frequent shingles.**  Shingles found in many cases (formulae of the registrars, the
  vocabulary every wage or land case uses) say little about which matter a case is about,
  yet dominate a raw Jaccard similarity and fill LSH buckets with unrelated cases.  A
  shingle in at least max(0.5 % of the cases counted, 50) of them is left out of the
  signature (``frequent_hashes``); what stays is mostly what is specific to a matter —
  company, project, village, what happened.  The list is counted over a sample of the
  indexed cases (services) or over the batch being clustered (``cluster``).
- **MinHash** here is one-permutation hashing with optimal densification: the hash space is
  cut into 128 bins by a hash's top 7 bits, a signature value is the smallest of the next 32
  bits among the hashes in the bin, and an empty bin borrows the value of the first filled
  bin along a fixed probe sequence.  Two signatures agree on a value with probability equal
  to the Jaccard similarity of the two sets, as with 128 independent permutations, for the
  cost of one pass over the shingles — what makes indexing a million cases feasible in pure
  Python.  The hash key, the probe sequences and every constant are fixed: a signature is
  the same in every process and on every machine.
- **LSH banding**: 64 bands × 2 rows.  A pair of cases becomes a candidate when both values
  of one band agree, which happens with probability 1 − (1 − J²)^64: 0.58 at J = 0.12,
  0.93 at J = 0.2, 0.998 at J = 0.3 — paraphrases of one matter (J 0.15–0.6 on the specific
  shingles) are found, while unrelated cases (J < 0.05) share a band with probability
  under 0.15 and are dropped by the ranking.  Fewer rows per band would flood the buckets,
  more would miss reworded accounts (4 rows: 0.23 at J = 0.3).
- **Score** = content + place bonus + category bonus, where content is the estimated
  Jaccard similarity (0–1) and the bonuses are small (``PLACE_BONUS``, ``CATEGORY_BONUS``):
  they reorder cases of about the same content, and never make a match on their own — a
  candidate needs content ≥ ``MIN_CONTENT``.
"""

from __future__ import annotations

import heapq
import math
import random
import re
import struct
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from operator import add, eq
from typing import NamedTuple

# ---------------------------------------------------------------------------------------
# Normalisation and shingles
# ---------------------------------------------------------------------------------------

# Boilerplate of petition records (信访件的套话): words that every petition has and that say
# nothing about its matter.  Each is cut out (it ends a run, as punctuation does).  Short on
# purpose: words of a matter (工资, 补偿款 …) are kept — what is common among the cases is
# discounted by the frequent shingles instead.
STOP_PHRASES = (
    "信访人",  # the petitioner
    "来信人",
    "来访人",
    "反映",  # "reports that"
    "要求",  # "demands"
    "请求",  # "asks"
    "恳请",
    "希望",
    "问题",  # "the problem of"
    "情况",
    "有关部门",  # "the competent departments"
    "相关部门",
)
_STOP_RE = re.compile("|".join(sorted(map(re.escape, STOP_PHRASES), key=len, reverse=True)))
# What a run is made of: CJK ideographs and Latin letters.  Digits (amounts, dates, phone
# numbers: they differ between two accounts of one matter), punctuation, spaces and
# everything else end a run.
_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffa-z]+")


def normalise(text: str | None) -> list[str]:
    """The text's runs: NFKC (full-width letters and digits to half-width, compatibility
    ideographs to unified ones), lower case, stop phrases cut out, then the maximal runs of
    ideographs and letters."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _RUN_RE.findall(_STOP_RE.sub(" ", text))


def case_runs(title: str | None, content: str | None) -> list[str]:
    """The runs of a case: its title's, then its content's."""
    return normalise(title) + normalise(content)


def grams(runs: Iterable[str], n: int) -> set[str]:
    """The character n-grams inside each run (none across a run's end)."""
    out: set[str] = set()
    for run in runs:
        if n == 2:
            out.update(map(add, run, run[1:]))
        elif n == 3:
            out.update(map(add, map(add, run, run[1:]), run[2:]))
        else:
            out.update([run[i:i + n] for i in range(len(run) - n + 1)])
    return out


def shingles(runs: Iterable[str]) -> set[str]:
    """Character 2-grams and 3-grams inside each run."""
    out: set[str] = set()
    for run in runs:
        pairs = list(map(add, run, run[1:]))
        out.update(pairs)
        out.update(map(add, pairs, run[2:]))
    return out


# ---------------------------------------------------------------------------------------
# Hashing and frequent shingles
# ---------------------------------------------------------------------------------------

# The keyed hash of a shingle: BLAKE2b, 64 bits, with a fixed key — stable everywhere (never
# Python's hash(), which is salted per process).  Changing the key, the gram sizes, the
# stop phrases or the normalisation changes every signature: bump VERSION and re-index
# everything (services.index_all).
VERSION = 1
_KEY = b"hub.similar.shingle.v1"
_M32 = 0xFFFFFFFF
_cache: dict[str, int] = {}
_CACHE_LIMIT = 300_000  # shingles kept hashed (under 50 MB); emptied when full


def shingle_hash(shingle: str) -> int:
    """The 64-bit hash of one shingle."""
    h = _cache.get(shingle)
    if h is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        h = _cache[shingle] = int.from_bytes(
            blake2b(shingle.encode("utf-8"), digest_size=8, key=_KEY).digest(), "little")
    return h


def text_hashes(title: str | None, content: str | None) -> set[int]:
    """The hashes of a case's shingles."""
    found = shingles(case_runs(title, content))
    out = set(map(_cache.get, found))
    if None in out:  # shingles not hashed yet
        out.discard(None)
        out.update(shingle_hash(s) for s in found if s not in _cache)
    return out


# A shingle in at least this share of the cases counted — and in at least FREQUENT_MIN of
# them, so that a small corpus keeps the words of its few groups — is frequent.
FREQUENT_SHARE = 0.005
FREQUENT_MIN = 200


def frequent_limit(cases: int) -> int:
    """In how many of ``cases`` cases a shingle must be to count as frequent."""
    return max(math.ceil(FREQUENT_SHARE * cases), FREQUENT_MIN)


def frequent_hashes(document_frequency: Mapping[int, int], cases: int) -> frozenset[int]:
    """The frequent shingles, from how many of ``cases`` cases each hash is in."""
    limit = frequent_limit(cases)
    return frozenset(h for h, n in document_frequency.items() if n >= limit)


def specific(hash_set: set[int], frequent: frozenset[int] | set[int]) -> set[int]:
    """What a signature is made of: the case's shingles that are not frequent — all of them
    when every one is (a text made of formulae only)."""
    if not frequent:
        return hash_set
    return (hash_set - frequent) or hash_set


# ---------------------------------------------------------------------------------------
# MinHash signatures
# ---------------------------------------------------------------------------------------

SIGNATURE_SIZE = 128  # values (bins); 2**7, the bin is a hash's top 7 bits
_BIN_SHIFT = 64 - 7
_VALUE_SHIFT = _BIN_SHIFT - 32  # the 32 bits under the bin bits are the value
_EMPTY = _M32 + 1  # above every value: a bin no shingle fell in
_PACK = struct.Struct(f"<{SIGNATURE_SIZE}I")
SIGNATURE_BYTES = _PACK.size  # 512: stored as 128 little-endian uint32


def _probe_table(probes: int = 24) -> list[list[int]]:
    rng = random.Random(20260501)  # noqa: S311 # nosec B311 - a fixed, documented sequence, not a secret
    table = []
    for j in range(SIGNATURE_SIZE):
        others = [k for k in range(SIGNATURE_SIZE) if k != j]
        table.append([rng.choice(others) for _ in range(probes)])
    return table


_PROBES = _probe_table()


def signature(hash_set: Iterable[int]) -> tuple[int, ...] | None:
    """The MinHash signature of a set of shingle hashes; ``None`` for an empty set."""
    # The smallest hash of each bin: assigned last when going down the sorted hashes.
    smallest = {h >> _BIN_SHIFT: h for h in sorted(hash_set, reverse=True)}
    sig = [(smallest[b] >> _VALUE_SHIFT) & _M32 if b in smallest else _EMPTY
           for b in range(SIGNATURE_SIZE)]
    if len(smallest) == SIGNATURE_SIZE:
        return tuple(sig)
    filled = [v != _EMPTY for v in sig]
    if not any(filled):
        return None
    out = list(sig)
    for j in range(SIGNATURE_SIZE):
        if filled[j]:
            continue
        for k in _PROBES[j]:  # optimal densification: the first filled bin of j's probes
            if filled[k]:
                out[j] = sig[k]
                break
        else:  # very short texts: the next filled bin to the right
            k = (j + 1) % SIGNATURE_SIZE
            while not filled[k]:
                k = (k + 1) % SIGNATURE_SIZE
            out[j] = sig[k]
    return tuple(out)


def case_signature(title: str | None, content: str | None,
                   frequent: frozenset[int] | set[int] = frozenset()) -> tuple[int, ...] | None:
    return signature(specific(text_hashes(title, content), frequent))


def pack(sig: Sequence[int]) -> bytes:
    return _PACK.pack(*sig)


def unpack(data: bytes) -> tuple[int, ...]:
    return _PACK.unpack(data)


def estimate(a: Sequence[int], b: Sequence[int]) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal values."""
    return sum(map(eq, a, b)) / SIGNATURE_SIZE


def jaccard(a: set, b: set) -> float:
    """The exact Jaccard similarity of two sets."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------------------------------
# LSH bands
# ---------------------------------------------------------------------------------------

ROWS = 2
BANDS = SIGNATURE_SIZE // ROWS  # 64
_HALF = 1 << 63


def band_keys(sig: Sequence[int]) -> list[int]:
    """The bucket key of each band: its two 32-bit values side by side, as a signed 64-bit
    integer (a BIGINT).  Exact — two cases share a key only when both values agree — since
    the values are already uniformly spread hash bits."""
    return [((sig[i] << 32) | sig[i + 1]) - _HALF for i in range(0, SIGNATURE_SIZE, ROWS)]


# ---------------------------------------------------------------------------------------
# Scores and reasons
# ---------------------------------------------------------------------------------------

# The bonuses added to the content similarity (0–1).  A place counts at its most precise
# level shared: the same village (of the same county), the same township, the same county.
PLACE_BONUS = {"village": 0.15, "township": 0.12, "county": 0.04}
CATEGORY_BONUS = 0.04
# A candidate is listed only with at least this content similarity: place and category
# alone never make two cases similar.
MIN_CONTENT = 0.08
# The reasons' labels (the pages translate them).
REASON_LABELS = {"content": "共同内容", "place": "同一地点", "category": "同一类别"}


@dataclass(frozen=True)
class Profile:
    """What the score needs to know of a case besides its signature."""

    county: str | None = None
    township_id: int | None = None
    village: str | None = None
    category: str | None = None


def place_level(a: Profile, b: Profile) -> str | None:
    if not a.county or a.county != b.county:
        return None
    if a.village and b.village and a.village.strip() == b.village.strip() \
            and (a.township_id is None or b.township_id is None
                 or a.township_id == b.township_id):
        return "village"
    if a.township_id is not None and a.township_id == b.township_id:
        return "township"
    return "county"


def score(content: float, a: Profile, b: Profile) -> float:
    level = place_level(a, b)
    return content + (PLACE_BONUS[level] if level else 0.0) + (
        CATEGORY_BONUS if a.category and a.category == b.category else 0.0)


@dataclass(frozen=True)
class Reason:
    """Why a case was matched.  ``code``: content (``phrases`` holds the shared phrases,
    most specific first), place (``level``: village, township or county) or category."""

    code: str
    weight: float  # what it adds to the score
    phrases: tuple[str, ...] = ()
    level: str | None = None

    @property
    def label(self) -> str:
        return REASON_LABELS[self.code]


def shared_phrases(runs: Sequence[str], other_runs: Sequence[str],
                   frequent: frozenset[int] | set[int] = frozenset(),
                   limit: int = 5) -> list[str]:
    """The longest stretches of ``runs`` made of 3-grams (2-grams when no 3-gram is shared)
    that ``other_runs`` has too; those with the most specific (not frequent) shingles first,
    then the longest."""
    for n in (3, 2):
        theirs = grams(other_runs, n)
        found: dict[str, int] = {}
        for run in runs:
            start = None
            for i in range(len(run) - n + 2):
                inside = i <= len(run) - n and run[i:i + n] in theirs
                if inside and start is None:
                    start = i
                elif not inside and start is not None:
                    phrase = run[start:i - 1 + n]
                    found[phrase] = sum(
                        shingle_hash(phrase[k:k + n]) not in frequent
                        for k in range(len(phrase) - n + 1))
                    start = None
        if found:
            ranked = sorted(found, key=lambda p: (-found[p], -len(p), p))
            out: list[str] = []
            for phrase in ranked:
                if not any(phrase in kept for kept in out):
                    out.append(phrase)
                if len(out) == limit:
                    break
            return out
    return []


def reasons(content: float, a: Profile, b: Profile, runs: Sequence[str],
            other_runs: Sequence[str], frequent: frozenset[int] | set[int] = frozenset(),
            ) -> list[Reason]:
    """The reasons of a match, biggest contribution first (content always first)."""
    out = [Reason("content", round(content, 3),
                  tuple(shared_phrases(runs, other_runs, frequent)))]
    level = place_level(a, b)
    if level:
        out.append(Reason("place", PLACE_BONUS[level], level=level))
    if a.category and a.category == b.category:
        out.append(Reason("category", CATEGORY_BONUS))
    return out


class Ranked(NamedTuple):
    key: int  # the candidate's id
    score: float
    content: float


def prerank(sig: Sequence[int], profile: Profile,
            candidates: Iterable[tuple[int, Sequence[int], Profile]], limit: int,
            min_content: float = MIN_CONTENT / 2) -> list[Ranked]:
    """The first ranking, on signatures: the ``limit`` best candidates (id, signature,
    profile) by estimated content plus bonuses; ties to the newest (highest id)."""
    out = []
    for key, other, other_profile in candidates:
        content = estimate(sig, other)
        if content >= min_content:
            out.append(Ranked(key, score(content, profile, other_profile), content))
    out.sort(key=lambda r: (-r.score, -r.key))
    return out[:limit]


# How many of the best candidates by signature are scored again on their text.
NEIGHBOURHOOD = 40
# Fewer candidates than this are too few to tell common from rare: the weights are
# computed as if there were this many (the missing ones sharing nothing).
NEIGHBOURHOOD_FLOOR = 10


def neighbourhood_weights(sets: Sequence[set[int] | frozenset[int]]
                          ) -> tuple[dict[int, float], float]:
    """Local rarity weights: a shingle found in many of the query's nearest candidates is
    the vocabulary of their kind of matter (工资, 补偿款 …, and the registrars' phrases), one
    found in few is what sets a matter apart (the company, the village, what happened).
    w = ln((n + 1) / (df + 1)) + 0.1 over the n candidates (n at least NEIGHBOURHOOD_FLOOR);
    a shingle none of them has weighs ln(n + 1) + 0.1 (returned as the default)."""
    df: Counter[int] = Counter()
    for s in sets:
        df.update(s)
    n = max(len(sets), NEIGHBOURHOOD_FLOOR)
    return {h: math.log((n + 1) / (c + 1)) + 0.1 for h, c in df.items()}, math.log(n + 1) + 0.1


def weighted_jaccard(a: set[int] | frozenset[int], b: set[int] | frozenset[int],
                     weights: Mapping[int, float], default: float) -> float:
    """Σ w over the shared shingles / Σ w over all shingles of either."""
    get = weights.get
    union = sum(get(h, default) for h in a | b)
    return sum(get(h, default) for h in a & b) / union if union else 0.0


def rerank(query: set[int] | frozenset[int], profile: Profile,
           candidates: Sequence[tuple[int, set[int] | frozenset[int], Profile]], limit: int,
           min_content: float = MIN_CONTENT) -> list[Ranked]:
    """The final ranking of the nearest candidates (id, specific shingles, profile): content
    is their weighted Jaccard similarity to ``query`` under the neighbourhood's weights,
    score adds the bonuses; best first, then the newest."""
    weights, default = neighbourhood_weights([c[1] for c in candidates])
    out = []
    for key, shingle_set, other_profile in candidates:
        content = weighted_jaccard(query, shingle_set, weights, default)
        if content >= min_content:
            out.append(Ranked(key, score(content, profile, other_profile), content))
    out.sort(key=lambda r: (-r.score, -r.key))
    return out[:limit]


# ---------------------------------------------------------------------------------------
# Clustering a set of cases
# ---------------------------------------------------------------------------------------

# Two groups are merged while the average score over all their pairs is at least this.
CLUSTER_THRESHOLD = 0.35
# Clusters smaller than this are not reported (a pair is a match, not a cluster).
CLUSTER_MIN_SIZE = 3
# Within a batch the frequent shingles are those in max(0.5 %, CLUSTER_FREQUENT_MIN) of its
# cases: a batch's own formulae and kind vocabulary go, its groups' specifics stay.
CLUSTER_FREQUENT_MIN = 10
# Buckets with more members than this pair each member with its nearest BUCKET_LIMIT ones
# only (by position in the batch): a flood of copies is still joined, at a bounded cost.
BUCKET_LIMIT = 200
# A pair is scored only when it shares this many bands (2: a pair at J = 0.3 shares 5.8 on
# average and fewer than 2 with probability 0.02).
MIN_SHARED_BANDS = 2
_SAMPLED_PAIRS = 2500  # the average between two large groups is estimated from this many


@dataclass(frozen=True)
class Item:
    """A case to cluster."""

    id: int
    title: str
    content: str
    county: str | None = None
    category: str | None = None
    township_id: int | None = None
    village: str | None = None

    @property
    def profile(self) -> Profile:
        return Profile(self.county, self.township_id, self.village, self.category)


@dataclass
class Cluster:
    ids: list[int]  # member case ids, ascending
    cohesion: float  # the average score over the members' pairs
    counties: list[tuple[str, int]] = field(default_factory=list)  # most cases first
    categories: list[tuple[str, int]] = field(default_factory=list)
    top_words: list[str] = field(default_factory=list)  # shared phrases, most telling first

    @property
    def size(self) -> int:
        return len(self.ids)


def cluster(items: Iterable[Item], *, threshold: float = CLUSTER_THRESHOLD,
            min_size: int = CLUSTER_MIN_SIZE) -> list[Cluster]:
    """Group the cases that tell the same matter.

    The frequent shingles are counted over ``items``; each case keeps its other shingles
    (sorted, in an array: memory stays small) and their signature.  Candidate pairs come
    from the LSH buckets; a pair's score is the exact Jaccard similarity of the kept
    shingles plus the bonuses.  Groups merge by average linkage: two groups join only while
    the average score over *all* their pairs (not just the best one) is at least
    ``threshold``, so a chain of look-alikes does not snowball into one cluster.  Largest
    clusters first."""
    items = list(items)
    n = len(items)
    df: Counter[int] = Counter()
    every = []
    for it in items:
        own = text_hashes(it.title, it.content)
        df.update(own)
        every.append(array("Q", own))
    limit = max(math.ceil(FREQUENT_SHARE * n), CLUSTER_FREQUENT_MIN)
    frequent = frozenset(h for h, c in df.items() if c >= limit)
    del df
    kept: list[array | None] = []
    sigs: list[array | None] = []
    for k in range(n):
        own = specific(set(every[k]), frequent)
        every[k] = None
        sig = signature(own)
        kept.append(array("Q", sorted(own)) if sig else None)
        sigs.append(array("I", sig) if sig else None)
    profiles = [it.profile for it in items]

    def pair_score(i: int, j: int, mine: set[int] | None = None) -> float:
        a, b = kept[i], kept[j]
        if a is None or b is None:
            return 0.0
        shared = len((mine if mine is not None else set(a)).intersection(b))
        content = shared / (len(a) + len(b) - shared)
        return score(content, profiles[i], profiles[j]) if content >= MIN_CONTENT else content

    edges = _candidate_edges(sigs, kept, pair_score, threshold)
    del sigs
    groups = _average_link(edges, pair_score, threshold)
    out = []
    for members, cohesion in groups:
        if len(members) < min_size:
            continue
        chosen = [items[i] for i in members]
        out.append(Cluster(
            ids=sorted(it.id for it in chosen), cohesion=round(cohesion, 3),
            counties=Counter(it.county for it in chosen if it.county).most_common(),
            categories=Counter(it.category for it in chosen if it.category).most_common(),
            top_words=_top_words(chosen, frequent)))
    out.sort(key=lambda c: (-c.size, -c.cohesion, c.ids[0]))
    return out


def _candidate_edges(sigs, kept, pair_score, threshold) -> list[tuple[float, int, int]]:
    """Pairs (score, i, j) at or above ``threshold`` among those sharing MIN_SHARED_BANDS
    band keys.  Per band the cases are sorted by key, so a bucket is a run of that order:
    a few arrays of n integers per band, no dictionary of buckets or of pairs."""
    n = len(sigs)
    order, position, start, end = [], [], [], []
    keys = [array("q", band_keys(s)) if s is not None else None for s in sigs]
    for band in range(BANDS):
        ranked = sorted((k[band], i) for i, k in enumerate(keys) if k is not None)
        o = array("i", (i for _k, i in ranked))
        pos, st, en = array("i", [-1]) * n, array("i", [0]) * n, array("i", [0]) * n
        run_start = 0
        for p in range(1, len(ranked) + 1):
            if p == len(ranked) or ranked[p][0] != ranked[run_start][0]:
                if p - run_start > 1:
                    for q in range(run_start, p):
                        i = o[q]
                        pos[i], st[i], en[i] = q, run_start, p
                run_start = p
        order.append(o)
        position.append(pos)
        start.append(st)
        end.append(en)
        del ranked
    del keys
    half = BUCKET_LIMIT // 2
    edges = []
    for i in range(n):
        if sigs[i] is None:
            continue
        hits: Counter[int] = Counter()
        for band in range(BANDS):
            s, e = start[band][i], end[band][i]
            if e - s < 2:
                continue
            if e - s > BUCKET_LIMIT:
                p = position[band][i]
                s, e = max(s, p - half), min(e, p + half + 1)
            hits.update(order[band][s:e])
        mine = set(kept[i])
        for j, shared in hits.items():
            if j > i and shared >= MIN_SHARED_BANDS:
                value = pair_score(i, j, mine)
                if value >= threshold:
                    edges.append((value, i, j))
    return edges


def _average_link(edges, pair_score, threshold) -> list[tuple[list[int], float]]:
    """Average-linkage agglomeration over the candidate graph: the two groups with the
    highest average pair score merge first, while it is ≥ threshold.  The average counts
    every pair of the two groups (scored when it was not a candidate edge; estimated from
    _SAMPLED_PAIRS random pairs between two large groups)."""
    members: dict[int, list[int]] = {}
    neighbours: dict[int, set[int]] = {}
    sums: dict[tuple[int, int], float] = {}
    inner: dict[int, float] = {}
    heap = []
    for value, i, j in edges:
        for x in (i, j):
            if x not in members:
                members[x], neighbours[x], inner[x] = [x], set(), 0.0
        neighbours[i].add(j)
        neighbours[j].add(i)
        sums[(i, j)] = value
        heap.append((-value, i, j, 1, 1))
    heapq.heapify(heap)

    def between(a: int, b: int) -> float:
        key = (a, b) if a < b else (b, a)
        total = sums.get(key)
        if total is None:
            ma, mb = members[a], members[b]
            pairs = len(ma) * len(mb)
            if pairs <= _SAMPLED_PAIRS:
                total = sum(pair_score(x, y) for x in ma for y in mb)
            else:
                rng = random.Random(key[0] * 1_000_003 + key[1])  # noqa: S311 # nosec B311 - sampling
                total = pairs / _SAMPLED_PAIRS * sum(
                    pair_score(rng.choice(ma), rng.choice(mb)) for _ in range(_SAMPLED_PAIRS))
            sums[key] = total
        return total

    while heap:
        _neg, a, b, size_a, size_b = heapq.heappop(heap)
        if a not in members or b not in members or len(members[a]) != size_a \
                or len(members[b]) != size_b:
            continue  # stale: one of the groups has grown or gone since
        if len(members[a]) < len(members[b]):
            a, b = b, a
        around = (neighbours[a] | neighbours[b]) - {a, b}
        merged = {c: between(a, c) + between(b, c) for c in around}
        inner[a] += inner.pop(b) + between(a, b)
        for c in neighbours[a] | neighbours[b]:
            sums.pop((a, c) if a < c else (c, a), None)
            sums.pop((b, c) if b < c else (c, b), None)
        members[a].extend(members.pop(b))
        for c in neighbours.pop(b):
            if c != a:
                neighbours[c].discard(b)
                neighbours[c].add(a)
        neighbours[a] = around
        size = len(members[a])
        for c, total in merged.items():
            sums[(a, c) if a < c else (c, a)] = total
            average = total / (size * len(members[c]))
            if average >= threshold:
                heapq.heappush(heap, (-average, a, c, size, len(members[c])))
    out = []
    for a, group in members.items():
        pairs = len(group) * (len(group) - 1) / 2
        out.append((group, inner[a] / pairs if pairs else 1.0))
    return out


def _top_words(chosen: Sequence[Item], frequent, limit: int = 5) -> list[str]:
    """The phrases most of the members share, specific ones first: 3-grams in at least half
    the members (two at least), weighted by how many members have them (×2 when not
    frequent), joined where they overlap in the text of the member that has most of them."""
    sample = chosen[:50]
    runs = [case_runs(it.title, it.content) for it in sample]
    counts: Counter[str] = Counter()
    for r in runs:
        counts.update(grams(r, 3))
    need = max(2, math.ceil(len(sample) / 2))
    weight = {g: c * (1 if shingle_hash(g) in frequent else 2)
              for g, c in counts.items() if c >= need}
    if not weight:
        return []
    best = max(runs, key=lambda r: sum(g in weight for g in grams(r, 3)))
    phrases: dict[str, int] = {}
    for run in best:
        i = 0
        while i <= len(run) - 3:
            if run[i:i + 3] not in weight:
                i += 1
                continue
            j = i
            total = 0
            while j <= len(run) - 3 and run[j:j + 3] in weight:
                total += weight[run[j:j + 3]]
                j += 1
            phrase = run[i:j + 2]
            phrases[phrase] = max(phrases.get(phrase, 0), total)
            i = j
    ranked = sorted(phrases, key=lambda p: (-phrases[p], p))
    return ranked[:limit]
