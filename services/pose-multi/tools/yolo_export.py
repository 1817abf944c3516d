"""Ultralytics-side tools of the multi-person pose service, run in the ``yolo-export`` environment
(torch CPU + ultralytics + onnx + onnxslim), never in the service's own environment.

    python yolo_export.py export    MODEL.pt  OUT.onnx
    python yolo_export.py reference MODEL.pt  OUT.json IMAGE...

``export`` writes Ultralytics' own ONNX export (opset chosen by Ultralytics, onnxslim on, dynamic
height and width so 4:3 frames run at 480x640 instead of 640x640, batch 1).

``reference`` runs Ultralytics' own ``predict`` (PyTorch, the .pt checkpoint, default settings:
imgsz 640, conf 0.25, iou 0.7) on each image and writes what it found, so the service's numpy
decoding can be compared with it in the service's test suite (tests/pose_multi/test_reference.py).

The torchvision wheel on PyPI is a CUDA build; with the CPU torch it fails on import
("operator torchvision::nms does not exist"). Ultralytics imports it only to use its NMS, so for
the reference run this script puts a stand-in ``torchvision`` module in ``sys.modules`` whose
``ops.nms`` is Ultralytics' own pure-torch ``TorchNMS.nms`` (documented there as matching
torchvision exactly). Nothing else of torchvision is used by pose prediction.

Runs offline: YOLO_OFFLINE=1 and YOLO_AUTOINSTALL=false are set here, and models are always
given as local paths.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import types
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")


def _stub_torchvision() -> None:
    from ultralytics.utils.nms import TorchNMS

    tv = types.ModuleType("torchvision")
    tv.__version__ = "0.0.0+stub"
    ops = types.ModuleType("torchvision.ops")
    ops.nms = lambda boxes, scores, iou: TorchNMS.nms(boxes, scores, iou)
    tv.ops = ops
    sys.modules["torchvision"] = tv
    sys.modules["torchvision.ops"] = ops


def export(pt: str, out: str) -> None:
    from ultralytics import YOLO

    pt_path = Path(pt).resolve()
    model = YOLO(str(pt_path))
    written = Path(model.export(format="onnx", imgsz=640, dynamic=True, simplify=True, batch=1))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    os.replace(written, out)
    print(f"exported {pt_path.name} -> {out}")


def reference(pt: str, out: str, images: list[str]) -> None:
    import ultralytics

    _stub_torchvision()
    from ultralytics import YOLO

    model = YOLO(str(Path(pt).resolve()))
    result = {
        "ultralytics": ultralytics.__version__,
        "model": Path(pt).name,
        "settings": {"imgsz": 640, "conf": 0.25, "iou": 0.7},
        "images": {},
    }
    for image in images:
        r = model.predict(str(Path(image).resolve()), imgsz=640, conf=0.25, iou=0.7, verbose=False)[0]
        result["images"][Path(image).name] = {
            "sha256": hashlib.sha256(Path(image).read_bytes()).hexdigest(),
            "shape": list(r.orig_shape),
            "boxes": r.boxes.xyxy.numpy().round(3).tolist(),
            "scores": r.boxes.conf.numpy().round(5).tolist(),
            "keypoints": r.keypoints.data.numpy().round(3).tolist(),
        }
        print(f"reference {Path(image).name}: {len(r.boxes)} people")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["help"]
    if cmd == "export" and len(args) == 2:
        export(*args)
    elif cmd == "reference" and len(args) >= 3:
        reference(args[0], args[1], args[2:])
    else:
        sys.exit(__doc__)
