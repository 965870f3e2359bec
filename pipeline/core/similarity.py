"""Copied prose between agencies (`similar_prose`): MinHash over character shingles, in numpy.

Each report's prose of §一, §五 and §六 is reduced, in the parse worker, to a fixed-size MinHash
signature over its 5-character shingles (figures replaced by '#': a copy with other numbers is
still a copy): one-permutation MinHash, each shingle hashed once (64-bit) into one of 64 bins by
its top bits, the bin's minimum kept (32 bits); one sort per report instead of 64 hash passes.
Two reports' minima of a bin agree with probability about the Jaccard similarity of their
shingle sets. Across reports, in the main process:

- a (slot, minimum) pair that reports of more than `BOILERPLATE_AGENCIES` agencies share is
  boilerplate (the template phrases every office uses) and is not evidence of copying;
- reports sharing a rarer (slot, minimum) are candidate pairs (posting lists of at most a few
  agencies: linear in the number of reports, where all-pairs banding is not, with boilerplate);
- the share of prose two reports share beyond boilerplate is estimated as the slots where their
  minima agree and are not boilerplate, over the slots where either has a non-boilerplate minimum.

numpy rather than datasketch: datasketch hashes every shingle with sha1 in Python (about 30 times
the cost of parsing a report), and the boilerplate-aware comparison needs the raw minima anyway.
"""
from __future__ import annotations

import numpy as np
import polars as pl

SHINGLE = 5  # characters per shingle
PERMUTATIONS = 64
MIN_SHINGLES = 150  # less prose than this (a §六 saying 无) is too little to call a copy
BOILERPLATE_AGENCIES = 5  # a minimum shared by more agencies than this is template text
MAX_POSTING = 50  # reports sharing one rare minimum (an agency's many years included)
MIN_EVIDENCE = 16  # non-boilerplate slots two reports must agree on
SIMILAR_SHARE = 0.8  # estimated share of non-boilerplate prose shared

EMPTY = 0xFFFFFFFF  # a bin no shingle fell in: never evidence
_BIN_BITS = 6  # 2 ** 6 == PERMUTATIONS bins
_BIN_STARTS = np.arange(PERMUTATIONS, dtype=np.uint64) << np.uint64(64 - _BIN_BITS)
_POWERS = np.array([1_000_003 ** j % 2 ** 64 for j in range(SHINGLE)], dtype=np.uint64)


def _characters(text: str) -> np.ndarray:
    """The text's Chinese characters, Latin letters and figures as code points, each figure (a run
    of digits) as one '#' (in numpy: a regular expression would cost more than the rest)."""
    c = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    digit = (c >= 48) & (c <= 57)
    keep = ((c >= 0x4E00) & (c <= 0x9FFF)) | digit | ((c | 32) >= 97) & ((c | 32) <= 122)
    c, digit = c[keep], digit[keep]
    run = digit.copy()
    run[1:] &= digit[:-1]  # a digit after a digit: the same figure
    return np.where(digit, 35, c)[~run].astype(np.uint64)  # 35: '#'


def signature(text: str) -> tuple[int, bytes | None]:
    """(number of distinct shingles, the MinHash signature as 64 little-endian uint32) of the
    text; no signature when there are fewer than MIN_SHINGLES shingles."""
    chars = _characters(text)
    n = chars.size - SHINGLE + 1
    if n < MIN_SHINGLES:
        return max(n, 0), None
    with np.errstate(over="ignore"):
        h = sum(chars[j:j + n] * _POWERS[j] for j in range(SHINGLE))
        h ^= h >> np.uint64(30)  # splitmix64's finaliser: every bit of the shingle moves the top bits
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    h.sort()  # a bin's minimum is its first hash (np.unique costs 4 times a sort)
    distinct = int(np.count_nonzero(h[1:] != h[:-1])) + 1
    if distinct < MIN_SHINGLES:
        return distinct, None
    first = np.minimum(np.searchsorted(h, _BIN_STARTS), h.size - 1)
    found = (h[first] >> np.uint64(64 - _BIN_BITS)) == np.arange(PERMUTATIONS, dtype=np.uint64)
    mins = np.where(found, (h[first] >> np.uint64(64 - _BIN_BITS - 32)) & np.uint64(EMPTY), EMPTY)
    return distinct, mins.astype("<u4").tobytes()


def similar_pairs(signatures: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """report_id, other_id, share: pairs of reports of different agencies whose prose is nearly
    identical beyond boilerplate (each pair in both directions). `signatures`: report_id,
    signature; `reports`: report_id, agency_name."""
    empty = pl.DataFrame(schema={"report_id": pl.String, "other_id": pl.String, "share": pl.Float64})
    named = reports.select("report_id", "agency_name").filter(pl.col("agency_name").is_not_null())
    sigs = signatures.filter(pl.col("signature").is_not_null()).join(named, on="report_id")
    if sigs.height < 2:
        return empty
    minima = np.frombuffer(b"".join(sigs["signature"].to_list()), dtype="<u4").reshape(-1, PERMUTATIONS)
    agency = sigs["agency_name"].cast(pl.Categorical).to_physical().to_numpy()
    n = sigs.height
    long = pl.DataFrame({"i": np.repeat(np.arange(n, dtype=np.int32), PERMUTATIONS),
                         "slot": np.tile(np.arange(PERMUTATIONS, dtype=np.int16), n),
                         "value": minima.reshape(-1), "agency": np.repeat(agency, PERMUTATIONS)})
    shared = long.group_by("slot", "value").agg(pl.col("agency").n_unique().alias("agencies"),
                                                pl.len().alias("reports"))
    long = long.join(shared, on=["slot", "value"])
    boiler = minima == EMPTY
    hits = long.filter(pl.col("agencies") > BOILERPLATE_AGENCIES)
    boiler[hits["i"].to_numpy(), hits["slot"].to_numpy()] = True
    rare = long.filter((pl.col("value") != EMPTY) & pl.col("agencies").is_between(2, BOILERPLATE_AGENCIES)
                       & (pl.col("reports") <= MAX_POSTING)).select("i", "slot", "value", "agency")
    pairs = rare.join(rare, on=["slot", "value"], suffix="_o").filter(
        (pl.col("i") < pl.col("i_o")) & (pl.col("agency") != pl.col("agency_o"))
    ).group_by("i", "i_o").len("matches").filter(pl.col("matches") >= MIN_EVIDENCE)
    if pairs.is_empty():
        return empty
    a, b = pairs["i"].to_numpy(), pairs["i_o"].to_numpy()
    agree = ((minima[a] == minima[b]) & ~boiler[a]).sum(axis=1)
    either = (~(boiler[a] & boiler[b])).sum(axis=1)
    share = agree / np.maximum(either, 1)
    keep = (share >= SIMILAR_SHARE) & (agree >= MIN_EVIDENCE)
    ids = sigs["report_id"]  # gathered as a String Series: an empty numpy selection would be of dtype object
    one = pl.DataFrame({"report_id": ids.gather(a[keep]), "other_id": ids.gather(b[keep]),
                        "share": share[keep]})
    both = pl.concat([one, one.select(pl.col("other_id").alias("report_id"),
                                      pl.col("report_id").alias("other_id"), "share")])
    return both.sort("report_id", "share", "other_id", descending=[False, True, False])
