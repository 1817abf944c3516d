"""The classifiers (Keras 3 on TensorFlow). Input ``(batch, T, 17, 3)``: normalised x, y and a 0/1 visibility flag.

- ``cnn_lstm``: convolutions over the joints of each frame, an LSTM over time.
- ``resnet3d``: a small 3D residual network over (time, joints, features) in the spirit of a 3D
  ResNet-18: conv-BN-ReLU stem, residual blocks, pooling along the joint axis, global average
  pooling, dropout 0.3, softmax.
- ``stgcn``: a small spatial-temporal graph convolution network over the COCO-17 skeleton
  (Yan et al., AAAI 2018): graph convolution with 3 adjacency partitions (self, 1 hop, 2 hops) and
  learnable edge importance, temporal convolution, residual connections.

Every model first adds per-joint velocities (:class:`MotionFeatures`), so they see position and motion.
:func:`build_ensemble` joins trained models of one architecture (different seeds) into one graph that
averages their probabilities, or keeps only what they agree on (``train --members N --ensemble RULE``).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from har_common.layouts import COCO17

from .options import ENSEMBLE_RULES

NUM_JOINTS = len(COCO17)


def _velocity(pos, vis):
    """Per-joint frame-to-frame motion, 0 where either frame misses the joint (and for the first frame)."""
    vel = (pos[:, 1:] - pos[:, :-1]) * vis[:, 1:] * vis[:, :-1]
    return ops.concatenate([ops.zeros_like(vel[:, :1]), vel], axis=1)


@keras.saving.register_keras_serializable(package="har")
class MotionFeatures(layers.Layer):
    """``(B, T, V, 3)`` x, y, visible -> ``(B, T, V, 5)`` x, y, dx, dy, visible (dx, dy 0 where either frame misses the joint)."""

    def call(self, x):
        pos, vis = x[..., :2], x[..., 2:3]
        return ops.concatenate([pos, _velocity(pos, vis), vis], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 5)


# Each joint's parent(s) for bone vectors: limbs point away from the hips, the nose from the shoulders' midpoint.
BONE_PARENTS = {
    0: (5, 6),
    1: (0,),
    2: (0,),
    3: (1,),
    4: (2,),
    5: (11,),
    6: (12,),
    7: (5,),
    8: (6,),
    9: (7,),
    10: (8,),
    11: (12,),
    12: (11,),
    13: (11,),
    14: (12,),
    15: (13,),
    16: (14,),
}


def _parent_matrix() -> np.ndarray:
    m = np.zeros((NUM_JOINTS, NUM_JOINTS), np.float32)
    for j, ps in BONE_PARENTS.items():
        m[j, list(ps)] = 1.0 / len(ps)
    return m


@keras.saving.register_keras_serializable(package="har")
class SkeletonFeatures(layers.Layer):
    """``(B, T, V, 3)`` x, y, visible -> ``(B, T, V, 7)`` x, y, dx, dy, bone x, bone y, visible.

    Bones are each joint minus its parent (0 where either is missing); velocities as in :class:`MotionFeatures`."""

    def build(self, input_shape):
        self.parents = self.add_weight(
            name="parents",
            shape=(NUM_JOINTS, NUM_JOINTS),
            initializer=keras.initializers.Constant(_parent_matrix()),
            trainable=False,
        )

    def call(self, x):
        pos, vis = x[..., :2], x[..., 2:3]
        vel = _velocity(pos, vis)
        vis_parent = ops.floor(ops.matmul(self.parents, vis) + 1e-3)  # 1 only where every parent is visible
        bone = (pos - ops.matmul(self.parents, pos)) * vis * vis_parent
        return ops.concatenate([pos, vel, bone, vis], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 7)


def coco_partitions(hops: int = 2) -> np.ndarray:
    """``(hops + 1, V, V)`` normalised adjacency partitions: self, then joints exactly k hops apart."""
    v = NUM_JOINTS
    adj = np.zeros((v, v), np.float32)
    for a, b in COCO17.bones:
        adj[a, b] = adj[b, a] = 1
    dist = np.full((v, v), np.inf)
    step = np.linalg.matrix_power
    for k in range(hops + 1):
        dist[(step(adj + np.eye(v), k) > 0) & np.isinf(dist)] = k
    parts = []
    for k in range(hops + 1):
        a = (dist == k).astype(np.float32)
        deg = a.sum(axis=0)
        parts.append(a / np.where(deg > 0, deg, 1)[None, :])  # column-normalised: mean over the k-hop neighbours
    return np.stack(parts)


@keras.saving.register_keras_serializable(package="har")
class GraphConv(layers.Layer):
    """Aggregate each joint's k-hop neighbours per partition (with learnable edge importance), then mix channels."""

    def __init__(self, filters: int, hops: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.hops = filters, hops

    def build(self, input_shape):
        a = coco_partitions(self.hops)
        self.adjacency = self.add_weight(
            name="adjacency", shape=a.shape, initializer=keras.initializers.Constant(a), trainable=False
        )
        self.importance = self.add_weight(name="importance", shape=a.shape, initializer="ones")
        self.kernel = self.add_weight(
            name="kernel", shape=(a.shape[0] * input_shape[-1], self.filters), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, x):
        a = self.adjacency * self.importance  # (K, V, W)
        k, t, c = a.shape[0], x.shape[1], x.shape[-1]
        # One broadcast matmul aggregates all partitions: (K*W, V) @ (B, T, V, C) -> (B, T, K*W, C).
        # (Measured ~3x faster on CPU than the equivalent einsum.)
        am = ops.reshape(ops.transpose(a, (0, 2, 1)), (k * NUM_JOINTS, NUM_JOINTS))
        z = ops.matmul(am, x)
        z = ops.reshape(z, (-1, t, k, NUM_JOINTS, c))
        z = ops.reshape(ops.transpose(z, (0, 1, 3, 2, 4)), (-1, t, NUM_JOINTS, k * c))
        return ops.matmul(z, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "hops": self.hops}


def _head(x, num_classes: int, dropout: float = 0.3):
    x = layers.Dropout(dropout)(x)
    return layers.Dense(num_classes, activation="softmax", name="probabilities")(x)


def build_stgcn(num_classes: int, length: int = 32, widths=((24, 1), (32, 2), (48, 1), (64, 2)), kt: int = 5) -> keras.Model:
    inp = keras.Input((length, NUM_JOINTS, 3), name="keypoints")
    x = MotionFeatures()(inp)
    x = layers.Reshape((length, NUM_JOINTS * 5))(x)
    x = layers.BatchNormalization()(x)
    x = layers.Reshape((length, NUM_JOINTS, 5))(x)
    for i, (c, stride) in enumerate(widths):
        res = x
        if i > 0:
            if res.shape[-1] != c or stride != 1:
                res = layers.Conv2D(c, 1, strides=(stride, 1), use_bias=False)(res)
                res = layers.BatchNormalization()(res)
        y = GraphConv(c)(x)
        y = layers.BatchNormalization()(y)
        y = layers.ReLU()(y)
        y = layers.Conv2D(c, (kt, 1), strides=(stride, 1), padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        x = layers.ReLU()(layers.Add()([y, res]) if i > 0 else y)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, _head(x, num_classes), name="stgcn")


def _pool_joints(x):
    """Max-pool the joint axis by 2 of a ``(B, T, V, F, C)`` volume (as a 2D pool, which TFLite has)."""
    t, v, f, c = x.shape[1:]
    y = layers.Reshape((t, v, f * c))(x)
    y = layers.MaxPooling2D((1, 2), padding="same")(y)
    return layers.Reshape((t, (v + 1) // 2, f, c))(y)


def _res3d(x, filters: int, stride=(1, 1, 1)):
    res = x
    if x.shape[-1] != filters or stride != (1, 1, 1):
        res = layers.Conv3D(filters, 1, strides=stride, use_bias=False)(x)
        res = layers.BatchNormalization()(res)
    y = layers.Conv3D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv3D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Add()([y, res]))


def build_resnet3d(num_classes: int, length: int = 32) -> keras.Model:
    inp = keras.Input((length, NUM_JOINTS, 3), name="keypoints")
    x = MotionFeatures()(inp)
    x = layers.Reshape((length, NUM_JOINTS, 5, 1))(x)  # a volume: time x joints x features
    x = layers.Conv3D(16, (5, 3, 3), strides=(2, 1, 1), padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = _pool_joints(x)  # pool along joints
    x = _res3d(x, 16)
    x = _res3d(x, 32, stride=(2, 1, 1))
    x = _pool_joints(x)
    x = _res3d(x, 48, stride=(2, 1, 1))
    x = layers.GlobalAveragePooling3D()(x)
    return keras.Model(inp, _head(x, num_classes, 0.3), name="resnet3d")


def build_cnn_lstm(num_classes: int, length: int = 32) -> keras.Model:
    inp = keras.Input((length, NUM_JOINTS, 3), name="keypoints")
    x = MotionFeatures()(inp)
    for c in (32, 32):  # convolutions over the joints of each frame
        x = layers.Conv2D(c, (1, 3), padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Reshape((length, NUM_JOINTS * 32))(x)
    x = layers.Dense(96, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.LSTM(64, unroll=True)(x)  # unrolled: exports to TFLite as plain ops
    return keras.Model(inp, _head(x, num_classes), name="cnn_lstm")


def _res1d(x, filters: int, stride: int = 1, kernel: int = 3):
    res = x
    if x.shape[-1] != filters or stride != 1:
        res = layers.Conv1D(filters, 1, strides=stride, use_bias=False)(x)
        res = layers.BatchNormalization()(res)
    y = layers.Conv1D(filters, kernel, strides=stride, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv1D(filters, kernel, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Add()([y, res]))


def build_tcn(num_classes: int, length: int = 32, widths=(128, 128, 160)) -> keras.Model:
    """A temporal convolution network over whole-skeleton frames: each frame's joints, velocities and
    bones flattened into one feature vector, residual 1D convolutions over time (striding 32 -> 8),
    global average pooling. About a third of the ST-GCN's arithmetic."""
    inp = keras.Input((length, NUM_JOINTS, 3), name="keypoints")
    x = SkeletonFeatures()(inp)
    x = layers.Reshape((length, NUM_JOINTS * 7))(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv1D(widths[0], 5, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = _res1d(x, widths[1], stride=2)
    x = _res1d(x, widths[2], stride=2)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inp, _head(x, num_classes), name="tcn")


BUILDERS = {"tcn": build_tcn, "stgcn": build_stgcn, "resnet3d": build_resnet3d, "cnn_lstm": build_cnn_lstm}


def build_ensemble(members, length: int, rule: str = "mean", other: int | None = None) -> keras.Model:
    """One model joining the ``members``' probabilities (same classes, same input window).

    ``rule="mean"`` averages them. Averaging a few independently seeded trainings evens out how much each
    one's errors depend on its seed, which with four training people is a lot (docs/classifier.md).
    ``rule="consensus"`` gives each known class the least probability any member gives it and the rest to
    the rejection class (index ``other``): what the members do not agree on is rejected, the
    disagreement of an ensemble's members being a sign of input unlike the training data
    (Lakshminarayanan et al., NeurIPS 2017). Either way it is served, exported and calibrated like any
    single model.

    Shapes: each member maps ``(N, length, 17, 3)`` to ``(N, C)`` probabilities; so does the result.
    Raises ``ValueError`` for an unknown rule, or ``consensus`` without ``other``.

    >>> import numpy as np
    >>> inp = keras.Input((2, NUM_JOINTS, 3))
    >>> flat = layers.Flatten()(inp)
    >>> a = keras.Model(inp, layers.Lambda(lambda x: ops.ones_like(x[:, :3]) * np.array([0.7, 0.2, 0.1], "float32"))(flat))
    >>> b = keras.Model(inp, layers.Lambda(lambda x: ops.ones_like(x[:, :3]) * np.array([0.1, 0.6, 0.3], "float32"))(flat))
    >>> x = np.zeros((1, 2, NUM_JOINTS, 3), "float32")
    >>> build_ensemble([a, b], 2).predict(x, verbose=0).astype(float).round(2).tolist()
    [[0.4, 0.4, 0.2]]
    >>> build_ensemble([a, b], 2, "consensus", other=2).predict(x, verbose=0).astype(float).round(2).tolist()
    [[0.1, 0.2, 0.7]]
    """
    if rule not in ENSEMBLE_RULES:
        raise ValueError(f"unknown ensemble rule {rule!r} (choose from {', '.join(ENSEMBLE_RULES)})")
    inp = keras.Input((length, NUM_JOINTS, 3), name="keypoints")
    # Renamed copies, so that the members' layers live under distinct names inside the saved file.
    nets = [keras.Model(m.inputs[0], m.outputs[0], name=f"member_{i}") for i, m in enumerate(members)]
    probs = [net(inp) for net in nets]
    if rule == "mean":
        return keras.Model(inp, layers.Average(name="mean_probabilities")(probs), name="ensemble")
    if other is None:
        raise ValueError("the consensus rule needs the rejection class's index (other)")
    least = layers.Minimum(name="least_probabilities")(probs)
    classes = int(least.shape[-1])
    # a fixed linear map (built-in layers only, so every engine exports it): known classes keep their
    # least probability, the rejection class gets 1 minus their sum (never negative: each sum is at most one
    # member's total)
    kernel = np.eye(classes, dtype="float32")
    kernel[:, other] = -1.0
    kernel[other, other] = 0.0
    bias = np.zeros(classes, "float32")
    bias[other] = 1.0
    consensus = layers.Dense(classes, trainable=False, name="consensus")
    out = consensus(least)
    consensus.set_weights([kernel, bias])
    return keras.Model(inp, out, name="ensemble")


def build_model(name: str, num_classes: int, length: int) -> keras.Model:
    if name not in BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(BUILDERS)}")
    return BUILDERS[name](num_classes, length=length)
