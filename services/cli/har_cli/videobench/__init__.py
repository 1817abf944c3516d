"""The real-video benchmark: annotated clips through the running stack, scored span by span.

- :mod:`.groundtruth` reads the ground-truth JSON (per clip, per person, labelled time spans);
- :mod:`.scoring` turns one clip's :class:`~har_common.schemas.VideoAnalysis` and its ground truth
  into span, false-alarm and detection figures (plain Python and numpy; no I/O);
- :mod:`.summary` pools the clips: accuracy per reading, per-class recall and precision, confusion;
- :mod:`.timelines` turns an analysis into per-frame label timelines (the largest person, each track);
- :mod:`.report` writes ``report.json`` and one timeline PNG per clip, :mod:`.markdown` ``report.md``;
- :mod:`.runner` sends the clips to the pose services and collects their analyses.

``har benchmark videos GROUNDTRUTH.json`` (``har_cli.benchmark``) chains them; docs/benchmark.md
explains the readings and the headline figure.
"""
