"""Multi-person pose service: YOLO11-pose (ONNX Runtime), ByteTrack ids, an action per person."""

__version__ = "0.1.0"
