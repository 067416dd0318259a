#!/usr/bin/env bash
# End-to-end test of the kiln CLI: build → search → eval on Fashion-MNIST with
# a recall floor, Debian's Faiss loading the output, and bad inputs (exit
# codes, the message, and that no _SUCCESS or stray file appears).
# usage: cli_e2e.sh PATH/TO/kiln
set -u
kiln=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3   # Debian's interpreter: numpy + faiss 1.7.3
fm=/usr/share/datasets/fashion-mnist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { echo "ok   - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; failed=$((failed + 1)); }
# expect NAME EXIT_CODE PATTERN -- command...: checks exit code and stderr.
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  "$@" >"$work/out.txt" 2>"$work/err.txt"
  local rc=$?
  if [[ $rc -ne $code ]]; then bad "$name: exit $rc, expected $code; stderr: $(head -c 400 "$work/err.txt")"; return; fi
  if ! grep -qE -- "$pattern" "$work/err.txt" "$work/out.txt"; then
    bad "$name: output does not match /$pattern/: $(head -c 400 "$work/err.txt")"; return
  fi
  ok "$name"
}
no_success() { # DIR: neither _SUCCESS nor faiss.index nor temp files
  if [[ -e $1/_SUCCESS || -e $1/faiss.index ]] || ls "$1" 2>/dev/null | grep -q '\.tmp\.'; then
    bad "$2: output directory has leftovers: $(ls "$1")"
  else ok "$2: nothing published"; fi
}

$py "$here/make_inputs.py" "$work" || { echo "cannot create inputs"; exit 1; }

# --- Fashion-MNIST: build, search, eval, Faiss cross-check ---------------------
if [[ -f $fm/train-images-idx3-ubyte.gz ]]; then
  $py -c "import numpy as np, gzip; b=gzip.open('$fm/t10k-images-idx3-ubyte.gz').read(); \
np.save('$work/fq.npy', np.frombuffer(b, np.uint8, offset=16).reshape(-1, 784)[:500].astype('float32'))"
  for factory in "IVF256,Flat" "Flat"; do
    dir="$work/fm_${factory//,/_}"
    expect "build $factory on Fashion-MNIST" 0 "built .*n=60000, d=784" -- \
      "$kiln" build --input "$fm/train-images-idx3-ubyte.gz" --factory "$factory" --metric l2 --output "$dir"
    [[ -f $dir/_SUCCESS && -f $dir/faiss.index && -f $dir/kiln.json ]] && ok "$factory: _SUCCESS, faiss.index, kiln.json" || bad "$factory: missing outputs"
    expect "search $factory" 0 "searched 500 queries" -- \
      "$kiln" search --index "$dir" --queries "$work/fq.npy" -k 10 --nprobe 16 --output "$work/hits.npy"
    if $py "$here/faiss_check.py" "$dir/faiss.index" "$work/fq.npy" "$work/hits.npy" 10 16 >"$work/fc.txt" 2>&1; then
      ok "$factory: Debian's Faiss loads it and returns kiln's top-10 ($(cat "$work/fc.txt"))"
    else bad "$factory: Faiss cross-check: $(tail -3 "$work/fc.txt")"; fi
  done
  # Recall floor: IVF256 at nprobe 16 (Faiss reaches ~0.97 here).
  expect "eval IVF256 recall@10 >= 0.95 at nprobe 16" 0 " 16 +0\.9[5-9]| 16 +1\.0" -- \
    "$kiln" eval --index "$work/fm_IVF256_Flat" --base "$fm/train-images-idx3-ubyte.gz" \
    --queries "$work/fq.npy" -k 10 --nprobe 1,4,16 --min-recall 0.95
  expect "eval Flat is exact" 0 " 1 +1\.0000" -- \
    "$kiln" eval --index "$work/fm_Flat" --base "$fm/train-images-idx3-ubyte.gz" --queries "$work/fq.npy" -k 10
  expect "inspect shows the IVF structure" 0 "nlist.*256" -- "$kiln" inspect "$work/fm_IVF256_Flat/faiss.index"
else
  bad "Fashion-MNIST not installed at $fm (scripts/setup installs dataset-fashion-mnist)"
fi

# --- ids, cosine, small builds ---------------------------------------------------
expect "build with --ids and cosine" 0 "built " -- \
  "$kiln" build --input "$work/good.npy" --ids "$work/ids.npy" --factory IVF8,Flat --metric cosine --output "$work/ids_out"
expect "search returns external ids" 0 "searched 20" -- \
  "$kiln" search --index "$work/ids_out" --queries "$work/queries.npy" -k 5 --nprobe 8 --output "$work/ids_hits.npy"
$py -c "import numpy as np,sys; h=np.load('$work/ids_hits.npy'); sys.exit(0 if (h[:,0]==np.arange(20)*7+1000).all() else 1)" \
  && ok "top-1 of each query is its own external id" || bad "external ids not returned"
$py "$here/faiss_check.py" "$work/ids_out/faiss.index" "$work/queries.npy" "$work/ids_hits.npy" 5 8 >/dev/null 2>&1 \
  && ok "Faiss agrees on IDMap+IVF cosine output" || bad "Faiss disagrees on IDMap+IVF cosine output"

# --- bad input: clear message, right exit code, nothing published ----------------
expect "unknown factory string exits 2" 2 "HNSW|not supported|expected" -- \
  "$kiln" build --input "$work/good.npy" --factory "IVF,Flat" --output "$work/b1"
no_success "$work/b1" "unknown factory"
expect "trailing garbage in factory exits 2" 2 "factory" -- \
  "$kiln" build --input "$work/good.npy" --factory "IVF8,Flat,junk" --output "$work/b1b"
expect "NaN row is named" 1 "row 123" -- \
  "$kiln" build --input "$work/nan.npy" --factory Flat --output "$work/b2"
no_success "$work/b2" "NaN input"
expect "NaN rows can be skipped" 0 "n=499" -- \
  "$kiln" build --input "$work/nan.npy" --factory Flat --non-finite skip --output "$work/b2s"
expect "truncated .npy names the sizes" 1 "truncated.npy" -- \
  "$kiln" build --input "$work/truncated.npy" --factory Flat --output "$work/b3"
no_success "$work/b3" "truncated input"
expect "mis-sized .fvecs row is named" 1 "missized.fvecs.*(row 1|offset)" -- \
  "$kiln" build --input "$work/missized.fvecs" --factory Flat --output "$work/b4"
expect "empty input" 1 "no vectors|empty" -- \
  "$kiln" build --input "$work/empty.npy" --factory Flat --output "$work/b5"
no_success "$work/b5" "empty input"
expect "nlist > n" 1 "500.*1000|1000.*500" -- \
  "$kiln" build --input "$work/good.npy" --factory IVF1000,Flat --output "$work/b6"
no_success "$work/b6" "nlist > n"
expect "ids count mismatch" 1 "10 ids" -- \
  "$kiln" build --input "$work/good.npy" --ids "$work/ids_short.npy" --factory Flat --output "$work/b7"
expect "missing input file" 1 "no such file" -- \
  "$kiln" build --input "$work/nope.npy" --factory Flat --output "$work/b8"
mkdir -p "$work/ro" && chmod 555 "$work/ro"
if [[ $(id -u) -eq 0 ]]; then
  # root ignores directory permissions: use a path under a regular file instead.
  touch "$work/afile"
  expect "unwritable output directory" 1 "afile" -- \
    "$kiln" build --input "$work/good.npy" --factory Flat --output "$work/afile/sub"
else
  expect "unwritable output directory" 1 "not writable|Permission" -- \
    "$kiln" build --input "$work/good.npy" --factory Flat --output "$work/ro/out"
fi
expect "k larger than n pads with -1" 0 "searched" -- \
  "$kiln" search --index "$work/ids_out" --queries "$work/queries.npy" -k 600 --nprobe 8 --output "$work/big.npy"
$py -c "import numpy as np,sys; h=np.load('$work/big.npy'); sys.exit(0 if (h[:,500:]==-1).all() and (h[:,:500]>=0).all() else 1)" \
  && ok "k > n: first n results valid, the rest -1" || bad "k > n padding"
expect "dimension mismatch on search" 1 "dimension 784.*d = 16" -- \
  "$kiln" search --index "$work/ids_out" --queries "$work/fq.npy" -k 5 --output "$work/x.npy"
expect "bad flag exits 2" 2 "" -- "$kiln" build --input "$work/good.npy" --no-such-flag
expect "--help shows examples" 0 "Examples" -- "$kiln" --help

# --- Naming the index: typed definitions, AUTO, conflicts (docs/factory.md) -----
expect "typed definition IVFFLAT builds" 0 "built IVF8,Flat" -- \
  "$kiln" build --input "$work/good.npy" --index-type IVFFLAT --param ncentroids=8 --param nprobe=4 --output "$work/t1"
grep -q '"nprobe": 4' "$work/t1/kiln.json" && ok "typed definition: nprobe recorded in kiln.json" || bad "typed: no nprobe in kiln.json"
expect "metric_type sets the metric" 0 "metric=cosine" -- \
  "$kiln" build --input "$work/good.npy" --index-type flat --param metric_type=Cosine --output "$work/t2"
expect "--metric conflicting with metric_type exits 2" 2 "conflicts with metric_type" -- \
  "$kiln" build --input "$work/good.npy" --index-type FLAT --param metric_type=IP --metric l2 --output "$work/t3"
no_success "$work/t3" "metric conflict"
expect "--factory and --index-type together exit 2" 2 "--factory.*--index-type" -- \
  "$kiln" build --input "$work/good.npy" --factory Flat --index-type FLAT --output "$work/t4"
expect "unknown typed parameter lists the valid ones" 2 "valid: ncentroids, nprobe, metric_type" -- \
  "$kiln" build --input "$work/good.npy" --index-type IVFFLAT --param nlist=8 --output "$work/t5"
expect "recognised but unbuilt family exits 2 before reading" 2 "not supported" -- \
  "$kiln" build --input "$work/nope.npy" --factory IVF64_HNSW32,Flat --output "$work/t6"
expect "AUTO picks and explains" 0 "auto: n = 500.*Flat" -- \
  "$kiln" build --input "$work/good.npy" --index-type AUTO --memory-budget 1G --target-recall 0.9 --output "$work/t8"
grep -q '"auto_reason"' "$work/t8/kiln.json" && ok "AUTO: auto_reason in kiln.json" || bad "AUTO: no auto_reason"
expect "--memory-budget without AUTO exits 2" 2 "need --index-type AUTO" -- \
  "$kiln" build --input "$work/good.npy" --factory Flat --memory-budget 1G --output "$work/t9"
expect "bad --memory-budget exits 2" 2 "size \"lots\"" -- \
  "$kiln" build --input "$work/good.npy" --index-type AUTO --memory-budget lots --output "$work/t10"


# --- IVF-PQ (IwPQ): build, search, Faiss agrees; typed definition ---------------
expect "build IVF64,PQ8np" 0 "built IVF64,PQ8" -- \
  "$kiln" build --input "$work/good.npy" --factory IVF64,PQ8np --output "$work/pq1"
expect "search IVF-PQ" 0 "searched 20" -- \
  "$kiln" search --index "$work/pq1" --queries "$work/queries.npy" -k 10 --nprobe 16 --output "$work/pq1_hits.npy"
$py "$here/faiss_check.py" "$work/pq1/faiss.index" "$work/queries.npy" "$work/pq1_hits.npy" 10 16 >"$work/pq1_fc.txt" 2>&1 \
  && ok "Faiss agrees on IVF64,PQ8np output" || { bad "Faiss disagrees on IVF64,PQ8np output"; cat "$work/pq1_fc.txt"; }
expect "inspect shows IVF-PQ fields" 0 "M 8, nbits 8, code_size 8, by_residual 1" -- \
  "$kiln" inspect "$work/pq1/faiss.index"
expect "typed definition IVFPQ builds" 0 "built IVF16,PQ4" -- \
  "$kiln" build --input "$work/good.npy" --index-type IVFPQ --param ncentroids=16 --param M=4 --output "$work/pq2"

# --- HNSW (issue 4): Fashion-MNIST recall floors, Faiss agreement, typed names ---
if [[ -f $fm/train-images-idx3-ubyte.gz ]]; then
  expect "build HNSW16 (ef_construction 200) on Fashion-MNIST" 0 "built HNSW16,Flat .*n=60000" -- \
    "$kiln" build --input "$fm/train-images-idx3-ubyte.gz" --factory HNSW16 --ef-construction 200 \
    --ef-search 20 --output "$work/h16"
  # Floors over the 10k test queries (exact ground truth): hnswlib's walk at
  # ef 20, Faiss's walk (what Faiss serves from this file) at ef 40.
  expect "eval HNSW16 recall@10 >= 0.975 at ef 20 (hnswlib walk)" 0 " 20 +0\.9[7-9]" -- \
    "$kiln" eval --index "$work/h16" --base "$fm/train-images-idx3-ubyte.gz" \
    --queries "$fm/t10k-images-idx3-ubyte.gz" -k 10 --ef 20 --walk hnswlib --min-recall 0.975
  expect "eval HNSW16 sweeps --ef (Faiss walk), recall >= 0.99 at ef 40" 0 " 40 +0\.99" -- \
    "$kiln" eval --index "$work/h16" --base "$fm/train-images-idx3-ubyte.gz" --queries "$work/fq.npy" \
    -k 10 --ef 10,20,40 --min-recall 0.99
  expect "search HNSW16 with --ef" 0 "searched 500 queries \(k=10, ef=20\)" -- \
    "$kiln" search --index "$work/h16" --queries "$work/fq.npy" -k 10 --ef 20 --output "$work/h16_hits.npy"
  $py "$here/faiss_check.py" "$work/h16/faiss.index" "$work/fq.npy" "$work/h16_hits.npy" 10 1 20 >"$work/h16_fc.txt" 2>&1 \
    && ok "HNSW16: Debian's Faiss loads it and returns kiln's top-10 at efSearch 20 ($(cat "$work/h16_fc.txt"))" \
    || { bad "HNSW16: Faiss cross-check"; cat "$work/h16_fc.txt"; }
  expect "inspect shows HNSW levels and degrees" 0 "level 0: 60000 nodes, degree min" -- \
    "$kiln" inspect "$work/h16/faiss.index"
  expect "inspect: every node reachable at level 0" 0 "level 0 reachable from the entry point: 60000 of 60000 nodes" -- \
    "$kiln" inspect "$work/h16/faiss.index"
  expect "build HNSW16,SQ8 on Fashion-MNIST" 0 "built HNSW16,SQ8" -- \
    "$kiln" build --input "$fm/train-images-idx3-ubyte.gz" --factory HNSW16,SQ8 --ef-construction 200 \
    --output "$work/h16sq"
  expect "eval HNSW16,SQ8 recall@10 >= 0.95 at ef 40" 0 " 40 +0\.9[5-9]" -- \
    "$kiln" eval --index "$work/h16sq" --base "$fm/train-images-idx3-ubyte.gz" \
    --queries "$fm/t10k-images-idx3-ubyte.gz" -k 10 --ef 40 --min-recall 0.95
  # Cancelling (SIGINT) an HNSW build returns promptly and publishes nothing.
  "$kiln" build --input "$fm/train-images-idx3-ubyte.gz" --factory HNSW32 --ef-construction 400 \
    --output "$work/hcancel" >"$work/hc.out" 2>&1 &
  pid=$!
  sleep 3
  t0=$(date +%s%N)
  kill -INT $pid
  wait $pid
  rc=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [[ $rc -ne 0 && $ms -lt 2000 ]] && ok "SIGINT ends the HNSW build in ${ms} ms (exit $rc)" \
    || bad "SIGINT: exit $rc after ${ms} ms: $(tail -2 "$work/hc.out")"
  no_success "$work/hcancel" "cancelled HNSW build"
fi
expect "typed definition HNSWFLAT (MyScale names) builds" 0 "built HNSW16,Flat" -- \
  "$kiln" build --input "$work/good.npy" --index-type HNSWFLAT --param m=16 --param ef_c=200 --output "$work/ht1"
grep -q '"ef_construction": 200' "$work/ht1/kiln.json" && ok "HNSWFLAT: ef_construction in kiln.json" \
  || bad "HNSWFLAT: no ef_construction in kiln.json"
expect "typed definition HNSWSQ builds" 0 "built HNSW8,SQ4" -- \
  "$kiln" build --input "$work/good.npy" --index-type HNSWSQ --param m=8 --param bit_size=4bit --output "$work/ht2"
expect "IDMap,HNSW cosine with ids builds" 0 "built IDMap,HNSW8,Flat" -- \
  "$kiln" build --input "$work/good.npy" --ids "$work/ids.npy" --factory HNSW8 --metric cosine --output "$work/ht3"
expect "--ef-construction on a non-HNSW index exits 2" 2 "need an HNSW index" -- \
  "$kiln" build --input "$work/good.npy" --factory IVF8,Flat --ef-construction 100 --output "$work/ht4"
no_success "$work/ht4" "ef flags on IVF"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
