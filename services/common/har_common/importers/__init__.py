"""Importers from outside formats into :class:`har_common.dataset.SkeletonDataset` records.

- :mod:`.utd_mhad`: UTD-MHAD Kinect ``.mat`` folders (needs scipy, the ``datasets`` extra);
- :mod:`.openpose_csv`: OpenPose COCO-18 per-frame CSV rows, such as the LZQ data;
- :mod:`.analysis`: the project's own video-analysis JSON files plus a labels CSV.
"""
