"""Build a seeded synthetic clustered Gaussian-mixture dataset.

    python3 Datasets/synthetic.py --n 100000 --dim 768 --queries 1000 --clusters 100 \
        --seed 7 --metric l2 [--name NAME] [--centre-scale 1.0] [--spread 0.5] [--force]

Model: C cluster centres ~ N(0, I) * centre_scale; cluster c has its own spread
sigma_c = spread * U(0.5, 1.5) and weight w_c ~ U(0.5, 1.5) (normalised). N + Q points are
drawn from the mixture (cluster by weight, then centre + sigma_c * N(0, I)); the first N are
the base and the last Q the queries, so queries follow the base distribution but are distinct
points. Everything is float32 and generated in chunks from one numpy default_rng(seed), so
the output depends only on the arguments. Default name: synthetic-{N//1000}k-{D}.

Writes <cache>/<name>/ like the other datasets (see README.md). If the folder exists but was
made with other parameters, it is rebuilt.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import METRICS, dataset_dir, is_complete, log, write_dataset  # noqa: E402

CHUNK = 10_000


def generate(n, dim, queries, clusters, seed, centre_scale, spread):
    """Return (base (n, dim), queries (queries, dim)) float32 arrays."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32) * np.float32(centre_scale)
    sigma = (spread * rng.uniform(0.5, 1.5, clusters)).astype(np.float32)
    weights = rng.uniform(0.5, 1.5, clusters)
    weights /= weights.sum()
    total = n + queries
    out = np.empty((total, dim), dtype=np.float32)
    for start in range(0, total, CHUNK):
        stop = min(total, start + CHUNK)
        which = rng.choice(clusters, size=stop - start, p=weights)
        noise = rng.standard_normal((stop - start, dim), dtype=np.float32)
        noise *= sigma[which][:, None]
        noise += centres[which]
        out[start:stop] = noise
    return out[:n], out[n:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True, help="base vectors")
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--metric", choices=METRICS, default="l2")
    ap.add_argument("--name", help="default synthetic-{N//1000}k-{D}")
    ap.add_argument("--centre-scale", type=float, default=1.0, help="std-dev of cluster centres")
    ap.add_argument("--spread", type=float, default=0.5, help="mean within-cluster std-dev")
    ap.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = ap.parse_args()

    name = args.name or f"synthetic-{args.n // 1000}k-{args.dim}"
    params = {"n": args.n, "dim": args.dim, "queries": args.queries, "clusters": args.clusters,
              "seed": args.seed, "metric": args.metric, "centre_scale": args.centre_scale,
              "spread": args.spread}
    out = dataset_dir(name)
    if is_complete(out) and not args.force:
        old = json.loads((out / "meta.json").read_text()).get("params")
        if old == params:
            log(f"{name}: already complete at {out} (use --force to rebuild)")
            return
        log(f"{name}: existing folder was made with {old}; rebuilding with {params}")

    t0 = time.perf_counter()
    base, queries = generate(args.n, args.dim, args.queries, args.clusters, args.seed,
                             args.centre_scale, args.spread)
    log(f"{name}: generated in {time.perf_counter() - t0:.1f}s")
    write_dataset(out, name, args.metric, base, queries, seed=args.seed,
                  source="synthetic clustered Gaussian mixture (Datasets/synthetic.py)",
                  extra_meta={"params": params})
    log(f"{name}: done in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
