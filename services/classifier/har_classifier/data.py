"""The classifier's data protocol in one import (``from har_classifier import data as D``): classes and sources
(:mod:`.sources`), splits (:mod:`.splits`) and windows (:mod:`.windows`). Preprocessing and augmentation
are the named transform chains of :mod:`.preprocessing`."""

from __future__ import annotations

from .sources import (
    DATASET_NAMES,
    DEFAULT_CLASSES,
    LZQ_FILES,
    LZQ_MAP,
    OTHER,
    POSTURE_CLASSES,
    SITTING,
    UTD_CLASSES,
    UTD_MAP,
    UTD_OTHER,
    class_sources,
    dataset_of,
    load_sources,
)
from .splits import Split, slice_record, split_records
from .windows import Sample, balance_weights, labels_to_index, make_samples

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_CLASSES",
    "LZQ_FILES",
    "LZQ_MAP",
    "OTHER",
    "POSTURE_CLASSES",
    "SITTING",
    "UTD_CLASSES",
    "UTD_MAP",
    "UTD_OTHER",
    "Sample",
    "Split",
    "balance_weights",
    "class_sources",
    "dataset_of",
    "labels_to_index",
    "load_sources",
    "make_samples",
    "slice_record",
    "split_records",
]
