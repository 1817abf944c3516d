"""Pose services' shared core: the back-end interface, the frames-to-actions pipeline, and the HTTP
layer both pose services build from (extra ``service``). Nothing here is MediaPipe- or YOLO-specific.
"""
