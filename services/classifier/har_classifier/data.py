"""Data protocol of the classifier: classes, sources, splits, windows, preprocessing, augmentation.

Everything reads the shared package: the importers (:mod:`har_common.importers`), the record type
(:class:`har_common.dataset.SequenceRecord`) and the transforms (:mod:`har_common.transforms`).

- **Classes and sources.** UTD-MHAD actions and LZQ OpenPose labels are mapped onto the default
  classes (:data:`UTD_MAP`, :data:`LZQ_MAP`); the 19 other UTD-MHAD actions (:data:`UTD_OTHER`) form
  the rejection class ``other``, with LZQ's ``operate``.
- **Splits.** Records with a subject are split by subject: cross-subject (odd subjects train, even
  test) or k-fold by subject. Records without one (the LZQ rows) are split by contiguous time
  blocks per class: the rows of each class, in file order, are cut into blocks and whole blocks go
  to one side, so no window straddles train and test. The validation set is carved from the train
  side only (a held-out train subject, and the tail of every train time block). Extra viewpoints
  of the 3D UTD-MHAD trials (``load_sources(yaws=...)``) and motion capture seen by virtual cameras
  (a ``--dataset`` made by ``har dataset import mocap``: records marked ``train_only``) join the train
  side only.
- **Windows.** Short records (UTD trials) are one sample each; long ones are cut into windows of the
  model's duration (non-overlapping for evaluation, overlapping and a little longer for training
  so that random crops and speed changes have room).
- **Preprocessing** (training, evaluation and the service alike): mask low-confidence joints,
  resample to the window's frame rate and length (centre crop), normalise (sequence-centred, torso
  scale), then make the score a 0/1 visibility flag and drop the eyes and ears (UTD's Kinect has
  none; MediaPipe and YOLO have them), so the model never depends on them.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from har_common.dataset import SequenceRecord, SkeletonDataset
from har_common.schemas import WindowSpec
from har_common.importers.utd_mhad import ACTIONS as _UTD_ACTIONS
from har_common.transforms import (
    Compose,
    GaussianJitter,
    JointDropout,
    MaskLowConfidence,
    Normalize,
    RandomFlip,
    RandomLimbScale,
    RandomRotateScale,
    RandomStretch,
    Resample,
    SpeedChange,
    fit_length,
    normalize,
    resample,
)

OTHER = "other"
SITTING = "sitting"
DEFAULT_CLASSES = [
    "boxing", "handclapping", "handwaving", "jogging", "running", "walking",
    "standing", "sitting_down", "standing_up", "squatting", "falling", OTHER,
]
# The still postures: `sitting` from UTD-MHAD's seated frames, `lying` from motion capture (a --dataset
# made by `har dataset import mocap`), so they are asked for with --classes (the default model has them).
POSTURE_CLASSES = [SITTING, "lying"]
# UTD-MHAD action name (har_common.importers.utd_mhad.ACTIONS) -> class.
UTD_MAP = {
    "front_boxing": "boxing", "two_hand_front_clap": "handclapping", "right_hand_wave": "handwaving",
    "jogging_in_place": "jogging", "walking_in_place": "walking", "sit_to_stand": "standing_up",
    "stand_to_sit": "sitting_down", "squat": "squatting",
}
# Every other UTD-MHAD action (swipes, throw, cross arms, basketball shoot, drawing, bowling, baseball,
# tennis, arm curl, push, knock, catch, pick up and throw, lunge) -> the rejection class ``other``.
UTD_OTHER = sorted(set(_UTD_ACTIONS.values()) - set(UTD_MAP))
# LZQ OpenPose label -> class. "operate" (working at something, standing) joins the rejection class, so that
# ``other`` is not a UTD-MHAD-only (Kinect-looking) class: otherwise anything that looks like OpenPose/MediaPipe
# output and is none of the classes lands on an LZQ-only class (falling, running).
LZQ_MAP = {"stand": "standing", "walk": "walking", "run": "running", "fall_down": "falling", "squat": "squatting", "wave": "handwaving",
           "operate": OTHER}
LZQ_FILES = ("data_under_scene.csv", "data.csv")
UTD_CLASSES = [c for c in DEFAULT_CLASSES if c in UTD_MAP.values()]  # the target's classes (``other`` not among them)
FACE_JOINTS = (1, 2, 3, 4)  # eyes and ears: absent from UTD-MHAD's Kinect skeletons

DATASET_NAMES = {"utd_mhad": "UTD-MHAD", "lzq_openpose2d": "LZQ OpenPose 2D", "utd_mhad_seated": "UTD-MHAD seated, held",
                 "mocap/bandai_namco": "Bandai Namco mocap", "mocap/reactidle": "ReActIdle mocap",
                 "mocap/cmu_subset": "CMU mocap"}


# ----------------------------------------------------------------------------- sources


def dataset_of(record: SequenceRecord) -> str:
    """The source data set's key: the first part of the record's ``source`` (``utd_mhad``, ``lzq_openpose2d``, ...)."""
    return record.source.split("/", 1)[0].split("#", 1)[0] or "unknown"


def load_sources(
    utd_dir: str | Path | None = None,
    lzq_dir: str | Path | None = None,
    datasets: Sequence[str | Path] = (),
    classes: Sequence[str] = DEFAULT_CLASSES,
    yaws: Sequence[float] = (),
    utd_views: int = 0,
    seed: int = 0,
) -> list[SequenceRecord]:
    """Read the raw data sets and keep the records whose (mapped) label is in ``classes``. ``yaws``: extra
    viewpoints of the 3D UTD-MHAD trials (degrees), ``utd_views``: as many random virtual cameras per trial
    (drawn with ``seed``); both for training only (:func:`split_records` keeps them there). With ``sitting``
    in ``classes``, UTD-MHAD's seated frames held still make that class (:func:`load_utd_mhad`)."""
    from har_common.importers.openpose_csv import load_openpose_csv
    from har_common.importers.utd_mhad import load_utd_mhad

    wanted = set(classes)
    records: list[SequenceRecord] = []
    if utd_dir:
        utd_map = {k: v for k, v in UTD_MAP.items() if v in wanted}
        if OTHER in wanted:
            utd_map.update({a: OTHER for a in UTD_OTHER})
        records += load_utd_mhad(utd_dir, label_map=utd_map, yaws=tuple(yaws), views=utd_views, seed=seed,
                                 sitting_label=SITTING if SITTING in wanted else None)
    if lzq_dir:
        files = [Path(lzq_dir) / f for f in LZQ_FILES if (Path(lzq_dir) / f).is_file()]
        if not files:
            raise FileNotFoundError(f"no LZQ CSV files ({', '.join(LZQ_FILES)}) in {lzq_dir}")
        records += load_openpose_csv(files, label_map={k: v for k, v in LZQ_MAP.items() if v in wanted})
    for folder in datasets:
        records += [r for r in SkeletonDataset.load(folder) if r.label in wanted]
    if not records:
        raise ValueError("no training data: give --utd, --lzq or --dataset")
    return records


# ----------------------------------------------------------------------------- splits


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
    return SequenceRecord(r.label, r.keypoints[a:b], subject=r.subject, source=f"{base}#rows={start + a}-{start + b - 1}",
                          fps=r.fps, meta=meta)


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
    return sorted(records, key=lambda r: (rank.get(str(r.meta.get("file")), len(rank)), str(r.meta.get("file")),
                                          int(r.meta.get("start_row", 0) or 0)))


@dataclass
class Split:
    train: list[SequenceRecord] = field(default_factory=list)
    val: list[SequenceRecord] = field(default_factory=list)
    test: list[SequenceRecord] = field(default_factory=list)
    description: str = ""

    def counts(self) -> dict:
        return {side: dict(sorted(Counter(r.label for r in getattr(self, side)).items())) for side in ("train", "val", "test")}


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
    if val not in ("subject", "trial"):
        raise ValueError(f"unknown validation mode {val!r} (subject or trial)")
    if protocol not in ("cross-subject", "kfold", "inner"):
        raise ValueError(f"unknown protocol {protocol!r} (cross-subject, kfold or inner)")
    if protocol == "kfold" and not 0 <= fold < n_folds:
        raise ValueError(f"fold must be in 0..{n_folds - 1}")
    if protocol == "inner" and fold % 2 != 1:
        raise ValueError(f"with the inner protocol the fold is the odd (train-half) subject that tests, not {fold}")
    split = Split()
    # Synthetic sequences (motion capture seen by virtual cameras: meta "train_only") always train and
    # never validate or test, in every protocol: the figures come from real recordings only.
    split.train += [r for r in records if r.meta.get("train_only")]
    records = [r for r in records if not r.meta.get("train_only")]
    with_subject = [r for r in records if r.subject is not None]
    without = [r for r in records if r.subject is None]
    if protocol == "inner":
        with_subject = [r for r in with_subject if _subject_number(r.subject) % 2 == 1]

    # --- by subject
    def is_test(subject: str) -> bool:
        n = _subject_number(subject)
        if protocol == "inner":
            return n == fold
        return n % 2 == 0 if protocol == "cross-subject" else (n - 1) % n_folds == fold

    by_dataset: dict[str, list[SequenceRecord]] = defaultdict(list)
    for r in with_subject:
        by_dataset[dataset_of(r)].append(r)
    for group in by_dataset.values():
        train_subjects = sorted({r.subject for r in group if not is_test(r.subject)}, key=_subject_number)
        # val="subject": one train subject (the last) validates, so model selection rewards generalising to
        # new people; val="trial": the last trial of every train subject validates (more subjects train).
        held_out = None
        if len(train_subjects) > 1 and val == "subject":
            held_out = train_subjects[-1]
            if val_subject is not None:
                held_out = next((t for t in train_subjects if _subject_number(t) == val_subject), None)
                if held_out is None:
                    raise ValueError(f"validation subject {val_subject} is not a train subject "
                                     f"({', '.join(train_subjects)})")
        last_trial = {}
        for r in group:
            last_trial[r.subject] = max(last_trial.get(r.subject, 0), int(r.meta.get("trial", 0) or 0))
        for r in group:
            side = ("test" if is_test(r.subject) else
                    "val" if r.subject == held_out or (val == "trial" and int(r.meta.get("trial", 0) or 0) == last_trial[r.subject] > 1)
                    else "train")
            # A synthetic viewpoint (meta "yaw", or a virtual camera's "view") only trains: validation and
            # figures come from the real camera.
            if side == "train" or not (r.meta.get("yaw") or "view" in r.meta):
                getattr(split, side).append(r)

    # --- by contiguous time blocks, per class and source file set
    n_blocks = n_folds if protocol == "kfold" else 4
    groups: dict[tuple[str, str], list[SequenceRecord]] = defaultdict(list)
    for r in without:
        groups[(dataset_of(r), r.label)].append(r)
    for (_, _label), group in sorted(groups.items()):
        blocks = _time_blocks(_time_order(group, LZQ_FILES), n_blocks)
        for k, block in enumerate(blocks):
            test = (k == fold) if protocol == "kfold" else (k % 2 == 1)
            if test:
                if protocol != "inner":
                    split.test += block
                continue
            # The tail of every train block validates.
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
    if protocol == "cross-subject":
        split.description = ("cross-subject: subjects with odd numbers (s1, s3, s5, s7) train, even ones (s2, s4, s6, s8) test; "
                             f"{'the last train subject' if val == 'subject' else 'the last trial of each train subject'} validates. Rows without a subject: per class, the time line is cut into 4 "
                             "contiguous blocks, blocks 1 and 3 test, blocks 0 and 2 train (their last 20% validates).")
    elif protocol == "inner":
        split.description = (f"inner cross-validation of the cross-subject train half: s{fold} tests, the other odd subjects "
                             f"train ({'the last of them' if val == 'subject' else 'the last trial of each'} validates); "
                             "even subjects and LZQ's test blocks are left out. Rows without a subject: blocks 0 and 2 "
                             "train (their last 20% validates).")
    else:
        split.description = (f"{n_folds}-fold by subject, fold {fold}: subject n tests in fold (n-1) mod {n_folds}; "
                             f"{'the last train subject' if val == 'subject' else 'the last trial of each train subject'} validates. Rows without a subject: per class, {n_folds} contiguous time blocks, block {fold} tests "
                             "(the last 20% of each train block validates).")
    return split


# ----------------------------------------------------------------------------- windows


@dataclass
class Sample:
    keypoints: np.ndarray  # (T, 17, 3) pixels
    fps: float
    label: str
    dataset: str
    source: str


def make_samples(records: Sequence[SequenceRecord], spec: WindowSpec, train: bool) -> list[Sample]:
    """One sample per short record; long records (more than twice the window) cut into windows."""
    out: list[Sample] = []
    for r in records:
        n = len(r.keypoints)
        win = max(2, int(round(spec.seconds * r.fps)))
        if n <= 2 * win:
            out.append(Sample(r.keypoints, r.fps, r.label, dataset_of(r), r.source))
            continue
        length, step = (int(round(1.5 * win)), max(1, win // 2)) if train else (win, win)
        starts = list(range(0, n - length + 1, step))
        if not train and n - (starts[-1] + length) >= win // 2:
            starts.append(n - length)  # the tail, overlapping the previous window a little
        for s in starts:
            out.append(Sample(r.keypoints[s:s + length], r.fps, r.label, dataset_of(r), f"{r.source}@{s}"))
    return out


def finalize(kp: np.ndarray, spec: WindowSpec) -> np.ndarray:
    """Score -> 0/1 visibility, eyes and ears dropped, coordinates bounded; float32 ``(T, 17, 3)``."""
    kp = np.array(kp, dtype=np.float32, copy=True)
    visible = kp[..., 2] > 0
    if spec.drop_face:
        visible[..., list(FACE_JOINTS)] = False
    kp[..., 2] = visible
    kp[..., :2] = np.clip(kp[..., :2], -8.0, 8.0) * visible[..., None]
    return kp


def preprocess(keypoints: np.ndarray, fps: float, spec: WindowSpec) -> np.ndarray:
    """One sequence (any length, pixels) -> the model's input window ``(length, 17, 3)``."""
    kp = np.asarray(keypoints, dtype=np.float32)
    kp = MaskLowConfidence(spec.mask_threshold)({"keypoints": kp})["keypoints"]
    kp = fit_length(resample(kp, float(fps), spec.fps), spec.length)
    return finalize(normalize(kp, spec.center), spec)


def _masked_median(values: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median over axis 1 of ``values`` ``(B, T, ...)`` where ``ok`` ``(B, T)``; also whether any was ok."""
    ok_b = np.broadcast_to(ok.reshape(ok.shape + (1,) * (values.ndim - 2)), values.shape)
    s = np.sort(np.where(ok_b, values, np.inf), axis=1)
    n = ok.sum(1)
    lo = np.take_along_axis(s, np.maximum(n - 1, 0).reshape((-1, 1) + (1,) * (values.ndim - 2)) // 2, 1)[:, 0]
    hi = np.take_along_axis(s, (n // 2).reshape((-1, 1) + (1,) * (values.ndim - 2)), 1)[:, 0]
    has = n > 0
    med = np.where(has.reshape((-1,) + (1,) * (values.ndim - 2)), (lo + hi) / 2, 0.0)
    return med, has


def _mean_joints(kp: np.ndarray, joints) -> tuple[np.ndarray, np.ndarray]:
    sub = kp[:, :, list(joints)]
    w = (sub[..., 2] > 0).astype(np.float64)
    n = w.sum(axis=2)
    return (sub[..., :2] * w[..., None]).sum(axis=2) / np.maximum(n, 1)[..., None], n > 0


def _preprocess_group(kp: np.ndarray, fps: float, spec: WindowSpec) -> np.ndarray:
    """:func:`preprocess` of ``B`` sequences of the same length and frame rate at once, ``(B, T, 17, 3)``."""
    from har_common.transforms import body_scale

    kp = np.array(kp, dtype=np.float32, copy=True)
    kp[kp[..., 2] < spec.mask_threshold] = 0.0
    kp[~np.isfinite(kp).all(-1) | (kp[..., 2] <= 0)] = 0.0
    n_src = kp.shape[1]
    if abs(float(fps) - spec.fps) >= 1e-9 and n_src > 1:  # resample (as har_common.transforms.resample)
        n_out = int(np.floor((n_src - 1) / float(fps) * spec.fps + 1e-6)) + 1
        t = np.arange(n_out) * (float(fps) / spec.fps)
        i0 = np.clip(np.floor(t).astype(int), 0, n_src - 1)
        i1 = np.clip(i0 + 1, 0, n_src - 1)
        w = (t - i0).astype(np.float32)[:, None, None]
        a, b = kp[:, i0], kp[:, i1]
        va, vb = (a[..., 2] > 0)[..., None], (b[..., 2] > 0)[..., None]
        kp = np.where(va & vb, a * (1 - w) + b * w, np.where(va & ((w < 0.5) | ~vb), a, np.where(vb, b, 0.0))).astype(np.float32)
        kp[~np.isfinite(kp).all(-1) | (kp[..., 2] <= 0)] = 0.0
    n = kp.shape[1]
    if n > spec.length:  # centre crop / edge padding (as fit_length)
        start = (n - spec.length) // 2
        kp = kp[:, start:start + spec.length]
    elif n < spec.length:
        kp = kp[:, np.clip(np.arange(spec.length) - (spec.length - n) // 2, 0, n - 1)]
    # normalise (as har_common.transforms.normalize with center="sequence")
    hips, has_hips = _mean_joints(kp, (11, 12))
    shoulders, has_shoulders = _mean_joints(kp, (5, 6))
    every, has_any = _mean_joints(kp, range(17))
    centres = np.where(has_hips[..., None], hips, np.where(has_shoulders[..., None], shoulders, every))
    if spec.center == "sequence":
        c, _ = _masked_median(centres, has_any)
        c = c[:, None, :]
    else:
        from har_common.transforms import _fill_gaps

        c = np.stack([_fill_gaps(centres[i], has_any[i]) for i in range(len(kp))])
    torso = np.linalg.norm(shoulders - hips, axis=2)
    scale, has_torso = _masked_median(torso, has_hips & has_shoulders & (torso > 1e-6))
    for i in np.flatnonzero(~has_torso):  # no torso anywhere: the shared fallback (visible extent)
        scale[i] = body_scale(kp[i])
    out = kp.copy()
    out[..., :2] = (kp[..., :2] - c[:, :, None, :]) / scale[:, None, None, None]
    out[~np.isfinite(out).all(-1) | (out[..., 2] <= 0)] = 0.0
    return finalize(out, spec)


def preprocess_batch(sequences: Sequence[tuple[np.ndarray, float]], spec: WindowSpec) -> np.ndarray:
    """:func:`preprocess` of many sequences, vectorised over those of equal length and frame rate."""
    out = np.zeros((len(sequences), spec.length, 17, 3), np.float32)
    groups: dict[tuple[int, float], list[int]] = defaultdict(list)
    arrays = [np.asarray(kp, dtype=np.float32) for kp, _ in sequences]
    for i, (a, (_, fps)) in enumerate(zip(arrays, sequences)):
        if a.ndim != 3 or a.shape[0] == 0 or a.shape[1:] != (17, 3):
            out[i] = preprocess(a, fps, spec)  # raises the shared functions' errors
        else:
            groups[(a.shape[0], float(fps))].append(i)
    for (_, fps), idx in groups.items():
        out[idx] = _preprocess_group(np.stack([arrays[i] for i in idx]), fps, spec)
    return out


def augmenter(spec: WindowSpec, seed: int, stretch: float = 0.0, limb_scale: float = 0.0) -> Compose:
    """The training pipeline (shared transforms), seeded: speed, random crop, normalise, flip,
    rotate/scale, stretch (x and y apart; off when ``stretch`` is 0), limb lengths (off when
    ``limb_scale`` is 0), jitter, joint dropout."""
    rng = np.random.default_rng(seed)
    s = lambda: int(rng.integers(2**31))
    return Compose([
        MaskLowConfidence(spec.mask_threshold),
        SpeedChange((0.8, 1.25), p=0.5, seed=s()),
        Resample(spec.length, spec.fps, crop="random", seed=s()),
        Normalize(spec.center),
        RandomFlip(0.5, seed=s()),
        RandomRotateScale(12.0, (0.85, 1.15), seed=s()),
        *([RandomStretch(stretch, seed=s())] if stretch else []),
        *([RandomLimbScale(limb_scale, seed=s())] if limb_scale else []),
        GaussianJitter(0.03, seed=s()),
        JointDropout(0.08, p=0.7, seed=s()),
    ])


def augment(samples: Sequence[Sample], spec: WindowSpec, seed: int, stretch: float = 0.0, limb_scale: float = 0.0) -> np.ndarray:
    """Augmented model inputs for ``samples``; the same ``seed`` gives the same arrays."""
    pipeline = augmenter(spec, seed, stretch, limb_scale)
    rng = np.random.default_rng(seed + 1)
    out = np.empty((len(samples), spec.length, 17, 3), np.float32)
    for i, smp in enumerate(samples):
        kp = pipeline({"keypoints": smp.keypoints, "fps": smp.fps})["keypoints"]
        if rng.random() < 0.1:  # now and then a whole limb goes missing for the window (occlusion)
            limb = [(7, 9), (8, 10), (13, 15), (14, 16)][int(rng.integers(4))]
            kp[:, list(limb)] = 0.0
        out[i] = finalize(kp, spec)
    return out


def balance_weights(samples: Sequence[Sample], classes: Sequence[str]) -> np.ndarray:
    """Per-sample weights: every class weighs the same, and within a class every source data set too. Mean 1."""
    groups = Counter((s.label, s.dataset) for s in samples)
    per_class = defaultdict(int)
    for (label, _), _n in groups.items():
        per_class[label] += 1
    w = np.array([1.0 / (groups[(s.label, s.dataset)] * per_class[s.label]) for s in samples], np.float64)
    return (w * len(w) / w.sum()).astype(np.float32)


def class_sources(records: Sequence[SequenceRecord], classes: Sequence[str]) -> dict[str, list[str]]:
    """For the model card: which data set(s) each class comes from, and which source labels."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in records:
        key = dataset_of(r)
        if key == "mocap":                 # motion capture: one entry per source collection
            key = "/".join(r.source.split("/", 2)[:2])
        src = r.meta.get("action") or r.meta.get("source_label") or r.meta.get("mocap_text") or r.label
        if r.meta.get("derived") and key.startswith("mocap"):   # UTD-MHAD's held posture has its own source name
            src = f"{src} ({r.meta['derived']})"
        found[r.label].add(f"{DATASET_NAMES.get(key, key)}: {src}")
    return {c: sorted(found.get(c, ())) for c in classes}


def labels_to_index(samples: Sequence[Sample], classes: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[s.label] for s in samples], np.int32)

