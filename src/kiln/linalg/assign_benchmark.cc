// Times linalg::AssignNearest, fused AVX-512 kernel vs SGEMM + scan, on the
// k-means shapes kiln cares about, with 1 and 2 threads. Prints effective
// GFLOP/s = 2·n·k·d / seconds (best of `reps` runs) and how many labels the
// two paths disagree on (near ties only, expected to be a handful).
//
//   kiln_assign_benchmark [reps=3] [shape filter, e.g. "784"] [paths: both|fused|blas]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kiln/base/thread_pool.h"
#include "kiln/linalg/assign.h"

namespace kiln::linalg {
namespace {

struct Shape {
  size_t n, d, k;
};

double BestSeconds(int reps, const std::vector<float>& x, const std::vector<float>& c,
                   const std::vector<float>& norms, const Shape& s, ThreadPool& pool, AssignPath path,
                   std::vector<idx_t>& labels) {
  std::vector<float> d1(s.n), d2(s.n);
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    AssignNearest(x.data(), s.n, c.data(), norms.data(), s.k, s.d, {labels.data(), d1.data(), d2.data()},
                  pool, path);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

int Main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const std::string filter = argc > 2 ? argv[2] : "";
  const std::string paths = argc > 3 ? argv[3] : "both";
  const bool fused = FusedAssignAvailable() && (paths == "both" || paths == "fused" || paths == "amx");
  const bool blas = paths == "both" || paths == "blas";
  std::printf("fused AVX-512 path %s; best of %d\n", fused ? "available" : "UNAVAILABLE", reps);
  const Shape shapes[] = {{200000, 128, 4096}, {60000, 784, 256}, {200000, 128, 256}, {200000, 128, 128}, {200000, 128, 64}, {200000, 128, 16},
                          {200000, 32, 128}, {200000, 64, 128}, {200000, 32, 512}, {60000, 784, 64}};
  for (const Shape& s : shapes) {
    const std::string name = std::to_string(s.n) + "x" + std::to_string(s.d) + " -> " + std::to_string(s.k);
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0, 1);
    std::vector<float> x(s.n * s.d), c(s.k * s.d), norms(s.k);
    for (auto& v : x) v = normal(rng);
    for (size_t j = 0; j < s.k; ++j) {
      const size_t src = rng() % s.n;
      float sum = 0;
      for (size_t t = 0; t < s.d; ++t) {
        c[j * s.d + t] = x[src * s.d + t] + 0.1f * normal(rng);
        sum += c[j * s.d + t] * c[j * s.d + t];
      }
      norms[j] = sum;
    }
    const double flop = 2.0 * static_cast<double>(s.n) * static_cast<double>(s.k) * static_cast<double>(s.d);
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      std::vector<idx_t> blas_labels(s.n), fused_labels(s.n);
      double tb = 0;
      if (blas) {
        tb = BestSeconds(reps, x, c, norms, s, pool, AssignPath::kBlas, blas_labels);
        std::printf("%-22s threads=%d  blas  %8.3f s %7.1f GFLOP/s\n", name.c_str(), threads, tb,
                    flop / tb / 1e9);
      }
      if (fused) {
        const double tf = BestSeconds(reps, x, c, norms, s, pool, AssignPath::kFused, fused_labels);
        std::printf("%-22s threads=%d  fused %8.3f s %7.1f GFLOP/s", name.c_str(), threads, tf,
                    flop / tf / 1e9);
        if (blas) {
          size_t differ = 0;
          for (size_t i = 0; i < s.n; ++i) differ += blas_labels[i] != fused_labels[i];
          std::printf("  (x%.2f vs blas, %zu labels differ)", tb / tf, differ);
        }
        std::printf("\n");
      }
      if (AmxAssignAvailable() && (paths == "both" || paths == "amx")) {
        std::vector<idx_t> amx_labels(s.n);
        const double ta = BestSeconds(reps, x, c, norms, s, pool, AssignPath::kAmx, amx_labels);
        std::printf("%-22s threads=%d  amx   %8.3f s %7.1f GFLOP/s", name.c_str(), threads, ta, flop / ta / 1e9);
        if (fused) {
          size_t differ = 0;
          for (size_t i = 0; i < s.n; ++i) differ += fused_labels[i] != amx_labels[i];
          std::printf("  (%zu labels differ from fused)", differ);
        }
        std::printf("\n");
      }
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace kiln::linalg

int main(int argc, char** argv) { return kiln::linalg::Main(argc, argv); }
