"""The HTTP layer both pose services share (needs the ``service`` extra and an OpenCV build).

>>> from har_pose_service import create_app, PoseServiceSettings   # doctest: +SKIP
>>> app = create_app(lambda settings: MyBackend(), PoseServiceSettings())   # doctest: +SKIP
"""

from .app import create_app
from .settings import PoseServiceSettings

__all__ = ["create_app", "PoseServiceSettings"]
