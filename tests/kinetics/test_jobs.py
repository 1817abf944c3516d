"""Video jobs with ``kinetics=true`` through the real pose services and the real clip model: scene
rows, per-person labels, the explanation of ``other``, and the answer when the model is absent."""

from __future__ import annotations

import httpx
import pytest
from service_process import wait_for_job

from har_common.schemas import Job, VideoAnalysis

HUG_LIKE = {"hugging", "shaking hands", "kissing", "slow dancing"}


def run_job(service, path, **query) -> tuple[Job, VideoAnalysis]:
    with httpx.Client(base_url=service.url, timeout=120) as c:
        r = c.post("/v1/videos", params=query, files={"file": (path.name, path.read_bytes(), "video/mp4")})
        assert r.status_code == 202, r.text
        job = wait_for_job(lambda p: c.get(p).json(), r.json()["id"], timeout=900, poll=0.5)
        assert job["status"] == "done", job
        return Job.model_validate(job), VideoAnalysis.model_validate(c.get(job["result_url"]).json())


def test_single_person_job_labels_the_scene(pose_single, shared):
    job, result = run_job(pose_single, shared("data", "videos", "ta_chi.mp4"), kinetics="true")
    assert job.options.kinetics is True and result.models.kinetics == "i3d-kinetics400"
    frames = [w for w in result.scene if w.track_id is None]
    assert len(frames) >= 3 and all(w.track_id is None for w in result.scene)  # one person: whole frames only
    assert all(0 <= w.start_ms < w.end_ms <= result.source.duration_ms for w in frames)
    assert all(len(w.labels) == 5 for w in frames)
    tops = [w.labels[0].label for w in frames]
    assert tops.count("tai chi") >= len(tops) - 1, tops
    # the skeleton classifier's other segments and uncertain spans carry what the clip model saw
    explained = [s.kinetics for s in result.segments if s.label == "other"] + [u.kinetics for u in result.unlabelled]
    assert explained and all(k is not None and k.label == "tai chi" for k in explained), explained


def test_multi_person_job_labels_each_person(pose_multi, shared):
    _, result = run_job(pose_multi, shared("data", "videos", "ntu_sample_hugging_2persons.avi"), kinetics="true")
    people = [w for w in result.scene if w.track_id is not None]
    assert len({w.track_id for w in people}) >= 2, result.scene
    seen = {c.label for w in people for c in w.labels}
    assert seen & HUG_LIKE, [(w.track_id, w.start_ms, [c.label for c in w.labels]) for w in people]


def test_kinetics_is_off_unless_asked(pose_multi, shared):
    job, result = run_job(pose_multi, shared("cases", "still_standing.mp4"))
    assert job.options.kinetics is False and result.scene == [] and result.models.kinetics is None


def test_a_missing_model_is_named_before_the_upload(pose_multi_without_model, shared):
    path = shared("data", "videos", "ta_chi.mp4")
    r = httpx.post(
        pose_multi_without_model.url + "/v1/videos",
        params={"kinetics": "true"},
        files={"file": (path.name, path.read_bytes(), "video/mp4")},
        timeout=60,
    )
    assert r.status_code == 422
    assert "Kinetics-400 clip model (i3d-kinetics400) is not set up" in r.json()["detail"], r.text
    assert "scripts/setup kinetics" in r.json()["detail"]
    assert httpx.get(pose_multi_without_model.url + "/readyz", timeout=10).status_code == 200


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_kinetics_must_be_a_boolean(pose_multi_without_model, value):
    r = httpx.post(pose_multi_without_model.url + "/v1/videos", params={"kinetics": value}, content=b"x", timeout=30)
    assert r.status_code == 422 and "kinetics" in r.text
