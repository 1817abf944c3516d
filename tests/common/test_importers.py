import json
from pathlib import Path

import numpy as np
import pytest

from har_common.importers.analysis import load_analysis_labels
from har_common.importers.openpose_csv import load_openpose_csv

ROOT = Path(__file__).resolve().parents[2]


def test_utd_mhad_loads_all_861(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import load_utd_mhad

    records = load_utd_mhad(shared("data", "skeletons", "utd_mhad"))
    assert len(records) == 861
    assert {r.subject for r in records} == {f"s{i}" for i in range(1, 9)}
    wave = next(r for r in records if r.source.endswith("a3_s1_t3_skeleton.mat"))
    assert wave.label == "right_hand_wave" and wave.fps == 30.0 and wave.keypoints.shape == (69, 17, 3)
    kp = wave.keypoints
    assert (kp[:, 1:5, 2] == 0).all()  # no eyes or ears on a Kinect
    assert (kp[:, 5:, 2] == 1).all()
    # Facing the camera, unmirrored: left shoulder right of right shoulder, head above the ankles.
    assert (kp[:, 5, 0] > kp[:, 6, 0]).all() and (kp[:, 0, 1] < kp[:, 15, 1]).all()
    body = kp[:, 5:, :2]
    assert body.min() > 0 and body[..., 0].max() < 640 and body[..., 1].max() < 480


def test_utd_mhad_label_map_selects_actions(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import load_utd_mhad

    records = load_utd_mhad(shared("data", "skeletons", "utd_mhad"), {"a3": "handwaving", "squat": "squatting"})
    assert {r.label for r in records} == {"handwaving", "squatting"}
    assert len(records) == 32 + 31


def test_utd_mhad_extra_viewpoints(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import load_utd_mhad

    folder = shared("data", "skeletons", "utd_mhad")
    plain = load_utd_mhad(folder, {"a3": "handwaving"})
    records = load_utd_mhad(folder, {"a3": "handwaving"}, yaws=(-30.0, 30.0))
    assert len(records) == 3 * len(plain) == 96
    trial = [r for r in records if r.source.split("#")[0].endswith("a3_s1_t3_skeleton.mat")]
    assert [r.source.rsplit("/", 1)[1] for r in trial] == [
        "a3_s1_t3_skeleton.mat",
        "a3_s1_t3_skeleton.mat#yaw=-30",
        "a3_s1_t3_skeleton.mat#yaw=30",
    ]
    assert [r.meta.get("yaw") for r in trial] == [None, -30.0, 30.0]
    assert {r.subject for r in trial} == {"s1"} and {r.meta["trial"] for r in trial} == {3}
    assert np.array_equal(trial[0].keypoints, plain[2].keypoints)  # the camera's own view is unchanged

    # Turned 30 degrees either way, the shoulders are closer together in the image, and the heights barely move.
    def width(r):
        return np.median(np.abs(r.keypoints[:, 5, 0] - r.keypoints[:, 6, 0]))

    assert width(trial[1]) < 0.95 * width(trial[0]) and width(trial[2]) < 0.95 * width(trial[0])
    assert np.abs(np.median(trial[1].keypoints[:, 0, 1]) - np.median(trial[0].keypoints[:, 0, 1])) < 15


def test_lzq_rows_cut_into_labelled_sequences(shared):
    folder = shared("data", "skeletons", "lzq_openpose2d")
    records = load_openpose_csv([folder / "data_under_scene.csv", folder / "data.csv"])
    labels = {r.label for r in records}
    assert labels == {"stand", "walk", "operate", "fall_down", "run", "squat", "wave"}
    # data.csv's stand and walk rows repeat data_under_scene.csv's: none is read twice.
    assert not any(r.meta["file"] == "data.csv" and r.label in ("stand", "walk") for r in records)
    for r in records:
        assert r.keypoints.shape[0] >= 10 and r.subject is None
        assert r.meta["end_row"] - r.meta["start_row"] + 1 >= r.keypoints.shape[0]
        steps = np.abs(np.diff(r.keypoints[..., :2], axis=0)).max()
        assert steps < 640  # no jump from one recording to the next inside


def test_openpose_csv_cuts_on_jump_and_label(tmp_path):
    header = ",".join(f"j{i}" for i in range(36)) + ",class\n"
    still = [0.5] * 36
    moved = [0.9] * 36
    rows = [still] * 12 + [moved] * 12 + [moved] * 11
    labels = ["a"] * 24 + ["b"] * 11
    (tmp_path / "x.csv").write_text(header + "".join(",".join(map(str, r)) + f",{lab}\n" for r, lab in zip(rows, labels)))
    # duplicates are skipped, so identical rows give one frame each: make rows unique
    text = header
    for i, (r, lab) in enumerate(zip(rows, labels)):
        r = list(r)
        r[0] += i * 1e-4
        text += ",".join(f"{v:.4f}" for v in r) + f",{lab}\n"
    (tmp_path / "x.csv").write_text(text)
    records = load_openpose_csv([tmp_path / "x.csv"])
    assert [(r.label, r.keypoints.shape[0]) for r in records] == [("a", 12), ("a", 12), ("b", 11)]


def test_openpose_csv_rejects_wrong_columns(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="36 coordinate columns"):
        load_openpose_csv([tmp_path / "bad.csv"])


def test_analysis_labels_errors(tmp_path):
    (tmp_path / "l.csv").write_text("file,label\nx.json,a\n")
    with pytest.raises(ValueError, match="subject"):
        load_analysis_labels(tmp_path / "l.csv")
    (tmp_path / "l.csv").write_text("file,label,subject\nmissing.json,a,s\n")
    with pytest.raises(FileNotFoundError, match="missing.json"):
        load_analysis_labels(tmp_path / "l.csv")


# ----------------------------------------------------------------------------- motion capture (BVH)

MOCAP_FRAMES = {  # one clip of each skeleton
    "bandai_namco": ("bandai_namco", "dataset-1", "dataset-1_walk_normal_001.bvh"),
    "reactidle": ("reactidle", "genuine", "003_genuine.bvh"),
    "cmu_iclone": ("cmu_subset", "002_01.bvh"),
}


@pytest.mark.parametrize("skeleton", sorted(MOCAP_FRAMES))
def test_each_skeleton_maps_to_a_plausible_coco17_body(shared, skeleton):
    pytest.importorskip("bvhio", reason="BVH import needs bvhio (the common environment has it)")
    from har_common.importers.bvh import joint_names, read_bvh
    from har_common.importers.mocap import BODY, SKELETONS, skeleton_of, to_coco17_3d, upright
    from har_common.layouts import COCO17

    path = shared("data", "mocap", *MOCAP_FRAMES[skeleton])
    assert skeleton_of(joint_names(path)) == skeleton
    motion = read_bvh(path, [SKELETONS[skeleton][j] for j in BODY])
    assert motion.positions.shape[1:] == (13, 3) and 20 <= motion.fps <= 30.01
    body = to_coco17_3d(upright(motion.positions))
    j = {name: body[0, i] for i, name in enumerate(COCO17.joints)}

    def dist(a, b):
        return float(np.linalg.norm(j[a] - j[b]))

    assert j["nose"][1] > j["left_shoulder"][1] > j["left_hip"][1] > j["left_knee"][1] > j["left_ankle"][1] >= -1e-6
    assert 0.2 < dist("left_shoulder", "right_shoulder") < 0.5 and 0.15 < dist("left_hip", "right_hip") < 0.45
    for a, b, lo, hi in (
        ("left_shoulder", "left_elbow", 0.2, 0.4),
        ("left_elbow", "left_wrist", 0.18, 0.35),
        ("left_hip", "left_knee", 0.3, 0.55),
        ("left_knee", "left_ankle", 0.3, 0.55),
    ):
        assert lo < dist(a, b) < hi, (a, b, dist(a, b))
        assert abs(dist(a, b) - dist(a.replace("left", "right"), b.replace("left", "right"))) < 0.05
    # the face looks the way the chest does: seen from in front, the person's left is on the image's right
    from har_common.cameras import PinholeCamera

    forward = j["nose"] - (j["left_ear"] + j["right_ear"]) / 2
    forward[1] = 0.0
    centre = (j["left_hip"] + j["right_hip"]) / 2
    camera = PinholeCamera(
        position=centre + 4 * forward / np.linalg.norm(forward) + [0, 0.5, 0],
        target=centre + [0, 0.5, 0],
        focal_px=500.0,
        width=640,
        height=480,
    )
    kp = camera.project(body[:1])[0]
    assert (kp[:, 2] == 1).all()
    assert kp[5, 0] > kp[6, 0] and kp[11, 0] > kp[12, 0] and kp[0, 1] < kp[15, 1]


def test_bandai_walks_go_where_the_face_looks(shared):
    pytest.importorskip("bvhio", reason="BVH import needs bvhio (the common environment has it)")
    from har_common.importers.bvh import read_bvh
    from har_common.importers.mocap import BODY, SKELETONS, to_coco17_3d, upright

    path = shared("data", "mocap", *MOCAP_FRAMES["bandai_namco"])
    body = to_coco17_3d(upright(read_bvh(path, [SKELETONS["bandai_namco"][j] for j in BODY]).positions))
    hips = body[:, 11:13].mean(axis=1)
    travel = hips[-1] - hips[0]
    forward = (body[:, 0] - (body[:, 3] + body[:, 4]) / 2).mean(axis=0)
    travel[1] = forward[1] = 0.0
    assert np.linalg.norm(travel) > 5.0  # Bandai Namco's walks cross the room
    assert np.dot(travel, forward) / np.linalg.norm(travel) / np.linalg.norm(forward) > 0.9


def test_random_cameras_see_people_from_everywhere_and_lose_them_at_the_edges():
    from har_common.cameras import random_camera

    rng = np.random.default_rng(0)
    walk = np.zeros((60, 17, 3), np.float32)
    walk[..., 1] = np.linspace(0.05, 1.6, 17)[::-1]
    walk[:, :, 0] = np.linspace(-5, 5, 60)[:, None]  # 10 m across the room
    cams = [random_camera(rng, walk) for _ in range(200)]
    kps = [c.project(walk) for c in cams]
    downs = np.array([float(c.describe().split("down=")[1].split("deg")[0]) for c in cams])
    assert downs.min() < 5 and downs.max() > 45  # eye level to ceiling cameras
    assert {(c.width, c.height) for c in cams} >= {(320, 240), (1920, 1080)}
    left_frame = [((k[..., 2] == 0).all(axis=1)).any() for k in kps]
    assert 0.1 < np.mean(left_frame) < 1.0  # many views lose the walker at an edge
    for k, c in zip(kps, cams):
        seen = k[..., 2] == 1
        assert (k[seen][:, 0] < c.width).all() and (k[seen][:, 1] < c.height).all() and (k[~seen][:, :2] == 0).all()


def test_mocap_label_rules_cover_every_clip_of_the_shared_folder(shared, tmp_path):
    from har_common.importers.mocap import find_clips, label_for, load_label_rules

    rules = load_label_rules(ROOT / "services" / "classifier" / "har_classifier" / "mocap_labels.json")
    clips = find_clips(shared("data", "mocap"))
    assert len(clips) > 500
    unlabelled = [c.path.name for c in clips if label_for(rules, c.source, c.text) is None]
    assert unlabelled == []
    assert label_for(rules, "bandai_namco", "walk-turn-left") == "walking"
    assert label_for(rules, "bandai_namco", "byebye") == "handwaving"
    assert label_for(rules, "cmu_subset", "dance - sideways steps, pirouette") == "other"
    assert label_for(rules, "reactidle", "idle") == "standing"
    from har_common.importers.mocap import postures_for

    assert postures_for(rules, "reactidle", "idle") == [("lying", "lie_down")] + [("falling", "fall_over")] * 6
    bad = tmp_path / "rules.json"
    bad.write_text('{"rules": [{"source": "x", "label": "y"}]}')
    with pytest.raises(ValueError, match="needs source, match and label"):
        load_label_rules(bad)
    rule = {"source": "reactidle", "match": "idle", "label": "falling", "posture": "fall_over", "count": 0}
    bad.write_text(json.dumps({"rules": [rule]}))
    with pytest.raises(ValueError, match="count must be a whole number"):
        load_label_rules(bad)
    for posture in ("clap", "sit", "sit_down", "stand_up"):  # built motions a rule may ask for
        bad.write_text(json.dumps({"rules": [{"source": "reactidle", "match": "idle", "label": "x", "posture": posture}]}))
        assert postures_for(load_label_rules(bad), "reactidle", "idle") == [("x", posture)]
    bad.write_text(json.dumps({"rules": [{"source": "reactidle", "match": "idle", "label": "x", "posture": "juggle"}]}))
    with pytest.raises(ValueError, match="unknown posture 'juggle'"):
        load_label_rules(bad)


def test_utd_trials_seen_by_virtual_cameras_and_held_seated_postures(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import HELD_SECONDS, load_utd_mhad

    folder = shared("data", "skeletons", "utd_mhad")
    recs = load_utd_mhad(folder, label_map={"squat": "squatting"}, views=2, seed=0, sitting_label="sitting")
    squats = [r for r in recs if r.label == "squatting"]
    seated = [r for r in recs if r.label == "sitting"]
    trials = 32  # 8 subjects x 4 trials of each action
    assert len(seated) == 2 * 3 * trials  # two actions; the camera's view + 2 virtual ones
    own_squats = [r for r in squats if "view" not in r.meta]
    assert trials - 1 <= len(own_squats) <= trials  # UTD-MHAD lacks a few files
    # a trial with an untracked joint keeps only the camera's view (a turned skeleton would be bent)
    assert 2 * len(own_squats) - 4 <= len(squats) - len(own_squats) <= 2 * len(own_squats)
    assert {len(r.keypoints) for r in seated} == {int(HELD_SECONDS * 30)}
    assert all(r.meta["derived"].startswith("seated frames of") for r in seated)
    assert not any(r.label in ("standing_up", "sitting_down") for r in recs)  # not asked for
    # seated: the knees come up towards the hips, against the same people standing at the start of a squat

    def thigh_drop(kp):
        torso = np.abs(kp[:, 5:7, 1].mean(1) - kp[:, 11:13, 1].mean(1))
        return float(np.median(np.abs(kp[:, 13:15, 1].mean(1) - kp[:, 11:13, 1].mean(1)) / torso))

    sitting_ratio = thigh_drop(np.concatenate([r.keypoints for r in seated if "view" not in r.meta]))
    standing_ratio = thigh_drop(np.concatenate([r.keypoints[:5] for r in own_squats]))
    assert sitting_ratio < 0.85 * standing_ratio, (sitting_ratio, standing_ratio)
    # the same seed draws the same cameras
    again = load_utd_mhad(folder, label_map={"squat": "squatting"}, views=2, seed=0, sitting_label="sitting")
    assert all(np.array_equal(a.keypoints, b.keypoints) for a, b in zip(again, recs))


def test_utd_squats_held_at_their_lowest(shared):
    pytest.importorskip("scipy")
    from har_common.importers.utd_mhad import HELD_SECONDS, load_utd_mhad

    folder = shared("data", "skeletons", "utd_mhad")
    recs = load_utd_mhad(folder, label_map={"squat": "squatting"}, views=1, seed=0, squat_label="squatting")
    own = [r for r in recs if "view" not in r.meta and "derived" not in r.meta]
    held = [r for r in recs if r.meta.get("derived")]
    assert len(held) >= 2 * len(own) - 2 and {r.label for r in held} == {"squatting"}  # camera's view + 1 virtual
    assert {len(r.keypoints) for r in held} == {int(HELD_SECONDS * 30)}
    assert all(r.source.startswith("utd_mhad_squat_held/") for r in held)

    def hip_to_ankle(kp):  # image y grows downwards: the hips' height above the ankles, per torso length
        torso = np.abs(kp[:, 5:7, 1].mean(1) - kp[:, 11:13, 1].mean(1))
        return np.median((kp[:, 15:17, 1].mean(1) - kp[:, 11:13, 1].mean(1)) / torso)

    # held at the bottom: the hips far lower than in the same people's first (standing) frames, and still
    ratios = []
    for trial, squat in zip([r for r in held if "view" not in r.meta], own, strict=True):
        assert trial.source.endswith(squat.source.split("/")[-1])
        ratios.append(hip_to_ankle(trial.keypoints) / hip_to_ankle(squat.keypoints[:5]))
        assert np.ptp(trial.keypoints[:, 11:13, 1]) < 0.2 * np.ptp(squat.keypoints[:, 11:13, 1])
    assert max(ratios) < 0.9 and np.median(ratios) < 0.75, ratios
    # off unless asked for
    assert not any(r.meta.get("derived") for r in load_utd_mhad(folder, label_map={"squat": "squatting"}))


def test_lying_is_built_from_a_real_idle_clip(shared):
    pytest.importorskip("bvhio", reason="BVH import needs bvhio (the common environment has it)")
    from har_common.importers.bvh import read_bvh
    from har_common.importers.mocap import BODY, SKELETONS, to_coco17_3d, upright
    from har_common.postures import lie_down

    path = shared("data", "mocap", *MOCAP_FRAMES["reactidle"])
    idle = to_coco17_3d(upright(read_bvh(path, [SKELETONS["reactidle"][j] for j in BODY]).positions))
    rng = np.random.default_rng(1)
    for _ in range(8):
        lying = lie_down(idle, rng)
        assert lying.shape == idle.shape
        assert np.ptp(lying[..., 1], axis=1).max() < 0.7 and lying[..., 1].min() >= -1e-6  # flat, not under the floor
        assert np.ptp(lying[..., [0, 2]].reshape(-1, 2), axis=0).max() > 1.2  # the body's length lies along the floor
        moved = np.abs(np.diff(lying, axis=0)).max()
        assert 0 < moved < 0.1  # the idle motion is kept


def test_falls_are_built_from_a_real_idle_clip(shared):
    """A built fall: upright, then the body tips over about its feet ever faster, then lies on the floor still
    moving a little; every direction comes up, and a clip too short for the phases is refused."""
    pytest.importorskip("bvhio", reason="BVH import needs bvhio (the common environment has it)")
    from har_common.importers.bvh import read_bvh
    from har_common.importers.mocap import BODY, SKELETONS, to_coco17_3d, upright
    from har_common.postures import FALL_PHASES_S, fall_over

    path = shared("data", "mocap", *MOCAP_FRAMES["reactidle"])
    motion = read_bvh(path, [SKELETONS["reactidle"][j] for j in BODY])
    idle = to_coco17_3d(upright(motion.positions))
    rng = np.random.default_rng(2)
    longest = sum(hi for _, hi in FALL_PHASES_S.values()) * motion.fps
    headings = set()
    for _ in range(12):
        fall = fall_over(idle, rng, motion.fps)
        assert fall.shape[1:] == (17, 3) and len(fall) <= longest + 3
        head = fall[:, 0, 1]  # the nose's height
        assert head[0] > 1.3 and head[-1] < 0.5 and fall[..., 1].min() >= -1e-6  # standing, then on the floor
        drop = -np.diff(head)
        assert drop.max() > 3 * max(drop[: len(drop) // 4].max(), 1e-3)  # it speeds up: no steady sinking
        assert 0 < np.abs(np.diff(fall[-5:], axis=0)).max() < 0.1  # lying, the idle motion kept
        feet = fall[:, 15:17].mean(axis=1)
        assert np.abs(feet[-1] - feet[0]).max() < 0.35  # it tips over about the feet
        nose = fall[-1, 0, [0, 2]] - fall[0, 0, [0, 2]]
        headings.add(int(np.degrees(np.arctan2(nose[1], nose[0])) // 90))
    assert len(headings) >= 3
    with pytest.raises(ValueError, match="a fall needs"):
        fall_over(idle[:20], rng, motion.fps)


def test_claps_and_chairs_are_built_from_a_real_idle_clip(shared):
    """Built claps: the wrists meet and open again in front of the body, the arms keep their length. Built
    sitting: the hips drop to a chair's height and back, the knees bend forwards, the feet stay; sitting down
    goes from standing to seated, standing up the other way round."""
    pytest.importorskip("bvhio", reason="BVH import needs bvhio (the common environment has it)")
    from har_common.importers.bvh import read_bvh
    from har_common.importers.mocap import BODY, SKELETONS, to_coco17_3d, upright
    from har_common.postures import STRETCH_S, TRANSITION_PHASES_S, clap, sit, sit_down

    path = shared("data", "mocap", *MOCAP_FRAMES["reactidle"])
    motion = read_bvh(path, [SKELETONS["reactidle"][j] for j in BODY])
    idle = to_coco17_3d(upright(motion.positions))
    rng = np.random.default_rng(3)

    def bones(j):  # upper arms, forearms, thighs, shins
        pairs = ((5, 7), (7, 9), (6, 8), (8, 10), (11, 13), (13, 15), (12, 14), (14, 16))
        return np.stack([np.linalg.norm(j[:, a] - j[:, b], axis=-1) for a, b in pairs], axis=1)

    def facing(j):  # (T, 3) horizontal unit vector the body faces, from its shoulders
        f = np.cross(j[:, 5] - j[:, 6], [0.0, 1.0, 0.0])
        f[:, 1] = 0
        return f / np.linalg.norm(f, axis=-1, keepdims=True)

    standing_hips = float(np.median(idle[:, 11:13, 1]))
    for _ in range(4):
        claps = clap(idle, rng, motion.fps)
        assert STRETCH_S[0] * motion.fps - 1 <= len(claps) <= STRETCH_S[1] * motion.fps + 1
        gap = np.linalg.norm(claps[:, 9] - claps[:, 10], axis=-1)
        assert gap.min() < 0.08 and gap.max() > 0.15  # they meet and open
        assert np.ptp(bones(claps), axis=0).max() < 0.01  # rigid bones
        ahead = np.sum((claps[:, 9:11].mean(1) - claps[:, 5:7].mean(1)) * facing(claps), axis=-1)
        assert (ahead > 0.1).all()  # in front of the body

        seated = sit(idle, rng, motion.fps)
        hips = seated[:, 11:13, 1].mean(1)
        assert (hips < 0.75 * standing_hips).all() and (hips > 0.5 * standing_hips).all()
        assert np.ptp(bones(seated), axis=0).max() < 0.01
        knees_ahead = np.sum((seated[:, 13:15] - seated[:, 11:13]).mean(1) * facing(seated), axis=-1)
        assert (knees_ahead > 0.2).all()  # thighs forward, as on a chair

        down, up = sit_down(idle, rng, motion.fps), sit_down(idle, rng, motion.fps, rise=True)
        longest = sum(hi for _, hi in TRANSITION_PHASES_S.values()) * motion.fps
        for seq, first, last in ((down, 1.0, 0.75), (up, 0.75, 1.0)):
            assert len(seq) <= longest + 3
            hips = seq[:, 11:13, 1].mean(1) / standing_hips
            assert (hips[0] > 0.95) == (first == 1.0) and (hips[-1] > 0.95) == (last == 1.0)
            assert hips.min() < 0.75
            feet = seq[:, 15:17].mean(1)
            assert np.abs(feet - feet[0]).max() < 0.1  # the feet stay where they are
    with pytest.raises(ValueError, match="a transition needs"):
        sit_down(idle[:10], rng, motion.fps)


def test_every_built_posture_a_rule_names_becomes_training_records(shared, tmp_path):
    """load_mocap on one real idle clip with a rule for each posture builder: every builder runs through the
    importer and gives its own train-only records, seen by the virtual cameras."""
    pytest.importorskip("bvhio", reason="BVH import needs bvhio (the common environment has it)")
    from har_common.importers.mocap import POSTURES, load_mocap

    clip = tmp_path / "reactidle" / MOCAP_FRAMES["reactidle"][-1]
    clip.parent.mkdir(parents=True)
    clip.symlink_to(shared("data", "mocap", *MOCAP_FRAMES["reactidle"]))
    rules = {"rules": [{"source": "reactidle", "match": "^idle$", "label": f"is_{p}", "posture": p} for p in POSTURES]}
    records = load_mocap(tmp_path, rules, views=1, seed=0)
    assert sorted(r.label for r in records) == sorted(f"is_{p}" for p in POSTURES)  # no standing: no plain rule
    for r in records:
        assert r.meta["derived"] == r.label[3:] and r.meta["train_only"]
        assert r.keypoints.shape[1:] == (17, 3) and len(r.keypoints) > 10
