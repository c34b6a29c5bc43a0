#!/usr/bin/env bash
# The main job, end to end on a fresh machine: `bash scripts/demo.sh`
#  1. installs what is missing, builds sochdb-bulk in release;
#  2. produces fashion-mnist-784 (60,000 × 784, L2; 10,000 queries with exact
#     ground truth) from Debian's dataset-fashion-mnist;
#  3. bulk-builds an HNSW index with a progress bar (M=16, efConstruction=100);
#  4. queries it with all 10,000 queries and prints recall@10 and queries/s;
#  5. imports the same vectors with their metadata (label, class) into a
#     SochDB collection (`sochdb collection import`, with a progress bar),
#     searches it (recall@10 and speed on 1,000 queries; a filtered search),
#     and looks up the metadata of the top results by key
#     (`sochdb collection get`).
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
echo "== collection: the same vectors with metadata in one database (sochdb collection) =="
rm -rf "$OUT/db"
python3 - "$OUT" <<'PY'
import gzip, json, sys
import numpy as np
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
with gzip.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz") as f:
    labels = f.read()[8:]
with open(f"{sys.argv[1]}/fashion-meta.jsonl", "w") as out:
    for i, l in enumerate(labels):
        out.write(json.dumps({"label": names[l], "class": l, "split": "train"}) + "\n")
PY
$KV collection create --db "$OUT/db" --name fashion --dimension 784 --metric l2 --m 16 --ef-construction 100
$KV collection import --db "$OUT/db" --name fashion --vectors "$DATA/base.npy" --metadata "$OUT/fashion-meta.jsonl"
python3 - "$DATA" "$OUT" <<'PY'
import sys, numpy as np
q = np.load(f"{sys.argv[1]}/queries.npy")
np.save(f"{sys.argv[2]}/q0.npy", q[:1]); np.save(f"{sys.argv[2]}/q1000.npy", q[:1000])
PY
echo "== collection search: 1,000 queries, k=10, ef=64 =="
$KV collection search --db "$OUT/db" --name fashion --query "$OUT/q1000.npy" --k 10 --ef 64 --output "$OUT/collection-results.tsv"
python3 - "$DATA" "$OUT" <<'PY'
import sys, numpy as np
gt = np.load(f"{sys.argv[1]}/gt.npy")
found = {}
for line in open(f"{sys.argv[2]}/collection-results.tsv").read().splitlines()[1:]:
    q, rank, i, d = line.split("\t")
    found.setdefault(int(q), set()).add(int(i))
print("collection recall@10: %.4f" % (sum(len(found[q] & set(gt[q][:10].tolist())) for q in found) / (10 * len(found))))
PY
python3 - <<'PY'
import gzip
names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
with gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz") as f:
    print(f"== query 0 (a {names[f.read()[8]]}): its 3 nearest neighbours, with metadata ==")
PY
$KV collection search --db "$OUT/db" --name fashion --query "$OUT/q0.npy" --k 3 --with-metadata | tee "$OUT/top3.tsv"
echo "== the same query, filtered to {\"label\": \"Sandal\"} =="
$KV collection search --db "$OUT/db" --name fashion --query "$OUT/q0.npy" --k 3 --with-metadata --filter '{"label": "Sandal"}'
echo "== lookup by key: each top result's metadata, read by id from the store =="
for id in $(tail -n +2 "$OUT/top3.tsv" | cut -f3); do
  printf '  %s -> ' "$id"; $KV collection get --db "$OUT/db" --name fashion "$id"
done
$KV collection info --db "$OUT/db" --name fashion
