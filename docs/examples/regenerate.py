"""Rebuild docs/examples/analysis.json from a real run of the single-person service.

Start the stack (``scripts/up``), then, from the repository root:

    .venvs/common/bin/python docs/examples/regenerate.py [--url http://127.0.0.1:8002]

It analyses ../shared/data/videos/ta_chi.mp4 and keeps the first three frames, the first three
frames that carry a real action label, and every segment, so the example stays small but shows
each part of the format.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import httpx

from har_common.schemas import VideoAnalysis

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("HAR_SHARED_DIR", HERE.parents[2] / "shared"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("HAR_POSE_SINGLE_URL", "http://127.0.0.1:8002"))
    args = parser.parse_args()
    video = SHARED / "data" / "videos" / "ta_chi.mp4"
    with httpx.Client(base_url=args.url, timeout=60) as client:
        job = client.post("/v1/videos", files={"file": (video.name, video.read_bytes(), "video/mp4")}).raise_for_status().json()
        while (job := client.get(f"/v1/jobs/{job['id']}").json())["status"] not in ("done", "failed"):
            time.sleep(0.5)
        if job["status"] != "done":
            raise SystemExit(f"job failed: {job['error']}")
        analysis = VideoAnalysis.model_validate_json(client.get(f"/v1/jobs/{job['id']}/result").content)
    labelled = [f for f in analysis.frames if any(p.action and p.action.label != "uncertain" for p in f.persons)]
    analysis.frames = analysis.frames[:3] + labelled[:3]
    (HERE / "analysis.json").write_text(analysis.model_dump_json(indent=1) + "\n")
    labels = sorted({p.action.label for f in analysis.frames for p in f.persons if p.action})
    print(
        f"wrote {HERE / 'analysis.json'}: frames {[f.frame_index for f in analysis.frames]}, labels {labels}, "
        f"{len(analysis.segments)} segment(s), classifier {analysis.models.classifier}"
    )


if __name__ == "__main__":
    main()
