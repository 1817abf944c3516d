"""The model card (``report/model_card.md``): every statement derived from the model folder itself: its
``model.json`` (window, classes, training options, data summary, calibration, engine), its evaluation
figures (``report/metrics.json``), the training curves and, when measured, ``real_video.json``.
Only the project's targets are fixed here; the data sets' licences come from :mod:`.licences`.
"""

from __future__ import annotations

from collections.abc import Callable

from .licences import LICENCES
from .options import TrainOptions
from .preprocessing import train_pipeline
from .sources import DATASET_NAMES, OTHER, UTD_MAP, UTD_OTHER

TARGET_UTD = 0.93  # the project's target on the UTD-MHAD test trials of the mapped actions
TARGET_REAL_VIDEO = 0.90  # ... and on the spans of the real-video benchmark


# What each random step of the training chain (preprocessing.train_pipeline) does, for the card.
AUGMENTATIONS: dict[str, Callable[[TrainOptions], str]] = {
    "EstimatorNoise": lambda o: (
        f"the pose estimators' measured errors on the synthetic sequences (x{o.estimator_noise:g}: offsets, "
        "wander, jitter, left/right swaps, dropout; `pose_noise.json`)"
    ),
    "SpeedChange": lambda o: "speed change",
    "Resample": lambda o: "random crop",
    "RandomFlip": lambda o: "flip (left/right swap)",
    "RandomRotateScale": lambda o: "rotation and scale",
    "RandomStretch": lambda o: f"x and y stretched apart (within 1 +- {o.stretch:g})",
    "RandomLimbScale": lambda o: f"limb lengths scaled (within 1 +- {o.limb_scale:g})",
    "GaussianJitter": lambda o: "Gaussian jitter",
    "JointDropout": lambda o: "joint dropout",
    "LimbDropout": lambda o: "occasional whole-limb dropout",
}


def pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _used_datasets(m: dict) -> list[str]:
    return sorted({s.split(":")[0] for v in m["class_sources"].values() for s in v})


def _mapped_actions(classes: list[str]) -> int:
    return sum(1 for c in UTD_MAP.values() if c in classes)


def _intro(m: dict, info: dict) -> list[str]:
    win = info["window"]
    drop = " eyes and ears are dropped and" if win.get("drop_face", True) else ""
    centre = "sequence-centred" if win.get("center", "sequence") == "sequence" else "centred frame by frame"
    rejection = f"; `{OTHER}` is the rejection class (movements that are none of the rest)" if OTHER in m["classes"] else ""
    return [
        f"# Model card: `{m['model']}` ({info.get('architecture')})",
        "",
        "Skeleton-sequence action classifier of the HAR project. Input: one person's 2D keypoints in the COCO-17 layout "
        f"(pixels, any length and frame rate), joints scored under {win.get('mask_threshold', 0.3)} treated as missing, "
        f"resampled to {win['length']} frames at {win['fps']:g} fps ({win['length'] / win['fps']:.2f} s), {centre} and "
        f"scaled by the torso length;{drop} scores become 0/1 visibility. Classes: {', '.join(f'`{c}`' for c in m['classes'])}"
        f"{rejection}. Served with the `{info.get('engine', 'tf')}` engine.",
        "",
    ]


def _test_figures(m: dict) -> list[str]:
    n_mapped, n_other = _mapped_actions(m["classes"]), len(UTD_OTHER) if OTHER in m["classes"] else 0
    lines = [
        "## Figures (test side only)",
        "",
        f"- protocol: **{m['protocol']}**. {m['protocol_description']}",
        f"- test windows: {m['test_windows']} ({m.get('utd_mhad_all_trials', m['utd_mhad_test_trials'])} UTD-MHAD trials, "
        f"{m['utd_mhad_test_trials']} of them of the {n_mapped} mapped actions)",
        f"- **accuracy on the UTD-MHAD test trials of the {n_mapped} mapped actions: {pct(m['utd_mhad_accuracy'])}** "
        f"({len(m['classes'])}-way decision{', `other` included' if OTHER in m['classes'] else ''}; "
        f"target >= {100 * TARGET_UTD:.0f}%)"
        + (
            f"; {pct(m['utd_mhad_accuracy_without_other'])} when `other` is left out of the decision"
            if m.get("utd_mhad_accuracy_without_other") is not None
            else ""
        ),
    ]
    if OTHER in m["classes"]:
        lines.append(
            f"- accuracy on every UTD-MHAD test trial (the {n_other} `other` actions included): "
            f"{pct(m.get('utd_mhad_all_accuracy'))}; `other` recall on UTD-MHAD: {pct(m.get('utd_other_recall'))}; "
            f"windows of the {len(m['classes']) - 1} actions wrongly rejected as `other`: "
            f"{pct(m.get('known_rejected_as_other'))}"
        )
    lines += [
        f"- accuracy on every test window of the UTD-MHAD classes: {pct(m['utd_classes_accuracy'])}",
        f"- overall accuracy: {pct(m['accuracy'])}, macro-F1: {m['macro_f1']:.3f}",
        "- per data set: " + ", ".join(f"{k} {pct(v['accuracy'])} of {v['windows']}" for k, v in m["per_dataset"].items()),
    ]
    cal = m.get("calibration", {})
    if cal:
        lines.append(
            f"- calibration: temperature {cal['temperature']:.3f} (fitted on the validation side), expected calibration "
            f"error {cal['ece']:.3f} ({cal['bins']} bins; {cal['ece_uncalibrated']:.3f} before the temperature), "
            f"NLL {cal['nll']:.3f} ({cal['nll_uncalibrated']:.3f}), mean confidence {pct(cal['mean_confidence'])}"
            + (
                f"; `other`'s probability weighed x{cal['other_weight']:g} (`--other-weight`), included in these figures"
                if "other_weight" in cal
                else ""
            )
            + (
                f"; stillness gate: a window whose most moving joint moves under {cal['stillness_threshold']:g} "
                f"torso lengths a second is named only among {', '.join(f'`{c}`' for c in cal['stillness_postures'].split(','))} "
                "(`calibration.stillness` in model.json), included in these figures"
                if "stillness_threshold" in cal
                else ""
            )
        )
    return lines


def _real_video(rv: dict | None) -> list[str]:
    if not rv:
        return []
    h = rv["readings"][rv["headline_reading"]]
    return [
        "",
        "## Real video (the benchmark's annotated clips; never trained on)",
        "",
        f"- **headline ({rv['headline_reading']} reading, {rv.get('labels', 'causal')} labels, {rv['lag_s']:g} s latency "
        f"allowed): {h['correct']} of "
        f"{rv['spans']} spans right ({pct(h['accuracy'])})**; "
        + "; ".join(f"{r}: {pct(v['accuracy'])}" for r, v in rv["readings"].items() if r != rv["headline_reading"])
        + f"; macro recall {pct(h['macro_recall'])} (target: {100 * TARGET_REAL_VIDEO:.0f} % of the spans)",
        "- recall per class: " + ", ".join(f"{c} {pct(v)}" for c, v in sorted(rv["recall"].items())),
        f"- false alarms (a known action shown while people do none of them or nobody is there): "
        f"{rv['false_alarms']['events']} runs, {rv['false_alarms']['seconds']:.1f} s in "
        f"{rv['false_alarms']['reject_seconds']:.1f} s; **false falls: {rv['false_falls']['events']} runs, "
        f"{rv['false_falls']['seconds']:.1f} s**",
        *_responsiveness(rv.get("responsiveness")),
        f"- measured by `{rv['command']}` ({rv['created']}; docs/benchmark.md)",
    ]


def _responsiveness(r: dict | None) -> list[str]:
    """How soon and how steady the labels are; absent from figures measured before it was recorded."""
    if not r or r["first_label_s"]["median"] is None or r["long_span_changes_per_minute"] is None:
        return []  # nobody labelled, or no long span: nothing to say how soon or how steady
    first = r["first_label_s"]
    never = f", {r['never_labelled']} never labelled" if r["never_labelled"] else ""
    return [
        f"- responsiveness: first label {first['median']:g} s after a person appears (median; longest "
        f"{first['max']:g} s{never}); spans under {r['short_s']:g} s right: {r['short_spans']['correct']} of "
        f"{r['short_spans']['scored']}; label changes inside longer spans: "
        f"{r['long_span_changes_per_minute']:.1f} a minute{_change_delay(r)}"
    ]


def _change_delay(r: dict) -> str:
    """How late an annotated change of action is named; absent from figures measured before it was recorded."""
    delay = r.get("change_delay_s") or {}
    if delay.get("median") is None:
        return ""
    named = r["changes"] - r["changes_missed"]
    return f"; changes of action named: {named} of {r['changes']}, a median {delay['median']:g} s after the change"


def _kfold(kf: dict | None) -> list[str]:
    if not kf:
        return []
    total = kf.get("n_folds", 5)
    lines = [
        "",
        f"### {total}-fold by subject ({kf['folds']} of {total} folds run; mean ± std over them)",
        "",
        "| figure | mean ± std | per fold |",
        "|---|---|---|",
    ]
    for key, label in (
        ("utd_mhad_accuracy", "UTD-MHAD trials, mapped actions"),
        ("accuracy", "overall accuracy"),
        ("macro_f1", "macro-F1"),
        ("utd_other_recall", "`other` recall (UTD-MHAD)"),
        ("ece", "ECE"),
    ):
        if key in kf["figures"]:
            f = kf["figures"][key]
            lines.append(f"| {label} | {f['mean']:.3f} ± {f['std']:.3f} | {', '.join(f'{v:.3f}' for v in f['values'])} |")
    return [*lines, f"\n{kf.get('note', '')}"]


def _per_class(m: dict) -> list[str]:
    lines = ["", "| class | precision | recall | F1 | test windows | data |", "|---|---|---|---|---|---|"]
    for c in m["classes"]:
        pc = m["per_class"][c]
        src = "; ".join(m["class_sources"].get(c, [])) or "none"
        lines.append(f"| {c} | {pc['precision']:.3f} | {pc['recall']:.3f} | {pc['f1']:.3f} | {pc['support']} | {src} |")
    return [*lines, "", "![confusion matrix](confusion.png)", "", "![training curves](curves.png)"]


def _data(m: dict) -> list[str]:
    used = _used_datasets(m)
    lines = ["", "## Data and licences", ""]
    for key, (what, lic) in LICENCES.items():
        if DATASET_NAMES.get(key) in used:
            lines.append(f"- **{DATASET_NAMES[key]}**: {what}. Licence: {lic}.")
    if DATASET_NAMES["utd_mhad"] in used:
        lines.append(
            "- UTD-MHAD's 3D Kinect skeletons are projected to 2D pixels (pinhole, Kinect v1 intrinsics) by "
            "`har_common`; its head centre stands in for the nose, and its walking and jogging are performed in place."
        )
    if DATASET_NAMES["lzq_openpose2d"] in used:
        lines.append("- The LZQ rows carry no subject and an undocumented frame rate (10 fps assumed).")
    return lines


def _augmentations(opts: TrainOptions) -> str:
    chain = train_pipeline(opts.window, 0, opts.stretch, opts.limb_scale, opts.estimator_noise)
    steps = [type(t).__name__ for t in chain.transforms]
    text = ", ".join(AUGMENTATIONS[s](opts) for s in steps if s in AUGMENTATIONS)
    if opts.yaws:
        text += (
            f"; and each UTD-MHAD training trial also seen from turned viewpoints ({', '.join(f'{a:g}' for a in opts.yaws)}"
            " degrees about the vertical axis, projected from the 3D skeleton)"
        )
    if opts.utd_views:
        text += (
            f"; and each UTD-MHAD training trial also seen by {opts.utd_views} random virtual cameras (any azimuth, "
            "eye level to 60 degrees down, `har_common.cameras`)"
        )
    if opts.held_squats:
        text += (
            "; and the lowest frames of each UTD-MHAD squat trial held still for 4 s as `squatting` (`--held-squats`: "
            "a person holding a squat, built from real 3D squats as the seated frames build `sitting`)"
        )
    return text


def _training(m: dict, info: dict, history: dict, opts: TrainOptions) -> list[str]:
    members = info.get("members") or []
    recalls = [f"{mb['val_other_recall']:.1%}" for mb in members if "val_other_recall" in mb]
    ensemble = (
        f" in all: an ensemble of {len(members)} trainings with the same options (seeds "
        f"{', '.join(str(mb['seed']) for mb in members)}; best epochs "
        f"{', '.join(str(mb['best_epoch']) for mb in members)}"
        + (f"; validation `other` recall {', '.join(recalls)}" if len(recalls) == len(members) else "")
        + (
            ") joined in one graph by consensus (`--ensemble consensus`: each class gets the least probability any "
            "member gives it, `other` the rest, so what the members disagree on is rejected)"
            if opts.ensemble == "consensus"
            else ") whose probabilities are averaged in one graph"
        )
        + " (`--members`, `--member-seeds`); the curves are the first one's"
        if members
        else ""
    )
    other_sources = m["class_sources"].get(OTHER, [])
    data = info.get("data", {})
    return [
        "",
        "## Training",
        "",
        f"- architecture `{opts.model}`, {info.get('parameters')} parameters{ensemble}"
        + (f"; fine-tuned from the weights of `{opts.init}` (`--init`)" if opts.init else "")
        + f"; Adam (lr {opts.learning_rate:g}), "
        f"batch {opts.batch_size}, up to {opts.epochs} epochs, early stopping (patience {opts.patience}) and learning-rate "
        "halving on a validation-loss plateau; best epoch by validation balanced accuracy "
        f"(epoch {info.get('best_epoch')} of {len(history.get('loss', []))}); validation: "
        f"{'the last trial of each train subject' if opts.val == 'trial' else 'a held-out train subject'} "
        "(and the tail of each train time block of rows without a subject).",
        f"- loss: cross-entropy with label smoothing {opts.label_smoothing:g}; class balancing: per-sample weights so "
        "every class, and within a class every source data set, weighs the same"
        + (
            f". The rejection class `other` ({len(other_sources)} source actions) contributes at most {opts.other_ratio:g}x "
            "the mean class's windows per epoch, drawn anew each epoch, and weighs as one class"
            if other_sources
            else ""
        )
        + ".",
        f"- augmentation (the named transforms of `har_classifier.preprocessing.train_pipeline`), each sample "
        f"{opts.repeats}x per epoch: {_augmentations(opts)}.",
        "- calibration: one softmax temperature, chosen to minimise the validation negative log-likelihood, applied by the "
        "service (`temperature` in `model.json` and `GET /v1/models`)"
        + (
            f"; then the prior of `other` weighed x{opts.other_weight:g} (`--other-weight`; `class_weights` in `model.json`)"
            if opts.other_weight != 1.0
            else ""
        )
        + ".",
        f"- seed {opts.seed}, `tf.keras.utils.set_random_seed` and op determinism; {data.get('train_windows')} training and "
        f"{data.get('val_windows')} validation windows; trained in {info.get('train_seconds')} s.",
    ]


def _single_source_classes(m: dict) -> list[str]:
    by_source: dict[str, list[str]] = {}
    for c, sources in m["class_sources"].items():
        names = {s.split(":")[0] for s in sources}
        if len(names) == 1:
            by_source.setdefault(names.pop(), []).append(f"`{c}`")
    return [f"{', '.join(cs)} from {name} only" for name, cs in sorted(by_source.items())]


def _limits(m: dict, opts: TrainOptions) -> list[str]:
    smallest = min(((v["support"], c) for c, v in m["per_class"].items() if v["support"]), default=(0, "none"))
    mocap = any("mocap" in d for d in _used_datasets(m))
    lines = [
        "",
        "## Limits",
        "",
        f"- Trained on the train side of the split above ({m['protocol']})"
        + (", plus motion capture seen by random virtual cameras (train side only)" if mocap else "")
        + ". Expect lower accuracy on viewpoints, people and cameras unlike those of its data.",
        f"- The test side has {m['test_windows']} windows; the smallest class (`{smallest[1]}`) has {smallest[0]}, so one "
        f"window moves its recall by {100 / max(smallest[0], 1):.1f} points. Options chosen by comparing runs on this split "
        "make its figures optimistic" + ("; the k-fold figures above are the less selected estimate." if m.get("kfold") else "."),
    ]
    single = _single_source_classes(m)
    if single:
        lines.append("- Classes seen in one data set only: " + "; ".join(single) + ".")
    if OTHER in m["classes"]:
        counts: dict[str, int] = {}
        for src in m["class_sources"].get(OTHER, []):
            counts[src.split(":")[0]] = counts.get(src.split(":")[0], 0) + 1
        lines.append(
            f"- `other` covers the movements of its {sum(counts.values())} source actions only ("
            + ", ".join(f"{n} from {name}" for name, n in sorted(counts.items()))
            + "), not every movement a camera may see: unfamiliar movements can still get a confident wrong label."
        )
    return [*lines, ""]


def model_card(m: dict, info: dict, history: dict) -> str:
    """The card's Markdown from the evaluation figures ``m``, ``model.json`` ``info`` and the training ``history``."""
    opts = TrainOptions.from_record(info.get("training", {}))
    sections = [
        _intro(m, info),
        _test_figures(m),
        _real_video(m.get("real_video")),
        _kfold(m.get("kfold")),
        _per_class(m),
        _data(m),
        _training(m, info, history, opts),
        _limits(m, opts),
    ]
    return "\n".join(line for section in sections for line in section)
