"""Build the `fashion-mnist-784` dataset (metric l2) from the Debian package files.

Like ann-benchmarks' fashion-mnist-784-euclidean: base = the 60,000 training images,
queries = the 10,000 t10k images, each a float32 vector of 784 pixel values 0..255.
The idx gz files are parsed directly (no extra dependency).

    python3 Datasets/fashion_mnist.py [--source-dir /usr/share/datasets/fashion-mnist] [--force]

Writes <cache>/fashion-mnist-784/ (cache = $SOCHDB_DATA_DIR or Datasets/cache); see README.md.
Needs `apt-get install -y dataset-fashion-mnist` (Datasets/prepare.sh does that).
"""
import argparse
import gzip
import struct
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dataset_dir, is_complete, log, write_dataset  # noqa: E402

NAME = "fashion-mnist-784"
DEFAULT_SOURCE = "/usr/share/datasets/fashion-mnist"


def read_idx_images(path: Path) -> np.ndarray:
    """Parse an idx3-ubyte(.gz) file: big-endian magic 0x00000803, count, rows, cols, pixels."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: bad idx3 magic {magic:#010x}")
    pixels = np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16)
    return pixels.reshape(count, rows * cols).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source-dir", default=DEFAULT_SOURCE, type=Path)
    ap.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = ap.parse_args()

    out = dataset_dir(NAME)
    if is_complete(out) and not args.force:
        log(f"{NAME}: already complete at {out} (use --force to rebuild)")
        return
    t0 = time.perf_counter()
    base = read_idx_images(args.source_dir / "train-images-idx3-ubyte.gz")
    queries = read_idx_images(args.source_dir / "t10k-images-idx3-ubyte.gz")
    write_dataset(out, NAME, "l2", base, queries,
                  source=f"Fashion-MNIST idx files from {args.source_dir} (Debian dataset-fashion-mnist); "
                         "base = train images, queries = t10k images, raw pixel values 0..255")
    log(f"{NAME}: done in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
