"""The video decoder on real encoded media: every display orientation, damaged packets, a size
change mid-stream, odd sizes, high frame rates, and the real phone and damaged clips of
../shared/cases."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from har_pose_service.decoder import DecodeLog, Orientation, frame_times, iter_frames, probe_video, time_base
from har_pose_service.media import MediaError

from .media_util import make_video

LIMIT = 40_000_000


def _pattern(h: int = 48, w: int = 64) -> np.ndarray:
    """A picture with no symmetry: a bright block in the top-left corner and a ramp, so every turn
    and mirror of it is different."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, :, 0] = np.linspace(0, 200, w, dtype=np.uint8)[None, :]
    img[:, :, 1] = np.linspace(0, 200, h, dtype=np.uint8)[:, None]
    img[: h // 4, : w // 4] = 255
    return img


def _tagged_video(path, img: np.ndarray, degrees: int, hflip: bool, vflip: bool, frames: int = 3):
    """An MP4 storing ``img`` with a display matrix written by PyAV's own helper (counter-clockwise
    ``degrees``, then the flips), as a phone or an editor writes it."""
    import av

    h, w = img.shape[:2]
    with av.open(str(path), "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=Fraction(10))
        s.width, s.height, s.pix_fmt = w, h, "yuv444p"
        s.options = {"crf": "0"}
        s.set_display_rotation(degrees, hflip=hflip, vflip=vflip)
        for _ in range(frames):
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
@pytest.mark.parametrize("hflip,vflip", [(False, False), (True, False), (False, True)])
def test_every_display_orientation_decodes_as_a_player_shows_it(tmp_path, degrees, hflip, vflip):
    img = _pattern()
    path = _tagged_video(tmp_path / "tagged.mp4", img, degrees, hflip, vflip)
    # what PyAV's helper documents: a counter-clockwise turn, then the mirrors
    shown = np.rot90(img, k=degrees // 90)
    if hflip:
        shown = shown[:, ::-1]
    if vflip:
        shown = shown[::-1]
    frames = list(iter_frames(path))
    assert len(frames) == 3
    got = frames[0].rgb
    assert got.shape == shown.shape and got.flags["C_CONTIGUOUS"]
    assert np.abs(got.astype(int) - shown).mean() < 4, (degrees, hflip, vflip, frames[0].orientation)
    assert (frames[0].width, frames[0].height) == (shown.shape[1], shown.shape[0])
    probe = probe_video(path, 60, LIMIT)
    assert (probe.width, probe.height) == (shown.shape[1], shown.shape[0])
    assert (probe.rotation, probe.mirrored) == (frames[0].orientation.rotation, frames[0].orientation.mirrored)


def test_the_phone_clip_is_the_upright_clip(shared):
    """../shared/cases/phone_rot90.mp4 stores 256x192 with a "rotate 90" matrix; upright_192x256.mp4
    is the same clip stored upright."""
    phone, upright = shared("cases", "phone_rot90.mp4"), shared("cases", "upright_192x256.mp4")
    probe = probe_video(phone, 60, LIMIT)
    assert (probe.width, probe.height, probe.rotation, probe.mirrored) == (192, 256, 90, False)
    a = [f.rgb for f in iter_frames(phone)]
    b = [f.rgb for f in iter_frames(upright)]
    assert len(a) == len(b) == 120
    assert max(np.abs(x.astype(int) - y).mean() for x, y in zip(a, b)) < 4  # re-encoding noise only


def test_a_damaged_clip_keeps_every_decodable_frame(shared):
    """../shared/cases/garbage_1k.mp4: 1 KB of damaged bytes in the middle; FFmpeg decodes 56 of 60."""
    path = shared("cases", "garbage_1k.mp4")
    pts, log = frame_times(path), DecodeLog()
    frames = list(iter_frames(path, pts=pts, log=log))
    assert len(pts) == 60 and len(frames) == 56
    lost = log.lost(pts, pts[0], time_base(path))
    assert sum(r.count for r in lost) == 4
    decoded = {f.index for f in frames}
    for run in lost:  # each run starts right after the frame it names, which was decoded
        assert run.after_frame_index in decoded
        assert all(run.after_frame_index + k not in decoded for k in range(1, run.count + 1))
    # the indices are the frames' positions in the video: the lost frames leave a gap
    assert sorted(decoded | {r.after_frame_index + k for r in lost for k in range(1, r.count + 1)}) == list(range(60))


def test_a_size_change_keeps_each_frame_in_its_own_size(shared):
    """../shared/cases/odd_then_bigger.mkv: 341x255, then 640x480."""
    frames = list(iter_frames(shared("cases", "odd_then_bigger.mkv")))
    sizes = [(f.width, f.height) for f in frames]
    assert sizes[0] == (341, 255) and sizes[-1] == (640, 480)
    assert all(f.rgb.shape == (f.height, f.width, 3) for f in frames)


def test_a_frame_over_the_pixel_limit_stops_decoding(shared):
    with pytest.raises(MediaError, match="frame 5 is 640x480 pixels, over the limit"):
        list(iter_frames(shared("cases", "odd_then_bigger.mkv"), max_pixels=341 * 255))


def test_nothing_decodable_is_refused(tmp_path):

    path = make_video(tmp_path / "v.mp4", seconds=1.0)
    data = bytearray(path.read_bytes())
    mdat = data.index(b"mdat") + 4
    data[mdat + 16 :] = bytes(len(data) - mdat - 16)  # every coded frame zeroed
    path.write_bytes(bytes(data))
    with pytest.raises(MediaError):
        probe_video(path, 60, LIMIT)


def test_a_high_frame_rate_is_reported(tmp_path):
    """Over 1000 fps (slow-motion cameras, synthetic clips): the real rate, not a default."""

    path = make_video(tmp_path / "fast.mp4", seconds=0.05, fps=2400)
    probe = probe_video(path, 60, LIMIT)
    assert probe.fps == pytest.approx(2400, rel=0.01)


def test_orientation_from_a_mirroring_matrix():
    """FFmpeg's layout: 16.16 fixed point for the 2x2 part; a left-right mirror alone."""
    one = 1 << 16
    assert Orientation.from_display_matrix(np.array([-one, 0, 0, 0, one, 0, 0, 0, 1 << 30])) == Orientation(0, True)
    assert Orientation.from_display_matrix(np.zeros(9)) == Orientation()
