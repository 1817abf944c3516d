"""Pose services' shared core; nothing here is MediaPipe- or YOLO-specific.

- :mod:`.backend`: the interface a pose back end implements (``Detection``, ``PoseSession``, ``PoseBackend``).
- :mod:`.pipeline`: frames to actions (windows, smoothing, ``uncertain``, segments); numpy only.
- :mod:`.classifier`: the classifier service over HTTP and the job/live drivers (extra ``service``).
- :mod:`.service`: the FastAPI app both pose services are built from (extra ``service``; see
  ``docs/pose-api.md``).
"""
