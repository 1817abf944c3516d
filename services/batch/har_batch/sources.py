"""The videos of a ``har batch`` run: a folder (searched recursively), a glob, or a list file (one
path or URL a line, ``#`` comments), locally or behind an fsspec URL (``s3://bucket/videos/``)
where the filesystem's package is installed.

Each video gets a result name: its path relative to the folder (or the glob's fixed part, or the
common parent of a list), without the extension; two videos that would share one (``a.mp4`` and
``a.avi``) keep their extensions.

Example:
    >>> result_names(["/v/a.mp4", "/v/b/c.avi", "/v/b/c.mp4"], "/v")
    ['a', 'b/c.avi', 'b/c.mp4']
"""

from __future__ import annotations

import posixpath
from collections import Counter

import fsspec

from .outputs import is_url

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts", ".3gp"})
LIST_SUFFIXES = frozenset({".txt", ".lst", ".list"})


def _is_video(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() in VIDEO_SUFFIXES


def _with_protocol(fs, path: str, like: str) -> str:
    """``path`` as fsspec returned it, with the URL's scheme again (fsspec strips it)."""
    return fs.unstrip_protocol(path) if is_url(like) else path


def list_videos(source: str) -> tuple[list[str], str]:
    """``(videos, root)``: the videos of ``source`` in sorted order and the folder their result names
    are relative to.

    Raises:
        FileNotFoundError: nothing exists at ``source``, or it holds no video.
    """
    if any(c in source for c in "*?["):
        fs, pattern = fsspec.core.url_to_fs(source)
        found = sorted(p for p in fs.glob(pattern) if _is_video(p))
        fixed = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0].rsplit("/", 1)[0]
        root = _with_protocol(fs, fixed, source)
        videos = [_with_protocol(fs, p, source) for p in found]
    else:
        fs, path = fsspec.core.url_to_fs(source)
        if not fs.exists(path):
            raise FileNotFoundError(f"no such folder, file or URL: {source}")
        if fs.isdir(path):
            videos = [_with_protocol(fs, p, source) for p in sorted(fs.find(path)) if _is_video(p)]
            root = _with_protocol(fs, path.rstrip("/"), source)
        elif posixpath.splitext(path)[1].lower() in LIST_SUFFIXES:
            with fs.open(path, "r") as fh:
                lines = [ln.strip() for ln in fh.read().splitlines()]
            base = posixpath.dirname(source)
            videos = [
                ln if (is_url(ln) or ln.startswith("/")) else posixpath.join(base, ln)
                for ln in lines
                if ln and not ln.startswith("#")
            ]
            locals_ = [v for v in videos if not is_url(v)]
            root = (
                posixpath.commonpath([posixpath.dirname(v) for v in locals_]) if locals_ and len(locals_) == len(videos) else ""
            )
        else:
            videos, root = [source], posixpath.dirname(source)
    if not videos:
        raise FileNotFoundError(f"no video ({', '.join(sorted(VIDEO_SUFFIXES))}) found in {source}")
    return videos, root


def result_names(videos: list[str], root: str) -> list[str]:
    """Each video's result name (see the module's description)."""

    def rel(v: str) -> str:
        if root and v.startswith(root.rstrip("/") + "/"):
            return v[len(root.rstrip("/")) + 1 :]
        return posixpath.basename(v.split("://", 1)[-1])

    rels = [rel(v) for v in videos]
    stems = [posixpath.splitext(r)[0] for r in rels]
    shared = Counter(stems)
    return [s if shared[s] == 1 else r for s, r in zip(stems, rels)]
