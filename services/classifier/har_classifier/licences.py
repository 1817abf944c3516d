"""What each source data set is and its licence, keyed like :data:`har_classifier.sources.DATASET_NAMES`
(the model card lists those of the data a model was trained on)."""

LICENCES = {
    "utd_mhad": (
        "UTD-MHAD (Chen, Jafari, Kehtarnavaz, ICIP 2015), Kinect v1 skeletons, 8 subjects x 4 trials",
        'free for research use with a citation: C. Chen, R. Jafari, N. Kehtarnavaz, "UTD-MHAD: A Multimodal '
        'Dataset for Human Action Recognition Utilizing a Depth Camera and a Wearable Inertial Sensor", ICIP 2015',
    ),
    "lzq_openpose2d": (
        "LZQ OpenPose 2D rows (LZQthePlane/Online-Realtime-Action-Recognition-based-on-OpenPose@33664be, "
        "Action/training/), webcam frames through OpenPose",
        "Apache-2.0",
    ),
    "utd_mhad_seated": (
        "UTD-MHAD's seated frames (the start of sit-to-stand, the end of stand-to-sit) held still for 4 s: the `sitting` posture",
        "as UTD-MHAD",
    ),
    "utd_mhad_squat_held": (
        "UTD-MHAD's squat trials at their lowest (the hip centre within 3 cm of its lowest) held still for 4 s: "
        "a held squat, `squatting`",
        "as UTD-MHAD",
    ),
    "mocap/bandai_namco": (
        "Bandai Namco Research Motion Dataset 1 and 2 (a subset; BandaiNamcoResearchInc/"
        "Bandai-Namco-Research-Motiondataset@74ead3b), 3D motion capture of three actors seen by random "
        "virtual cameras",
        "CC BY-NC 4.0: attribution, non-commercial use only; **a model trained on it "
        "inherits that: its weights may not be used commercially**",
    ),
    "mocap/reactidle": (
        "ReActIdle (Enekoassets/ReActIdle@90b0ac7; Atxa Landa et al. 2025), standing idle motion capture of "
        "8 people seen by random virtual cameras; `lying` is the same motion turned to lie down, and built "
        "falls (`falling`, where a model's data lists `idle (fall_over)`) are stretches of it toppling to the floor",
        "MIT",
    ),
    "mocap/cmu_subset": (
        "CMU Graphics Lab Motion Capture Database (16 clips, as converted to BVH by DragonForgedTheArtist/"
        "IClone-CMU-Mocap@79529f9), seen by random virtual cameras",
        'free to use, not to be resold as data; credit: "The data used in this project was obtained from '
        'mocap.cs.cmu.edu. The database was created with funding from NSF EIA-0196217."',
    ),
}


def training_data(class_sources: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(name, licence) of each data set named in a model's ``class_sources`` (``"UTD-MHAD: squat"``, ...),
    in :data:`LICENCES` order; the licences in plain text."""
    from .sources import DATASET_NAMES

    used = {s.split(":")[0] for sources in class_sources.values() for s in sources}
    return [(DATASET_NAMES[k], lic.replace("**", "")) for k, (_, lic) in LICENCES.items() if DATASET_NAMES.get(k) in used]
