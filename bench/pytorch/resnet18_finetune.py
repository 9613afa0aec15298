"""PyTorch baseline for `bench images` (figure 9d): phase-2 training steps on ResNet18, the same graph the TorchSharp
contender imports. The graph is the one MLNetDeep's image estimator builds (BackboneGraph: ResNet18.onnx from the
NuGet package with its BGR mean-image preprocessing prepended, batch made dynamic, features flattened to [N, 512]),
written to a temporary .onnx file by the bench; this script runs its nodes with torch.nn.functional, one node after
another, exactly as MLNetDeep's OnnxModule does in TorchSharp. The layers named by --train-layers (the top residual
block) and a 5-class linear head train; everything else is frozen, and every batch norm uses its running statistics
(FineTuningOptions.FreezeBatchNormStatistics, the default). Adam, cross-entropy.

--check IN OUT: before training, the features of the images in IN (float32, [n, 3, S, S]) must match OUT (float32,
[n, 512], computed by ONNX Runtime) within 1e-3, so the network is the same one.

Prints one JSON line per timed step: {"step": n, "seconds": s, "cpu_seconds": process CPU time of the step}. Run with Debian's /usr/bin/python3 (python3-torch 1.13,
python3-onnx).
"""
import argparse
import json
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pad_spatial(x, pads, value=0.0):
    """ONNX pads [top, left, bottom, right] (begin..., end...) as F.pad's (left, right, top, bottom)."""
    if not pads or not any(pads):
        return x
    half = len(pads) // 2
    torch_pads = []
    for axis in reversed(range(half)):
        torch_pads += [pads[axis], pads[axis + half]]
    return F.pad(x, torch_pads, value=value)


class OnnxGraph(nn.Module):
    """The ONNX graph as a module: Conv weights/biases and BatchNormalization scale/bias are parameters, the rest buffers."""

    def __init__(self, model):
        super().__init__()
        graph = model.graph
        self.nodes = list(graph.node)
        initializers = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
        trainable = set()
        for node in self.nodes:
            if node.op_type == "Conv":
                trainable.update(node.input[1:])
            elif node.op_type == "BatchNormalization":
                trainable.update(node.input[1:3])
        self.slots = {}
        for name, value in initializers.items():
            key = "t%d" % len(self.slots)
            self.slots[name] = key
            if name in trainable and value.dtype == torch.float32:
                self.register_parameter(key, nn.Parameter(value))
            else:
                self.register_buffer(key, value)
        inits = set(initializers)
        self.input_name = [i.name for i in graph.input if i.name not in inits][0]
        self.output_name = graph.output[0].name

    def layer_parameters(self, layer_names):
        """The parameters of the named nodes (the layers that own them)."""
        wanted = set(layer_names)
        found = set()
        result = []
        for node in self.nodes:
            if node.name in wanted:
                found.add(node.name)
                count = 2 if node.op_type == "BatchNormalization" else len(node.input) - 1
                for name in node.input[1:1 + count]:
                    result.append(getattr(self, self.slots[name]))
        missing = wanted - found
        if missing:
            raise SystemExit("no such layers in the graph: %s" % sorted(missing))
        return result

    def value(self, values, name):
        return values[name] if name in values else getattr(self, self.slots[name])

    def forward(self, x):
        values = {self.input_name: x}
        for node in self.nodes:
            a = attrs(node)
            ins = [self.value(values, n) if n else None for n in node.input]
            op = node.op_type
            if op == "Conv":
                y = pad_spatial(ins[0], a.get("pads"))
                y = F.conv2d(y, ins[1], ins[2] if len(ins) > 2 else None, stride=a.get("strides", 1),
                             dilation=a.get("dilations", 1), groups=a.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], training=False, eps=a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(ins[0])
            elif op == "Add":
                y = ins[0] + ins[1]
            elif op == "Sub":
                y = ins[0] - ins[1]
            elif op == "Mul":
                y = ins[0] * ins[1]
            elif op == "MatMul":
                y = torch.matmul(ins[0], ins[1])
            elif op == "Gather":
                y = torch.index_select(ins[0], a.get("axis", 0), ins[1].long().flatten())
            elif op == "MaxPool":
                y = pad_spatial(ins[0], a.get("pads"), value=float("-inf"))
                y = F.max_pool2d(y, a["kernel_shape"], stride=a.get("strides", 1))
            elif op == "AveragePool":
                if a.get("pads") and any(a["pads"]):
                    raise SystemExit("padded AveragePool is not implemented")
                y = F.avg_pool2d(ins[0], a["kernel_shape"], stride=a.get("strides", 1))
            elif op == "Flatten":
                y = torch.flatten(ins[0], a.get("axis", 1))
            else:
                raise SystemExit("operator %s (node %s) is not implemented" % (op, node.name))
            values[node.output[0]] = y
        return values[self.output_name]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--images", required=True, help="float32 [batch, 3, S, S] pixels, RGB 0..255, as the decoder gives")
    p.add_argument("--labels", required=True, help="comma-separated class indices, one per image")
    p.add_argument("--train-layers", required=True, help="comma-separated node names")
    p.add_argument("--classes", type=int, default=5)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--check", nargs=2, metavar=("IN", "OUT"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    network = OnnxGraph(onnx.load(a.model))
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    unfrozen = network.layer_parameters(a.train_layers.split(","))
    for parameter in unfrozen:
        parameter.requires_grad_(True)

    if a.check:
        x = torch.from_numpy(np.fromfile(a.check[0], dtype=np.float32).reshape(-1, 3, a.size, a.size))
        expected = torch.from_numpy(np.fromfile(a.check[1], dtype=np.float32).reshape(x.shape[0], -1))
        with torch.no_grad():
            difference = (network(x) - expected).abs().max().item()
        if not difference < 1e-3:
            raise SystemExit("features differ from ONNX Runtime's by %g" % difference)

    labels = torch.tensor([int(c) for c in a.labels.split(",")], dtype=torch.long)
    images = torch.from_numpy(np.fromfile(a.images, dtype=np.float32).reshape(len(labels), 3, a.size, a.size))
    features = network(images[:1]).shape[1]
    head = nn.Linear(features, a.classes)
    optimizer = torch.optim.Adam(unfrozen + list(head.parameters()), lr=a.lr)
    network.train()
    head.train()
    for step in range(a.warmup + a.steps):
        start = time.perf_counter()
        cpu = time.process_time()
        optimizer.zero_grad()
        loss = F.cross_entropy(head(network(images)), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu
        if step >= a.warmup:
            print(json.dumps({"step": step - a.warmup + 1, "seconds": seconds, "cpu_seconds": cpu_seconds}), flush=True)


if __name__ == "__main__":
    main()
