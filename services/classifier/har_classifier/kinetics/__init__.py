"""The Kinetics-400 clip model: DeepMind's I3D RGB network, which names 400 everyday activities
from the pixels of a clip (not from skeletons).

- :mod:`.checkpoint`: reads the published weights (a pickle of numpy arrays) with a loader that
  refuses anything else;
- :mod:`.graph`: turns those arrays into an ONNX graph once, at setup;
- :mod:`.convert`: the setup step (``python -m har_classifier.kinetics.convert``);
- :mod:`.model`: runs the graph with ONNX Runtime on windows of frames.
"""
