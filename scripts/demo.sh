#!/usr/bin/env bash
# The main job, end to end on a fresh machine: `bash scripts/demo.sh`
#  1. installs what is missing, builds sochdb-bulk in release;
#  2. produces fashion-mnist-784 (60,000 × 784, L2; 10,000 queries with exact
#     ground truth) from Debian's dataset-fashion-mnist;
#  3. bulk-builds an HNSW index with a progress bar (M=16, efConstruction=100);
#  4. queries it with all 10,000 queries and prints recall@10 and queries/s;
#  5. looks up stored vectors by id (metadata by key arrives with the store).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
swift build -c release --product sochdb-bulk
BULK=.build/release/sochdb-bulk
bash Datasets/prepare.sh fashion-mnist-784
DATA="${SOCHDB_DATA_DIR:-Datasets/cache}/fashion-mnist-784"
OUT="${SOCHDB_WORK_DIR:-.build/demo}"
mkdir -p "$OUT"

echo "== build-index (fashion-mnist-784, L2, M=16, efConstruction=100) =="
$BULK build-index --input "$DATA/base.npy" --output "$OUT/fashion-mnist.hnsw" \
  --max-connections 16 --ef-construction 100 --threads 0
echo "== info =="
$BULK info --index "$OUT/fashion-mnist.hnsw"
for ef in 16 32 64; do
  echo "== query: 10,000 queries, k=10, ef=$ef =="
  $BULK query --index "$OUT/fashion-mnist.hnsw" --query "$DATA/queries.npy" --k 10 --ef $ef \
    --ground-truth "$DATA/gt.npy" --output "$OUT/results-ef$ef.npy"
done
echo "== lookup: the 3 nearest neighbours of query 0, then each neighbour's stored label by id =="
python3 - "$DATA" "$OUT" <<'PY'
import gzip, sys, numpy as np
data, out = sys.argv[1], sys.argv[2]
ids = np.load(f"{out}/results-ef64.npy")
with gzip.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz") as f:
    labels = np.frombuffer(f.read()[8:], dtype=np.uint8)
with gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz") as f:
    qlabels = np.frombuffer(f.read()[8:], dtype=np.uint8)
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
print(f"query 0 is a {names[qlabels[0]]}; neighbours: " + ", ".join(f"id {i} ({names[labels[i]]})" for i in ids[0][:3]))
agree = (labels[ids[:, 0]] == qlabels).mean()
print(f"nearest neighbour has the query's label for {agree:.1%} of queries")
PY
