"""Train/validation/test splits of the records (see :func:`split_records`).

Records with a subject are split by subject: cross-subject (odd subjects train, even test), k-fold by
subject, or ``inner`` (cross-validation inside the cross-subject train half). Records without one (the
LZQ rows) are split by contiguous time blocks per class: the rows of each class, in file order, are
cut into blocks and whole blocks go to one side, so no window straddles train and test. The
validation set is carved from the train side only (a held-out train subject or each train subject's
last trial, and the tail of every train time block). Synthetic records (extra viewpoints of the 3D
UTD-MHAD trials, motion capture marked ``train_only``) join the train side only.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from har_common.dataset import SequenceRecord

from .sources import LZQ_FILES, dataset_of


def _subject_number(subject: str) -> int:
    digits = "".join(ch for ch in subject if ch.isdigit())
    return int(digits) if digits else zlib.crc32(subject.encode()) % 1000 + 1


def slice_record(r: SequenceRecord, a: int, b: int) -> SequenceRecord:
    """Rows ``a:b`` of a record, its source and row range updated."""
    meta = dict(r.meta)
    start = int(meta.get("start_row", 0))
    if "start_row" in meta:
        meta["start_row"], meta["end_row"] = start + a, start + b - 1
    base = r.source.split("#", 1)[0]
    return SequenceRecord(
        r.label, r.keypoints[a:b], subject=r.subject, source=f"{base}#rows={start + a}-{start + b - 1}", fps=r.fps, meta=meta
    )


def _time_blocks(records: list[SequenceRecord], n_blocks: int, min_rows: int = 5) -> list[list[SequenceRecord]]:
    """Cut the time line of ``records`` (already in time order) into ``n_blocks`` blocks of equal row count."""
    total = sum(len(r.keypoints) for r in records)
    bounds = [round(total * k / n_blocks) for k in range(n_blocks + 1)]
    blocks: list[list[SequenceRecord]] = [[] for _ in range(n_blocks)]
    pos = 0
    for r in records:
        n = len(r.keypoints)
        for k in range(n_blocks):
            a, b = max(bounds[k], pos) - pos, min(bounds[k + 1], pos + n) - pos
            if b - a >= min_rows:
                blocks[k].append(r if (a, b) == (0, n) else slice_record(r, a, b))
        pos += n
    return blocks


def _time_order(records: Iterable[SequenceRecord], file_order: Sequence[str]) -> list[SequenceRecord]:
    rank = {f: i for i, f in enumerate(file_order)}
    return sorted(
        records,
        key=lambda r: (
            rank.get(str(r.meta.get("file")), len(rank)),
            str(r.meta.get("file")),
            int(r.meta.get("start_row", 0) or 0),
        ),
    )


@dataclass
class Split:
    train: list[SequenceRecord] = field(default_factory=list)
    val: list[SequenceRecord] = field(default_factory=list)
    test: list[SequenceRecord] = field(default_factory=list)
    description: str = ""

    def counts(self) -> dict:
        return {side: dict(sorted(Counter(r.label for r in getattr(self, side)).items())) for side in ("train", "val", "test")}


PROTOCOLS = ("cross-subject", "kfold", "inner")


def _check(protocol: str, fold: int, n_folds: int, val: str) -> None:
    if val not in ("subject", "trial"):
        raise ValueError(f"unknown validation mode {val!r} (subject or trial)")
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r} (cross-subject, kfold or inner)")
    if protocol == "kfold" and not 0 <= fold < n_folds:
        raise ValueError(f"fold must be in 0..{n_folds - 1}")
    if protocol == "inner" and fold % 2 != 1:
        raise ValueError(f"with the inner protocol the fold is the odd (train-half) subject that tests, not {fold}")


def _test_subject(protocol: str, fold: int, n_folds: int):
    """Whether a subject tests under the protocol."""

    def is_test(subject: str) -> bool:
        n = _subject_number(subject)
        if protocol == "inner":
            return n == fold
        return n % 2 == 0 if protocol == "cross-subject" else (n - 1) % n_folds == fold

    return is_test


def _held_out_subject(train_subjects: list[str], val: str, val_subject: int | None) -> str | None:
    """val="subject": one train subject (the last, or number ``val_subject``) validates, so model selection rewards
    generalising to new people; val="trial": none (the last trial of every train subject validates instead)."""
    if len(train_subjects) <= 1 or val != "subject":
        return None
    if val_subject is None:
        return train_subjects[-1]
    held_out = next((t for t in train_subjects if _subject_number(t) == val_subject), None)
    if held_out is None:
        raise ValueError(f"validation subject {val_subject} is not a train subject ({', '.join(train_subjects)})")
    return held_out


def _split_by_subject(split: Split, records: list[SequenceRecord], is_test, val: str, val_subject: int | None) -> None:
    by_dataset: dict[str, list[SequenceRecord]] = defaultdict(list)
    for r in records:
        by_dataset[dataset_of(r)].append(r)
    for group in by_dataset.values():
        train_subjects = sorted({r.subject for r in group if not is_test(r.subject)}, key=_subject_number)
        held_out = _held_out_subject(train_subjects, val, val_subject)
        last_trial: dict[str, int] = {}
        for r in group:
            last_trial[r.subject] = max(last_trial.get(r.subject, 0), int(r.meta.get("trial", 0) or 0))
        for r in group:
            trial = int(r.meta.get("trial", 0) or 0)
            side = (
                "test"
                if is_test(r.subject)
                else "val"
                if r.subject == held_out or (val == "trial" and trial == last_trial[r.subject] > 1)
                else "train"
            )
            # A synthetic viewpoint (meta "yaw", or a virtual camera's "view") only trains: validation and
            # figures come from the real camera.
            if side == "train" or not (r.meta.get("yaw") or "view" in r.meta):
                getattr(split, side).append(r)


def _train_and_tail(split: Split, block: list[SequenceRecord], val_fraction: float) -> None:
    """A train block: its rows train, the last ``val_fraction`` of them validate."""
    total = sum(len(r.keypoints) for r in block)
    cut = total - int(round(total * val_fraction))
    pos = 0
    for r in block:
        n = len(r.keypoints)
        b = min(n, max(0, cut - pos))
        if b >= 5:
            split.train.append(r if b == n else slice_record(r, 0, b))
        if n - b >= 5:
            split.val.append(r if b == 0 else slice_record(r, b, n))
        pos += n


def _split_by_time(
    split: Split, records: list[SequenceRecord], protocol: str, fold: int, n_folds: int, val_fraction: float
) -> None:
    """Per (data set, class), contiguous time blocks: kfold's block ``fold`` tests, else the odd blocks (left out by inner)."""
    n_blocks = n_folds if protocol == "kfold" else 4
    groups: dict[tuple[str, str], list[SequenceRecord]] = defaultdict(list)
    for r in records:
        groups[(dataset_of(r), r.label)].append(r)
    for _, group in sorted(groups.items()):
        for k, block in enumerate(_time_blocks(_time_order(group, LZQ_FILES), n_blocks)):
            if (k == fold) if protocol == "kfold" else (k % 2 == 1):
                if protocol != "inner":
                    split.test += block
            else:
                _train_and_tail(split, block, val_fraction)


def _describe(protocol: str, fold: int, n_folds: int, val: str, val_fraction: float) -> str:
    validates = "the last train subject" if val == "subject" else "the last trial of each train subject"
    tail = f"{100 * val_fraction:.0f}%"
    if protocol == "cross-subject":
        return (
            "cross-subject: subjects with odd numbers (s1, s3, s5, s7) train, even ones (s2, s4, s6, s8) test; "
            f"{validates} validates. Rows without a subject: per class, the time line is cut into 4 "
            f"contiguous blocks, blocks 1 and 3 test, blocks 0 and 2 train (their last {tail} validates)."
        )
    if protocol == "inner":
        return (
            f"inner cross-validation of the cross-subject train half: s{fold} tests, the other odd subjects "
            f"train ({'the last of them' if val == 'subject' else 'the last trial of each'} validates); "
            "even subjects and LZQ's test blocks are left out. Rows without a subject: blocks 0 and 2 "
            f"train (their last {tail} validates)."
        )
    return (
        f"{n_folds}-fold by subject, fold {fold}: subject n tests in fold (n-1) mod {n_folds}; "
        f"{validates} validates. Rows without a subject: per class, {n_folds} contiguous time blocks, block {fold} tests "
        f"(the last {tail} of each train block validates)."
    )


def split_records(
    records: Sequence[SequenceRecord],
    protocol: str = "cross-subject",
    fold: int = 0,
    n_folds: int = 5,
    val_fraction: float = 0.2,
    val: str = "subject",
    val_subject: int | None = None,
) -> Split:
    """Train/validation/test split; see the module docstring. ``protocol``: ``cross-subject``, ``kfold``, or
    ``inner``: cross-validation inside the cross-subject train half, where odd subject ``fold`` plays the test
    subject, the other odd subjects train and validate, and the real test side (even subjects, LZQ's test
    blocks) is left out altogether, so settings can be compared without it.
    ``val_subject``: with ``val="subject"``, the number of the train subject that validates (default: the last)."""
    _check(protocol, fold, n_folds, val)
    split = Split()
    # Synthetic sequences (motion capture seen by virtual cameras: meta "train_only") always train and
    # never validate or test, in every protocol: the figures come from real recordings only.
    split.train += [r for r in records if r.meta.get("train_only")]
    records = [r for r in records if not r.meta.get("train_only")]
    with_subject = [r for r in records if r.subject is not None]
    if protocol == "inner":
        with_subject = [r for r in with_subject if _subject_number(r.subject) % 2 == 1]
    _split_by_subject(split, with_subject, _test_subject(protocol, fold, n_folds), val, val_subject)
    _split_by_time(split, [r for r in records if r.subject is None], protocol, fold, n_folds, val_fraction)
    split.description = _describe(protocol, fold, n_folds, val, val_fraction)
    return split
