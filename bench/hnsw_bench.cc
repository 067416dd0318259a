// HNSW build + search benchmark for bench/hnsw_run: kiln's HnswIndex or
// hnswlib (Debian's header-only libhnswlib-dev, compiled here with kiln's
// flags: no -march, so hnswlib's compile-time SIMD choice is SSE only). One
// JSON line per run: build seconds on --threads threads, peak RSS, and a
// single-thread recall@10 / QPS sweep over --ef.
//
// Memory: the peak RSS of the build alone (the high-water mark is reset just
// before it through /proc/self/clear_refs) against the bytes the built index
// needs: stored vectors (n·d floats) + graph (kiln: levels, offsets and
// neighbour slots as in the Faiss file; hnswlib: its link lists).
// peak_rss_ratio = (build peak RSS − RSS before the base vectors are loaded)
// / those bytes (SQ storage: its codes); the loaded input counts against the
// peak (kiln takes it over into the index; HNSW-SQ keeps it to the end).
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <fstream>
#include <queue>
#include <thread>

#include <CLI/CLI.hpp>

#include "bench/bench_common.h"
#include "kiln/index/factory.h"
#include "kiln/index/hnsw/hnsw_reachability.h"
#include "kiln/index/hnsw_index.h"

using kiln::bench::Seconds;

namespace {

void Check(const kiln::Status& s) {
  if (!s.ok()) {
    fmt::print(stderr, "{}\n", s.ToString());
    std::exit(1);
  }
}

struct Args {
  std::string tool = "kiln", factory, name, base, queries, gt;
  size_t rows = 0;  // > 0: build on the first rows of --base only
  int threads = 2;
  size_t M = 16, efc = 200, k = 10;
  std::vector<size_t> efs{10, 20, 40, 80, 160};
  std::vector<std::string> walks{"faiss", "hnswlib"};  // kiln: one sweep per walk
  bool build_codes = true;  // kiln: build on 8-bit codes
  bool locality = false;    // kiln: build in a locality order
  bool rerank = true;       // kiln: re-rank on floats when the codes are lossy
};

// A "Vm...:" line of /proc/self/status in KiB (0 if missing).
long StatusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return 0;
}

// Resets VmHWM to the current RSS; false where the kernel does not allow it.
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// Peak RSS since ResetPeakRss (or since start when it failed), KiB.
long PeakSinceReset(bool reset) { return reset ? StatusKb("VmHWM") : kiln::bench::PeakRssKb(); }

struct Result {
  double build_s = 0;
  double build_cpu_s = 0;
  long build_peak_rss_kb = 0;
  double index_bytes = 0;  // stored vectors + graph
  long unreachable = -1;   // kiln: nodes not reachable from the entry point at level 0
  std::string sweep;
  void Add(size_t ef, double recall, double qps) {
    sweep += fmt::format("{}{{\"ef\":{},\"recall\":{:.4f},\"qps\":{:.0f}}}", sweep.empty() ? "" : ",",
                         ef, recall, qps);
  }
};

// One Result per walk (same build).
// x is handed over to the index (released as it is stored).
std::vector<Result> RunKiln(const Args& a, kiln::Dataset x, const kiln::Dataset& q,
                            const kiln::IntMatrix& gt) {
  kiln::ThreadPool pool(a.threads), one(1);
  kiln::ExecContext ctx{&pool, nullptr, nullptr}, ctx1{&one, nullptr, nullptr};
  auto spec = kiln::index::ParseFactoryString(a.factory);
  Check(spec.status());
  spec->ef_construction = a.efc;
  auto index = kiln::index::CreateIndex(*spec, x.d(), kiln::Metric::kL2);
  Check(index.status());
  kiln::index::HnswIndex* hnsw = kiln::index::FindHnsw(**index);
  if (hnsw == nullptr) {
    fmt::print(stderr, "{} is not an HNSW index\n", a.factory);
    std::exit(1);
  }
  hnsw->set_build_codes(a.build_codes);
  hnsw->set_locality_order(a.locality);
  hnsw->set_rerank(a.rerank);
  Result r;
  const bool reset = ResetPeakRss();
  const double cpu0 = kiln::bench::CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  Check((*index)->Train(x.data(), x.n(), ctx));
  Check(hnsw->AddOwned(x.data(), x.n(), [&x](size_t b, size_t e) { x.ReleaseRows(b, e); },
                       x.is_mapped(), ctx));
  r.build_s = Seconds(t0);
  r.build_cpu_s = kiln::bench::CpuSeconds() - cpu0;
  r.build_peak_rss_kb = PeakSinceReset(reset);
  const kiln::index::HnswGraph& g = hnsw->graph();
  r.unreachable = static_cast<long>(g.ntotal() - kiln::index::hnsw::CountReachable(g));
  // Stored vectors: floats, or the SQ codes.
  const auto* sq = dynamic_cast<const kiln::index::ScalarQuantizerIndex*>(&hnsw->storage());
  const size_t stored = sq != nullptr ? sq->codes().size() : hnsw->ntotal() * hnsw->d() * sizeof(float);
  r.index_bytes = static_cast<double>(stored + g.levels.size() * sizeof(int32_t) +
                                      g.offsets.size() * sizeof(uint64_t) +
                                      g.neighbors.size() * sizeof(int32_t));
  std::vector<float> dist(q.n() * a.k);
  std::vector<kiln::idx_t> labels(q.n() * a.k);
  std::vector<Result> results;
  for (const std::string& walk : a.walks) {
    kiln::index::FindHnsw(**index)->set_walk(*kiln::index::ParseHnswWalk(walk));
    Result w = r;
    for (size_t ef : a.efs) {
      kiln::index::SearchParams sp;
      sp.ef_search = ef;
      t0 = std::chrono::steady_clock::now();
      Check((*index)->Search(q.data(), q.n(), a.k, sp, dist.data(), labels.data(), ctx1));
      const double s = Seconds(t0);
      std::vector<int64_t> found(labels.begin(), labels.end());
      w.Add(ef, kiln::bench::Recall(gt, found, q.n(), a.k), q.n() / s);
    }
    results.push_back(w);
  }
  return results;
}

Result RunHnswlib(const Args& a, const kiln::Dataset& x, const kiln::Dataset& q,
                  const kiln::IntMatrix& gt) {
  hnswlib::L2Space space(x.d());
  hnswlib::HierarchicalNSW<float> index(&space, x.n(), a.M, a.efc, 100);
  Result r;
  const bool reset = ResetPeakRss();
  const double cpu0 = kiln::bench::CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < a.threads; ++t)
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < x.n();) index.addPoint(x.data() + i * x.d(), i);
    });
  for (auto& w : workers) w.join();
  r.build_s = Seconds(t0);
  r.build_cpu_s = kiln::bench::CpuSeconds() - cpu0;
  r.build_peak_rss_kb = PeakSinceReset(reset);
  double links = static_cast<double>(x.n() * index.size_links_level0_);
  for (size_t i = 0; i < x.n(); ++i)
    links += static_cast<double>(index.element_levels_[i]) * static_cast<double>(index.size_links_per_element_);
  r.index_bytes = static_cast<double>(x.n() * x.d() * sizeof(float)) + links;
  std::vector<int64_t> found(q.n() * a.k, -1);
  for (size_t ef : a.efs) {
    index.setEf(ef);
    t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < q.n(); ++i) {
      auto top = index.searchKnn(q.data() + i * q.d(), a.k);
      for (size_t j = top.size(); j-- > 0;) {
        found[i * a.k + j] = static_cast<int64_t>(top.top().second);
        top.pop();
      }
    }
    const double s = Seconds(t0);
    r.Add(ef, kiln::bench::Recall(gt, found, q.n(), a.k), q.n() / s);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"HNSW build/search benchmark (kiln or hnswlib)"};
  Args a;
  app.add_option("--tool", a.tool)->check(CLI::IsMember({"kiln", "hnswlib"}));
  app.add_option("--factory", a.factory, "kiln factory string (HNSW16, HNSW16,SQ8)");
  app.add_option("--name", a.name);
  app.add_option("--threads", a.threads);
  app.add_option("--M", a.M);
  app.add_option("--efc", a.efc);
  app.add_option("--ef", a.efs)->delimiter(',');
  app.add_option("--walks", a.walks, "kiln: level-0 walks to sweep (faiss, hnswlib)")->delimiter(',');
  app.add_option("--build-codes", a.build_codes, "kiln: build on 8-bit build codes (1) or floats (0)");
  app.add_option("--rerank", a.rerank, "kiln: re-rank candidates on floats when the codes are lossy (1) or not (0)");
  app.add_option("--locality", a.locality, "kiln: build in a locality order (1) or input order (0)");
  app.add_option("--base", a.base)->required();
  app.add_option("--rows", a.rows, "Build on the first rows of --base only (its ground truth must match)");
  app.add_option("--queries", a.queries)->required();
  app.add_option("--gt", a.gt)->required();
  CLI11_PARSE(app, argc, argv);
  if (a.factory.empty()) a.factory = fmt::format("HNSW{}", a.M);
  kiln::Dataset q = kiln::bench::MustRead(a.queries);
  kiln::IntMatrix gt = kiln::bench::MustReadNeighbors(a.gt);
  // The process baseline: binary, libraries, queries and ground truth.
  const long rss_start = StatusKb("VmRSS");
  kiln::Dataset x = kiln::bench::MustRead(a.base, a.rows);
  const size_t n = x.n(), d = x.d();
  const long rss_before = kiln::bench::PeakRssKb();
  std::vector<Result> runs;
  std::vector<std::string> labels;
  if (a.tool == "kiln") {
    runs = RunKiln(a, std::move(x), q, gt);
    for (const std::string& walk : a.walks)
      labels.push_back(fmt::format("{}{}{} ({} walk)", a.factory, a.locality ? " locality" : "",
                                   a.build_codes ? "" : " float-build", walk));
  } else {
    runs = {RunHnswlib(a, x, q, gt)};
    labels = {fmt::format("HNSW{}", a.M)};
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    const Result& r = runs[i];
    const double peak_mb = r.build_peak_rss_kb / 1024.0, start_mb = rss_start / 1024.0;
    const double index_mb = r.index_bytes / (1 << 20);
    fmt::print("{{\"tool\":\"{}\",\"bench\":\"hnsw\",\"factory\":\"{}\",\"name\":\"{}\",\"n\":{},\"d\":{},"
               "\"M\":{},\"efc\":{},\"threads\":{},\"build_codes\":{},\"locality\":{},\"build_seconds\":{:.3f},"
               "\"build_cpu_seconds\":{:.3f},\"rss_start_mb\":{:.1f},\"rss_after_load_mb\":{:.0f},"
               "\"build_peak_rss_mb\":{:.0f},\"index_mb\":{:.1f},\"peak_rss_ratio\":{:.3f},{}\"search\":[{}]}}\n",
               a.tool, labels[i], a.name, n, d, a.M, a.efc, a.threads, a.tool == "kiln" && a.build_codes,
               a.tool == "kiln" && a.locality,
               r.build_s, r.build_cpu_s, start_mb, rss_before / 1024.0, peak_mb, index_mb,
               (peak_mb - start_mb) / index_mb,
               r.unreachable >= 0 ? fmt::format("\"unreachable\":{},", r.unreachable) : std::string(), r.sweep);
  }
  return 0;
}
