"""PyTorch baseline for bench resnet50v2: Keras' ResNet50V2 (as MLNetDeep's ResNet50V2Network builds it), a 5-class
head, and one fine-tuning step of the top block: conv5_block3, post_bn and the head train, everything below is frozen
and in inference mode. Same batch, input size, optimizer (Adam 1e-3) and threads as the TorchSharp contender.

Prints one JSON line per timed step: {"step": n, "seconds": s}. Run with Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import argparse
import json
import time

import torch
from torch import nn

EPS = 1.001e-5


def bn(channels):
    return nn.BatchNorm2d(channels, eps=EPS, momentum=0.01)


class Block(nn.Module):
    """residual_block_v2: pre-activation, 1x1, padded 3x3 carrying the stride, 1x1 to 4x the filters, and the shortcut."""

    def __init__(self, inputs, filters, stride, conv_shortcut):
        super().__init__()
        self.preact = nn.Sequential(bn(inputs), nn.ReLU())
        self.conv_shortcut = conv_shortcut
        if conv_shortcut:
            self.shortcut = nn.Conv2d(inputs, 4 * filters, 1, stride=stride)
        else:
            self.shortcut = nn.MaxPool2d(1, stride=stride) if stride > 1 else nn.Identity()
        self.main = nn.Sequential(
            nn.Conv2d(inputs, filters, 1, bias=False), bn(filters), nn.ReLU(),
            nn.ZeroPad2d(1), nn.Conv2d(filters, filters, 3, stride=stride, bias=False), bn(filters), nn.ReLU(),
            nn.Conv2d(filters, 4 * filters, 1))

    def forward(self, x):
        preact = self.preact(x)
        shortcut = self.shortcut(preact if self.conv_shortcut else x)
        return shortcut + self.main(preact)


def resnet50v2():
    layers = [nn.ZeroPad2d(3), nn.Conv2d(3, 64, 7, stride=2), nn.ZeroPad2d(1), nn.MaxPool2d(3, stride=2)]
    channels = 64
    for filters, blocks, last_stride in [(64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)]:
        for i in range(1, blocks + 1):
            layers.append(Block(channels, filters, last_stride if i == blocks else 1, conv_shortcut=i == 1))
            channels = 4 * filters
    layers += [bn(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    backbone = resnet50v2()
    assert sum(t.numel() for t in backbone.state_dict().values() if t.dtype == torch.float32) == 23_564_800
    network = nn.Sequential(backbone, nn.Linear(2048, 5))
    top = [backbone[-6], backbone[-4]]  # conv5_block3 and post_bn
    for parameter in network.parameters():
        parameter.requires_grad = False
    trainable = [*top, network[1]]
    for module in trainable:
        for parameter in module.parameters():
            parameter.requires_grad = True
    network.eval()
    for module in trainable:
        module.train()
    optimizer = torch.optim.Adam([q for q in network.parameters() if q.requires_grad], lr=1e-3)
    images = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
    labels = torch.randint(0, 5, (a.batch,))
    loss_fn = nn.CrossEntropyLoss()

    for step in range(a.warmup + a.steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(network(images), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        seconds = time.perf_counter() - start
        if step >= a.warmup:
            print(json.dumps({"step": step - a.warmup + 1, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
