// The Faiss side of bench/run: Debian's libfaiss 1.7.3 on the same data and
// thread count as kiln_bench. Prints one JSON object per run on stdout.
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/AutoTune.h>
#include <faiss/index_factory.h>
#include <omp.h>

#include <CLI/CLI.hpp>

#include "bench/bench_common.h"

using kiln::bench::Seconds;

int main(int argc, char** argv) {
  CLI::App app{"Faiss side of kiln's benchmarks"};
  app.require_subcommand(1);
  int threads = 2;
  app.add_option("--threads", threads);
  std::string data, queries, gt;
  size_t k = 0, topk = 10;
  int niter = 10;
  std::vector<size_t> nprobes{1, 4, 16};
  auto* km = app.add_subcommand("kmeans");
  km->add_option("--data", data)->required();
  km->add_option("--k", k)->required();
  km->add_option("--niter", niter);
  std::string factory, name;
  auto* ivf = app.add_subcommand("index");
  ivf->add_option("--factory", factory)->required();
  ivf->add_option("--name", name, "data set label for the report");
  ivf->add_option("--base", data)->required();
  ivf->add_option("--queries", queries)->required();
  ivf->add_option("--gt", gt)->required();
  ivf->add_option("--nprobe", nprobes)->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  omp_set_num_threads(threads);

  kiln::Dataset x = kiln::bench::MustRead(data);
  const size_t n = x.n(), d = x.d();
  if (km->parsed()) {
    faiss::ClusteringParameters cp;
    cp.niter = niter;
    faiss::Clustering clus(static_cast<int>(d), k, cp);
    faiss::IndexFlatL2 assigner(static_cast<int>(d));
    auto t0 = std::chrono::steady_clock::now();
    clus.train(n, x.data(), assigner);
    double s = Seconds(t0);
    size_t used = std::min(n, k * cp.max_points_per_centroid);
    fmt::print("{{\"tool\":\"faiss\",\"bench\":\"kmeans\",\"n\":{},\"n_train\":{},\"d\":{},\"k\":{},\"niter\":{},"
               "\"threads\":{},\"seconds\":{:.3f},\"objective\":{:.6g},\"gflops\":{:.1f}}}\n",
               n, used, d, k, niter, threads, s, clus.iteration_stats.back().obj,
               2.0 * used * k * d * niter / s / 1e9);
    return 0;
  }
  kiln::Dataset q = kiln::bench::MustRead(queries);
  kiln::IntMatrix truth = kiln::bench::MustReadNeighbors(gt);
  std::unique_ptr<faiss::Index> index(faiss::index_factory(static_cast<int>(d), factory.c_str(), faiss::METRIC_L2));
  auto t0 = std::chrono::steady_clock::now();
  index->train(n, x.data());
  double train_s = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  index->add(n, x.data());
  double add_s = Seconds(t0);
  const long rss_kb = kiln::bench::PeakRssKb();
  std::string results;
  std::vector<float> dist(q.n() * topk);
  std::vector<faiss::Index::idx_t> labels(q.n() * topk);
  faiss::ParameterSpace space;
  for (size_t np : nprobes) {
    if (factory.rfind("IVF", 0) == 0) space.set_index_parameter(index.get(), "nprobe", static_cast<double>(np));
    t0 = std::chrono::steady_clock::now();
    index->search(q.n(), q.data(), topk, dist.data(), labels.data());
    double s = Seconds(t0);
    std::vector<int64_t> found(labels.begin(), labels.end());
    results += fmt::format("{}{{\"nprobe\":{},\"recall\":{:.4f},\"qps\":{:.0f}}}", results.empty() ? "" : ",", np,
                           kiln::bench::Recall(truth, found, q.n(), topk), q.n() / s);
  }
  fmt::print("{{\"tool\":\"faiss\",\"bench\":\"index\",\"factory\":\"{}\",\"name\":\"{}\",\"n\":{},\"d\":{},"
             "\"threads\":{},\"train_seconds\":{:.3f},\"add_seconds\":{:.3f},\"peak_rss_mb\":{:.0f},\"search\":[{}]}}\n",
             factory, name, n, d, threads, train_s, add_s, rss_kb / 1024.0, results);
  return 0;
}
