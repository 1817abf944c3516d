"""Virtual pinhole cameras that see 3D skeletons as a video's pose estimator would report them.

:func:`random_camera` draws a still camera of the kinds users have: any azimuth around the person,
from eye level (webcams, phones) to a ceiling camera looking down about 60 degrees (CCTV), focal
lengths of 50-90 degree lenses, image sizes from 320x240 to 1920x1080 (landscape and portrait), at a
distance where an upright person fills a quarter to nine tenths of the image height. The camera does
not follow the person: people walk through the frame and may leave it, and joints outside the image
or behind the camera are missing (score 0), as a pose estimator reports them.

World axes: metres, +y up, the floor at y = 0 (see :func:`har_common.importers.mocap.upright`).

Example:
    >>> import numpy as np
    >>> person = np.zeros((2, 17, 3), np.float32); person[..., 1] = np.linspace(0.1, 1.6, 17)
    >>> cam = PinholeCamera(position=np.array([0.0, 1.0, 4.0]), target=np.array([0.0, 1.0, 0.0]),
    ...                     focal_px=500.0, width=640, height=480)
    >>> kp = cam.project(person)
    >>> kp.shape, float(kp[0, 0, 0]), bool((kp[..., 2] == 1).all())
    ((2, 17, 3), 320.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .convert import mask_missing

SIZES = ((320, 240), (640, 480), (1280, 720), (1920, 1080), (480, 640), (720, 1280))
UP = np.array([0.0, 1.0, 0.0])


@dataclass
class PinholeCamera:
    """A still camera at ``position`` looking at ``target`` (metres), ``roll_deg`` about its axis."""

    position: np.ndarray
    target: np.ndarray
    focal_px: float
    width: int
    height: int
    roll_deg: float = 0.0

    def rotation(self) -> np.ndarray:
        """World -> camera rotation, rows x (right), y (down), z (forward)."""
        z = self.target - self.position
        z = z / np.linalg.norm(z)
        x = np.cross(z, UP)
        if np.linalg.norm(x) < 1e-6:  # looking straight down or up
            x = np.array([1.0, 0.0, 0.0])
        x = x / np.linalg.norm(x)
        y = np.cross(z, x)
        r = np.radians(self.roll_deg)
        x, y = np.cos(r) * x + np.sin(r) * y, -np.sin(r) * x + np.cos(r) * y
        return np.stack([x, y, z])

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(..., J, 3)`` world points -> ``(..., J, 3)`` float32 ``[x_px, y_px, score]``; score 1 when the
        point is in front of the camera and inside the image, else 0 (and x = y = 0)."""
        cam = (np.asarray(points, dtype=np.float64) - self.position) @ self.rotation().T
        z = cam[..., 2]
        safe = np.where(z > 1e-6, z, 1.0)
        u = self.focal_px * cam[..., 0] / safe + self.width / 2.0
        v = self.focal_px * cam[..., 1] / safe + self.height / 2.0
        seen = (z > 0.1) & (u >= 0) & (u < self.width) & (v >= 0) & (v < self.height)
        return mask_missing(np.stack([u, v, seen.astype(np.float64)], axis=-1))

    def describe(self) -> str:
        d = self.target - self.position
        elevation = np.degrees(np.arctan2(-d[1], np.hypot(d[0], d[2])))
        azimuth = np.degrees(np.arctan2(-d[0], -d[2])) % 360
        return (
            f"{self.width}x{self.height} f={self.focal_px:.0f}px az={azimuth:.0f} down={elevation:.0f}deg "
            f"dist={np.linalg.norm(d):.1f}m"
        )


def random_camera(rng: np.random.Generator, joints3d: np.ndarray) -> PinholeCamera:
    """A camera drawn for a ``(T, 17, 3)`` motion (metres, +y up): aimed at where the person mostly is."""
    hips = joints3d[:, 11:13].mean(axis=1)
    centre = np.median(hips, axis=0)
    width, height = SIZES[rng.integers(len(SIZES))]
    hfov = np.radians(rng.uniform(50.0, 90.0))
    focal = width / 2.0 / np.tan(hfov / 2.0)
    fill = rng.uniform(0.25, 0.9)  # an upright person's share of the image height
    distance = focal * 1.7 / (fill * height)
    down = np.radians(rng.uniform(-5.0, 25.0) if rng.random() < 0.7 else rng.uniform(25.0, 60.0))
    azimuth = rng.uniform(0.0, 2 * np.pi)
    target = np.array([centre[0], 1.0, centre[2]]) + rng.normal(0.0, 0.15, 3)
    direction = np.array([np.cos(down) * np.sin(azimuth), np.sin(down), np.cos(down) * np.cos(azimuth)])
    return PinholeCamera(
        position=target + distance * direction,
        target=target,
        focal_px=float(focal),
        width=int(width),
        height=int(height),
        roll_deg=float(rng.normal(0.0, 2.0)),
    )


def virtual_views(
    label: str,
    joints3d: np.ndarray,
    rng: np.random.Generator,
    views: int,
    *,
    subject: str | None,
    source: str,
    fps: float,
    meta: dict,
    tag: str = "",
) -> list:
    """``views`` training records of one 3D motion ``(T, 17, 3)``, each seen by its own random camera
    (:func:`random_camera`). The records' ``source`` is ``SOURCE#view=K`` plus ``tag``; their meta adds
    ``view`` (which keeps them on the training side of a split) and the camera's description."""
    from .dataset import SequenceRecord

    records = []
    for k in range(views):
        camera = random_camera(rng, joints3d)
        records.append(
            SequenceRecord(
                label,
                camera.project(joints3d),
                subject=subject,
                source=f"{source}#view={k}{tag}",
                fps=fps,
                meta={**meta, "view": k, "camera": camera.describe()},
            )
        )
    return records
