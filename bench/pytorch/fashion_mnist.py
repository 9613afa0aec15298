"""Fashion-MNIST from the official IDX .gz files, split like MLNetDeep's loader (first 55k train, last 5k validation)."""
import gzip
import os
import struct

import numpy as np


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory, rows=55000):
    images = _read_idx(os.path.join(directory, "train-images-idx3-ubyte.gz"))[:rows]
    labels = _read_idx(os.path.join(directory, "train-labels-idx1-ubyte.gz"))[:rows]
    # Divide by 255 as float32, as LabeledImages.ToScaledPixels does.
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    return x, labels.astype(np.int64)
