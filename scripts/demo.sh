#!/usr/bin/env bash
# The main job, end to end on a fresh machine: `bash scripts/demo.sh`
#  1. installs what is missing, builds sochdb-bulk in release;
#  2. produces fashion-mnist-784 (60,000 × 784, L2; 10,000 queries with exact
#     ground truth) from Debian's dataset-fashion-mnist;
#  3. bulk-builds an HNSW index with a progress bar (M=16, efConstruction=100);
#  4. queries it with all 10,000 queries and prints recall@10 and queries/s;
#  5. stores each vector's metadata (its label) by key in a SochDB key-value
#     store with `sochdb load`, and looks up the nearest neighbours' metadata
#     by key with `sochdb get`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
swift build -c release --product sochdb-bulk
swift build -c release --product sochdb
BULK=.build/release/sochdb-bulk
KV=.build/release/sochdb
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
echo "== metadata: one JSON document per vector, stored by key fashion/<id> =="
rm -rf "$OUT/metadata"
python3 - <<'PY' | $KV load --db "$OUT/metadata" --batch 10000 | tail -1 | sed 's/^/last batch committed at LSN /'
import gzip
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
with gzip.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz") as f:
    labels = f.read()[8:]
print("\n".join(f'fashion/{i}\t{{"label":"{names[l]}","split":"train","row":{i}}}' for i, l in enumerate(labels)))
PY
echo "== lookup: the 3 nearest neighbours of query 0, each neighbour's metadata by key =="
python3 - "$OUT" <<'PY'
import gzip, sys, numpy as np
ids = np.load(f"{sys.argv[1]}/results-ef64.npy")
with gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz") as f:
    qlabels = np.frombuffer(f.read()[8:], dtype=np.uint8)
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
print(f"query 0 is a {names[qlabels[0]]}; its neighbours:")
print(" ".join(str(i) for i in ids[0][:3]), file=open(f"{sys.argv[1]}/top3.txt", "w"))
PY
for id in $(cat "$OUT/top3.txt"); do
  printf '  fashion/%s -> ' "$id"; $KV get --db "$OUT/metadata" "fashion/$id"
done
$KV stats --db "$OUT/metadata" | python3 -c "import json,sys; s=json.load(sys.stdin); print('metadata store: %d keys, %d bytes written, tables per level %s' % (s['keys_count'], s['bytes_written'], s['tables_per_level']))"
