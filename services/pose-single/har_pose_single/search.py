"""Finding a person too small for MediaPipe's whole-frame detector: tiles, then a crop around them.

MediaPipe Pose's detector sees the whole frame letterboxed to 224 x 224 px, so a person 230 px tall
in a 1920 x 1080 frame is about 27 px there and is not found. When the whole frame yields nobody,
the frame is searched tile by tile (squares of ``tile`` px with 25 % overlap, each run through the
detector on its own, as in sliced inference); the person found is then followed in a square crop
around them (:func:`crop_around`), which MediaPipe sees at a useful size.

Example:
    >>> tiles(1080, 1920, 640)[:3]
    [(0, 0, 640, 640), (480, 0, 1120, 640), (960, 0, 1600, 640)]
    >>> len(tiles(1080, 1920, 640)), tiles(480, 640, 640)
    (8, [(0, 0, 640, 480)])
    >>> crop_around((900.0, 500.0, 960.0, 730.0), 1080, 1920)
    (642, 327, 1217, 902)
"""

from __future__ import annotations

OVERLAP = 0.25  # a person cut by one tile's edge is whole in the next when under 25 % of a tile wide
CROP_SCALE = 2.5  # crop side / the person's long side: room to move and for the arms
EDGE = 0.1  # re-centre the crop when the person comes this close (fraction of the crop) to its edge


def _starts(length: int, tile: int, step: int) -> list[int]:
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, step))
    return starts + [length - tile]


def tiles(height: int, width: int, tile: int) -> list[tuple[int, int, int, int]]:
    """Square tiles ``(x1, y1, x2, y2)`` in pixels covering a frame, overlapping by :data:`OVERLAP`;
    the last row and column are moved back to end at the border (sahi's ``get_slice_bboxes`` layout)."""
    step = max(int(tile * (1 - OVERLAP)), 1)
    return [
        (x, y, min(x + tile, width), min(y + tile, height))
        for y in _starts(height, tile, step)
        for x in _starts(width, tile, step)
    ]


def crop_around(bbox: tuple[float, float, float, float], height: int, width: int) -> tuple[int, int, int, int]:
    """A square ``(x1, y1, x2, y2)`` of :data:`CROP_SCALE` times the person's long side, centred on
    ``bbox`` (pixels) and moved to lie inside the frame (smaller than the frame's short side)."""
    x1, y1, x2, y2 = bbox
    side = int(min(max(x2 - x1, y2 - y1, 32) * CROP_SCALE, height, width))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left = int(min(max(cx - side / 2, 0), width - side))
    top = int(min(max(cy - side / 2, 0), height - side))
    return left, top, left + side, top + side


def near_edge(bbox: tuple[float, float, float, float], crop: tuple[int, int, int, int], height: int, width: int) -> bool:
    """Whether the person's ``bbox`` (frame pixels) comes within :data:`EDGE` of the crop's edge,
    ignoring edges that are the frame's own (nothing lies beyond them).

    >>> near_edge((650.0, 400.0, 700.0, 600.0), (642, 327, 1217, 902), 1080, 1920)
    True
    >>> near_edge((900.0, 500.0, 960.0, 730.0), (642, 327, 1217, 902), 1080, 1920)
    False
    """
    margin = EDGE * (crop[2] - crop[0])
    x1, y1, x2, y2 = bbox
    return (
        (crop[0] > 0 and x1 - crop[0] < margin)
        or (crop[1] > 0 and y1 - crop[1] < margin)
        or (crop[2] < width and crop[2] - x2 < margin)
        or (crop[3] < height and crop[3] - y2 < margin)
    )
