"""Single-person pose service: MediaPipe Pose behind the shared pose-service layer."""

__version__ = "0.1.0"
