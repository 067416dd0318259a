// Faiss side of bench/hnsw_run: Debian's libfaiss 1.7.3 IndexHNSWFlat /
// IndexHNSWSQ (factory string) built on --threads OpenMP threads, then a
// single-thread efSearch sweep. Same JSON fields as hnsw_bench.
#include <faiss/IndexHNSW.h>
#include <faiss/index_factory.h>
#include <omp.h>

#include <CLI/CLI.hpp>

#include "bench/bench_common.h"

using kiln::bench::Seconds;

int main(int argc, char** argv) {
  CLI::App app{"Faiss HNSW build/search benchmark"};
  std::string factory = "HNSW16", name, base, queries, gt;
  int threads = 2;
  size_t efc = 200, k = 10;
  std::vector<size_t> efs{10, 20, 40, 80, 160};
  app.add_option("--factory", factory);
  app.add_option("--name", name);
  app.add_option("--threads", threads);
  app.add_option("--efc", efc);
  app.add_option("--ef", efs)->delimiter(',');
  app.add_option("--base", base)->required();
  app.add_option("--queries", queries)->required();
  app.add_option("--gt", gt)->required();
  CLI11_PARSE(app, argc, argv);
  kiln::Dataset x = kiln::bench::MustRead(base);
  kiln::Dataset q = kiln::bench::MustRead(queries);
  kiln::IntMatrix truth = kiln::bench::MustReadNeighbors(gt);
  const long rss_before = kiln::bench::PeakRssKb();
  std::unique_ptr<faiss::Index> index(
      faiss::index_factory(static_cast<int>(x.d()), factory.c_str(), faiss::METRIC_L2));
  auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(index.get());
  if (hnsw == nullptr) {
    fmt::print(stderr, "{} is not an HNSW index\n", factory);
    return 2;
  }
  hnsw->hnsw.efConstruction = static_cast<int>(efc);
  omp_set_num_threads(threads);
  const double cpu0 = kiln::bench::CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  index->train(x.n(), x.data());
  index->add(x.n(), x.data());
  const double build_s = Seconds(t0), build_cpu_s = kiln::bench::CpuSeconds() - cpu0;
  const long build_rss = kiln::bench::PeakRssKb();
  omp_set_num_threads(1);
  std::string results;
  std::vector<float> dist(q.n() * k);
  std::vector<faiss::Index::idx_t> labels(q.n() * k);
  for (size_t ef : efs) {
    hnsw->hnsw.efSearch = static_cast<int>(ef);
    t0 = std::chrono::steady_clock::now();
    index->search(q.n(), q.data(), k, dist.data(), labels.data());
    const double s = Seconds(t0);
    std::vector<int64_t> found(labels.begin(), labels.end());
    results += fmt::format("{}{{\"ef\":{},\"recall\":{:.4f},\"qps\":{:.0f}}}", results.empty() ? "" : ",",
                           ef, kiln::bench::Recall(truth, found, q.n(), k), q.n() / s);
  }
  fmt::print("{{\"tool\":\"faiss\",\"bench\":\"hnsw\",\"factory\":\"{}\",\"name\":\"{}\",\"n\":{},\"d\":{},"
             "\"M\":{},\"efc\":{},\"threads\":{},\"build_seconds\":{:.3f},\"build_cpu_seconds\":{:.3f},"
             "\"rss_after_load_mb\":{:.0f},\"build_peak_rss_mb\":{:.0f},\"search\":[{}]}}\n",
             factory, name, x.n(), x.d(), hnsw->hnsw.nb_neighbors(1), efc, threads, build_s, build_cpu_s,
             rss_before / 1024.0, build_rss / 1024.0, results);
  return 0;
}
