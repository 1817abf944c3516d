"""YOLO11-pose through ONNX Runtime: letterbox, inference, decoding and NMS in numpy.

The ONNX file is Ultralytics' own export of the official checkpoint (``scripts/fetch-yolo``):
one input ``images`` ``(1, 3, H, W)`` float32 RGB in [0, 1], one output ``(1, 56, N)`` holding for
each of the N anchors ``cx, cy, w, h`` (input pixels), the person score (already a sigmoid) and
17 keypoints ``x, y, visibility`` (input pixels; visibility already a sigmoid) in COCO-17 order,
which is the project's canonical layout (docs/keypoints.md).

Preprocessing and post-processing copy Ultralytics' ``predict`` step by step (``LetterBox`` with
``auto=True`` for a model with dynamic height and width, ``non_max_suppression``,
``scale_boxes``/``scale_coords``), so the results match Ultralytics' own to well under a pixel;
``tests/pose_multi/test_reference.py`` checks that against Ultralytics' output.

Example:
    >>> model = YoloPoseModel("yolo11n-pose.onnx")                # doctest: +SKIP
    >>> people = model.predict(rgb)                                 # doctest: +SKIP
    >>> people.keypoints.shape                                      # doctest: +SKIP
    (4, 17, 3)
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

NUM_KEYPOINTS = 17
PAD_VALUE = 114  # Ultralytics' letterbox grey


@dataclass
class Letterbox:
    """How an original image was fitted into the network input: ``input = original * gain + pad``."""

    orig_shape: tuple[int, int]  # (h, w) of the original image
    input_shape: tuple[int, int]  # (h, w) of the network input
    gain_x: float
    gain_y: float
    pad_x: int
    pad_y: int

    def to_original(self, xy: np.ndarray) -> np.ndarray:
        """Map ``(..., 2+)`` input-pixel coordinates back to original pixels, clipped to the image (in place)."""
        h, w = self.orig_shape
        xy[..., 0] = np.clip((xy[..., 0] - self.pad_x) / self.gain_x, 0, w)
        xy[..., 1] = np.clip((xy[..., 1] - self.pad_y) / self.gain_y, 0, h)
        return xy


@dataclass
class Poses:
    """The people found in one image, in original pixels, best score first."""

    boxes: np.ndarray  # (n, 4) float32 x1, y1, x2, y2
    scores: np.ndarray  # (n,) float32
    keypoints: np.ndarray  # (n, 17, 3) float32 x, y, visibility
    left_out: int = 0  # people found (after NMS and the filters) but past ``max_det``

    def __len__(self) -> int:
        return len(self.scores)


def letterbox_params(orig_hw: tuple[int, int], target: int | tuple[int, int], stride: int = 32, auto: bool = True) -> Letterbox:
    """Ultralytics' ``LetterBox.get_params`` (``center=True``, ``scaleup=True``).

    ``auto``: pad only to the next multiple of ``stride`` (a model with dynamic height and width);
    otherwise pad to exactly ``target``.
    """
    h, w = orig_hw
    th, tw = (target, target) if isinstance(target, int) else target
    r = min(th / h, tw / w)
    new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
    dw, dh = tw - new_w, th - new_h
    if auto:
        dw, dh = dw % stride, dh % stride
    dw, dh = dw / 2, dh / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    return Letterbox(
        orig_shape=(h, w),
        input_shape=(new_h + top + bottom, new_w + left + right),
        gain_x=new_w / w,
        gain_y=new_h / h,
        pad_x=left,
        pad_y=top,
    )


def letterbox(image: np.ndarray, lb: Letterbox) -> np.ndarray:
    """Resize and pad an ``(H, W, 3)`` uint8 image as ``lb`` says; returns the padded uint8 image."""
    h, w = lb.orig_shape
    new_w, new_h = round(w * lb.gain_x), round(h * lb.gain_y)
    if (new_h, new_w) != (h, w):
        image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    ih, iw = lb.input_shape
    bottom, right = ih - new_h - lb.pad_y, iw - new_w - lb.pad_x
    if lb.pad_y or bottom or lb.pad_x or right:
        image = cv2.copyMakeBorder(image, lb.pad_y, bottom, lb.pad_x, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return image


def to_tensor(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB to ``(1, 3, H, W)`` float32 in [0, 1]."""
    chw = np.ascontiguousarray(image.transpose(2, 0, 1))
    out = chw.astype(np.float32)
    out *= 1.0 / 255.0
    return out[None]


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression, the semantics of ``torchvision.ops.nms``.

    Boxes are ``(n, 4)`` x1, y1, x2, y2. Returns the indices kept, best score first: a box is
    dropped when its IoU with a kept, better-scoring box is greater than ``iou_threshold``.
    """
    if len(boxes) == 0:
        return np.empty(0, dtype=np.int64)
    boxes = boxes.astype(np.float64)  # float32 areas of large boxes lose digits that decide ties
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1).clip(0) * (y2 - y1).clip(0)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        if not rest.size:
            break
        w = (np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest])).clip(0)
        h = (np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest])).clip(0)
        inter = w * h
        iou = inter / (areas[i] + areas[rest] - inter + 1e-12)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def input_size(orig_hw: tuple[int, int], imgsz: int, max_imgsz: int, stride: int = 32) -> int:
    """The network input's long side for one frame: the frame's own long side rounded up to ``stride``,
    kept between ``imgsz`` and ``max_imgsz``.

    A frame larger than ``imgsz`` is then shrunk less (or not at all), so people a few tens of pixels
    tall keep the pixels the model needs; a frame no larger than ``imgsz`` is fitted to ``imgsz`` as before.

    >>> input_size((720, 1280), 640, 1280), input_size((480, 640), 640, 1280), input_size((1080, 1920), 640, 1280)
    (1280, 640, 1280)
    >>> input_size((480, 852), 640, 1280), input_size((720, 1280), 640, 640)
    (864, 640)
    """
    long_side = -(-max(orig_hw) // stride) * stride
    return max(imgsz, min(long_side, max_imgsz))


def decode(
    output: np.ndarray,
    lb: Letterbox,
    conf: float = 0.25,
    iou: float = 0.7,
    max_det: int = 300,
    max_nms: int = 30000,
    min_keypoints: int = 0,
    keypoint_conf: float = 0.5,
) -> Poses:
    """Turn the raw ``(1, 56, N)`` output into people in original pixels (Ultralytics' order of steps).

    After NMS, a person with fewer than ``min_keypoints`` keypoints of visibility >= ``keypoint_conf``
    is dropped (a bag or a machine that scores as a person has next to no joints); then the best
    ``max_det`` are kept and the rest counted in ``Poses.left_out``.
    """
    pred = output[0]  # (56, N)
    scores = pred[4]
    cand = np.nonzero(scores > conf)[0]
    if cand.size == 0:
        return Poses(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, NUM_KEYPOINTS, 3), np.float32))
    x = pred[:, cand].T.astype(np.float32)  # (k, 56), copies: the output stays untouched
    if len(x) > max_nms:
        x = x[np.argsort(-x[:, 4], kind="stable")[:max_nms]]
    cx, cy, w, h = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    keep = nms(boxes, x[:, 4], iou)
    if min_keypoints > 0:
        visible = (x[keep, 5 + 2 : 5 + NUM_KEYPOINTS * 3 : 3] >= keypoint_conf).sum(axis=1)
        keep = keep[visible >= min_keypoints]
    left_out = max(len(keep) - max_det, 0)
    keep = keep[:max_det]
    boxes, x = boxes[keep], x[keep]
    kpts = x[:, 5 : 5 + NUM_KEYPOINTS * 3].reshape(-1, NUM_KEYPOINTS, 3).copy()
    lb.to_original(boxes.reshape(-1, 2, 2))
    lb.to_original(kpts)
    return Poses(boxes.astype(np.float32), x[:, 4].astype(np.float32), kpts.astype(np.float32), left_out)


def choose_providers(device: str) -> list[str]:
    """ONNX Runtime providers for a ``device`` setting: ``cpu``, ``cuda`` or ``auto``.

    ``cuda`` and ``auto`` use the CUDA provider when this onnxruntime build has it (the
    onnxruntime-gpu wheel) and fall back to the CPU provider otherwise, with a warning for ``cuda``.
    """
    import onnxruntime as ort

    device = device.lower()
    if device not in {"cpu", "cuda", "auto"}:
        raise ValueError(f"device must be cpu, cuda or auto, not {device!r}")
    available = ort.get_available_providers()
    if device in {"cuda", "auto"} and "CUDAExecutionProvider" in available:
        # onnxruntime-gpu[cuda,cudnn] brings CUDA and cuDNN as pip packages (nvidia-*): load them
        # before the session asks for them (no-op where the system libraries are used instead).
        if hasattr(ort, "preload_dlls"):
            try:
                ort.preload_dlls()
            except Exception as exc:  # noqa: BLE001 - the session start below decides
                log.warning("onnxruntime.preload_dlls() failed: %s", exc)
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "cuda":
        log.warning("device=cuda but this onnxruntime has no CUDA provider (%s): using the CPU", available)
    return ["CPUExecutionProvider"]


class YoloPoseModel:
    """An ONNX YOLO-pose model in an onnxruntime session. ``run`` is thread-safe (onnxruntime's)."""

    def __init__(
        self,
        path: str | os.PathLike,
        device: str = "cpu",
        imgsz: int = 640,
        intra_op_threads: int = 0,
        conf: float = 0.25,
        iou: float = 0.7,
        max_det: int = 300,
        max_imgsz: int | None = None,
        min_keypoints: int = 0,
        spinning: bool = False,
    ):
        import onnxruntime as ort

        self.path = str(path)
        self.conf, self.iou, self.max_det, self.min_keypoints = conf, iou, max_det, min_keypoints
        self.max_imgsz = max(imgsz, max_imgsz or imgsz)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if intra_op_threads > 0:
            opts.intra_op_num_threads = intra_op_threads
        # Idle intra-op threads spin by default, holding a core between the model's parallel steps:
        # that core is then lost to the frame decoder, the annotated video's encoder and the HTTP
        # loop of the same process, and to anything else the machine runs (docs/pose-multi.md).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        requested = choose_providers(device)
        try:
            self.session = ort.InferenceSession(self.path, opts, providers=requested)
        except Exception as exc:  # a CUDA provider that is listed but cannot start (no GPU, wrong CUDA)
            if requested[0] == "CPUExecutionProvider":
                raise
            log.warning("CUDA provider failed to start (%s): falling back to the CPU", exc)
            self.session = ort.InferenceSession(self.path, opts, providers=["CPUExecutionProvider"])
        self.providers = self.session.get_providers()
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        h, w = inp.shape[2], inp.shape[3]
        self.dynamic = not (isinstance(h, int) and isinstance(w, int))
        self.imgsz: int | tuple[int, int] = imgsz if self.dynamic else (h, w)
        out = self.session.get_outputs()[0].shape
        if len(out) != 3 or out[1] != 5 + NUM_KEYPOINTS * 3:
            raise ValueError(f"{self.path}: not a YOLO pose model with 17 keypoints (output {out})")
        meta = self.session.get_modelmeta().custom_metadata_map
        self.stride = int(meta.get("stride", 32))
        self.metadata = dict(meta)

    @property
    def device(self) -> str:
        return "cuda" if self.providers[0] == "CUDAExecutionProvider" else "cpu"

    def prepare(self, image: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        """RGB uint8 ``(H, W, 3)`` to the network input and the letterbox to undo."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 (H, W, 3) image, got {image.dtype} {image.shape}")
        target = input_size(image.shape[:2], self.imgsz, self.max_imgsz, self.stride) if self.dynamic else self.imgsz
        lb = letterbox_params(image.shape[:2], target, self.stride, auto=self.dynamic)
        return to_tensor(letterbox(image, lb)), lb

    def run(self, tensor: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: tensor})[0]

    def decode(self, output: np.ndarray, lb: Letterbox) -> Poses:
        return decode(output, lb, self.conf, self.iou, self.max_det, min_keypoints=self.min_keypoints)

    def predict(self, image: np.ndarray) -> Poses:
        tensor, lb = self.prepare(image)
        return self.decode(self.run(tensor), lb)
