// The kiln side of bench/run, plus data preparation (synthetic clustered
// sets, exact ground truth). Prints one JSON object per run on stdout.
#include <random>

#include <CLI/CLI.hpp>

#include "bench/bench_common.h"
#include "kiln/cluster/kmeans.h"
#include "kiln/dataset/vector_writer.h"
#include "kiln/index/factory.h"
#include "kiln/linalg/knn.h"

using kiln::bench::Seconds;

namespace {

// n points drawn from `clusters` Gaussian blobs with random centres and
// per-blob scales: structured like real embeddings, unlike uniform noise.
std::vector<float> Clustered(size_t n, size_t d, size_t clusters, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::uniform_real_distribution<float> scale(0.5f, 2.0f);
  std::vector<float> centres(clusters * d), scales(clusters);
  for (auto& v : centres) v = normal(rng) * 4;
  for (auto& v : scales) v = scale(rng);
  std::vector<float> x(n * d);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % clusters;
    for (size_t t = 0; t < d; ++t) x[i * d + t] = centres[c * d + t] + scales[c] * normal(rng);
  }
  return x;
}

void Check(const kiln::Status& s) {
  if (!s.ok()) {
    fmt::print(stderr, "{}\n", s.ToString());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kiln side of kiln's benchmarks"};
  app.require_subcommand(1);
  int threads = 2;
  app.add_option("--threads", threads);
  std::string data, queries, gt, out;
  size_t n = 0, d = 0, clusters = 1000, k = 0, topk = 10;
  uint32_t seed = 42;
  int niter = 10;
  std::vector<size_t> nprobes{1, 4, 16};
  size_t nq = 0, rows = 0;
  std::string queries_out;
  auto* gen = app.add_subcommand("gen");
  gen->add_option("--n", n)->required();
  gen->add_option("--nq", nq, "Also draw nq queries from the same blobs");
  gen->add_option("--queries-out", queries_out);
  gen->add_option("--d", d)->required();
  gen->add_option("--clusters", clusters);
  gen->add_option("--seed", seed);
  gen->add_option("--out", out)->required();
  auto* gtc = app.add_subcommand("gt");
  gtc->add_option("--base", data)->required();
  gtc->add_option("--queries", queries)->required();
  gtc->add_option("--k", topk);
  gtc->add_option("--rows", rows, "Only the first rows of --base");
  gtc->add_option("--out", out)->required();
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
  auto* check = app.add_subcommand("check", "Exit 0 if kiln can build this factory string");
  check->add_option("--factory", factory)->required();
  CLI11_PARSE(app, argc, argv);
  if (check->parsed()) {
    auto spec = kiln::index::ParseFactoryString(factory);
    kiln::Status s = spec.ok() ? kiln::index::CheckImplemented(*spec) : spec.status();
    if (!s.ok()) fmt::print(stderr, "{}\n", s.message());
    return s.ok() ? 0 : 2;
  }

  kiln::ThreadPool pool(threads);
  kiln::ExecContext ctx;
  ctx.pool = &pool;
  if (gen->parsed()) {
    std::vector<float> x = Clustered(n + nq, d, clusters, seed);
    Check(kiln::WriteNpy(out, x.data(), n, d));
    if (nq > 0) Check(kiln::WriteNpy(queries_out, x.data() + n * d, nq, d));
    return 0;
  }
  kiln::Dataset x = kiln::bench::MustRead(data, gtc->parsed() ? rows : 0);
  if (gtc->parsed()) {
    kiln::Dataset q = kiln::bench::MustRead(queries);
    std::vector<float> dist(q.n() * topk);
    std::vector<kiln::idx_t> labels(q.n() * topk);
    Check(kiln::linalg::ExactKnn(q.data(), q.n(), x.data(), x.n(), x.d(), kiln::Metric::kL2, topk, nullptr,
                                 dist.data(), labels.data(), ctx));
    Check(kiln::WriteNpy(out, reinterpret_cast<const int64_t*>(labels.data()), q.n(), topk));
    return 0;
  }
  if (km->parsed()) {
    kiln::cluster::KMeansParams p;
    p.niter = niter;
    auto t0 = std::chrono::steady_clock::now();
    auto r = kiln::cluster::TrainKMeans(x.data(), x.n(), x.d(), k, p, ctx);
    double s = Seconds(t0);
    Check(r.status());
    fmt::print("{{\"tool\":\"kiln\",\"bench\":\"kmeans\",\"n\":{},\"n_train\":{},\"d\":{},\"k\":{},\"niter\":{},"
               "\"iterations_run\":{},\"threads\":{},\"seconds\":{:.3f},\"objective\":{:.6g},\"gflops\":{:.1f},"
               "\"distance_fraction\":{:.3f}}}\n",
               x.n(), r->n_train, x.d(), k, niter, r->iterations, threads, s, r->objective,
               2.0 * r->n_train * k * x.d() * niter / s / 1e9,
               double(r->distance_evaluations) / (double(r->n_train) * k * niter));
    return 0;
  }
  kiln::Dataset q = kiln::bench::MustRead(queries);
  kiln::IntMatrix truth = kiln::bench::MustReadNeighbors(gt);
  auto spec = kiln::index::ParseFactoryString(factory);
  Check(spec.status());
  auto index = kiln::index::CreateIndex(*spec, x.d(), kiln::Metric::kL2, kiln::index::IvfTrainParams{});
  Check(index.status());
  auto t0 = std::chrono::steady_clock::now();
  Check((*index)->Train(x.data(), x.n(), ctx));
  double train_s = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  Check((*index)->Add(x.data(), x.n(), ctx));
  double add_s = Seconds(t0);
  const long rss_kb = kiln::bench::PeakRssKb();
  std::string results;
  std::vector<float> dist(q.n() * topk);
  std::vector<kiln::idx_t> labels(q.n() * topk);
  for (size_t np : nprobes) {
    kiln::index::SearchParams sp;
    sp.nprobe = np;
    t0 = std::chrono::steady_clock::now();
    Check((*index)->Search(q.data(), q.n(), topk, sp, dist.data(), labels.data(), ctx));
    double s = Seconds(t0);
    std::vector<int64_t> found(labels.begin(), labels.end());
    results += fmt::format("{}{{\"nprobe\":{},\"recall\":{:.4f},\"qps\":{:.0f}}}", results.empty() ? "" : ",", np,
                           kiln::bench::Recall(truth, found, q.n(), topk), q.n() / s);
  }
  fmt::print("{{\"tool\":\"kiln\",\"bench\":\"index\",\"factory\":\"{}\",\"name\":\"{}\",\"n\":{},\"d\":{},"
             "\"threads\":{},\"train_seconds\":{:.3f},\"add_seconds\":{:.3f},\"peak_rss_mb\":{:.0f},\"search\":[{}]}}\n",
             factory, name, x.n(), x.d(), threads, train_s, add_s, rss_kb / 1024.0, results);
  return 0;
}
