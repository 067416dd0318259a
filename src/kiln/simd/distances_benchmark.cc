// Microbenchmarks of the distance kernels, per SIMD level supported by this
// CPU. Names: <kernel>/<level>/d:<d>[/n:<rows>][/misaligned]. Vectors are
// 64-byte aligned (kiln's AlignedBuffer) unless "misaligned" (4 bytes past a
// cache line, so every AVX-512 load splits a line). Data sits in L1/L2 except
// for the subset kernel, which gathers random rows of a 512 MiB base.
//   kiln_simd_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kiln/base/aligned_buffer.h"
#include "kiln/simd/distances.h"
#include "kiln/simd/simd_level.h"

namespace kiln::simd {
namespace {

constexpr size_t kDims[] = {128, 784};
// to_many rows: 16 stay in L1 (mostly, at d = 784), 256 stream from L2.
constexpr size_t kManyRowCounts[] = {16, 256};
constexpr size_t kSubsetRows = 256;
constexpr size_t kSubsetBaseRows = size_t{1} << 20;  // 512 MiB at d = 128: past the LLC
constexpr size_t kSubsetDim = 128;

// n random floats starting `offset` floats into a 64-byte aligned buffer.
struct RandomFloats {
  RandomFloats(size_t n, uint32_t seed, size_t offset = 0) : buffer(n + offset), offset(offset) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (float& x : buffer) x = dist(rng);
  }
  float* data() { return buffer.data() + offset; }

  AlignedBuffer<float> buffer;
  size_t offset;
};

void BM_L2Sqr(benchmark::State& state, SimdLevel level, size_t d, size_t offset) {
  const DistanceKernels& k = KernelsFor(level);
  RandomFloats a(d, 1, offset), b(d, 2, offset);
  for (auto _ : state) {
    const float* pa = a.data();
    const float* pb = b.data();
    benchmark::DoNotOptimize(pa);
    benchmark::DoNotOptimize(pb);
    float r = k.l2sqr(pa, pb, d);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_L2SqrToMany(benchmark::State& state, SimdLevel level, size_t d, size_t n) {
  const DistanceKernels& k = KernelsFor(level);
  RandomFloats q(d, 1), base(n * d, 2);
  std::vector<float> out(n);
  for (auto _ : state) {
    k.l2sqr_to_many(q.data(), base.data(), n, d, out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_L2SqrToSubset(benchmark::State& state, SimdLevel level, size_t d) {
  const DistanceKernels& k = KernelsFor(level);
  RandomFloats q(d, 1), block(size_t{1} << 16, 2);
  AlignedBuffer<float> base(kSubsetBaseRows * d);
  for (size_t i = 0; i < base.size(); ++i) base[i] = block.data()[i & 0xffff];
  std::mt19937 rng(3);
  std::uniform_int_distribution<int64_t> pick(0, kSubsetBaseRows - 1);
  // Many id lists, used in turn, so the gathered rows are mostly not cached.
  std::vector<int64_t> ids(kSubsetRows * 1024);
  for (int64_t& id : ids) id = pick(rng);
  std::vector<float> out(kSubsetRows);
  size_t list = 0;
  for (auto _ : state) {
    k.l2sqr_to_subset(q.data(), base.data(), ids.data() + list * kSubsetRows, kSubsetRows, d,
                      out.data());
    benchmark::ClobberMemory();
    list = (list + 1) % 1024;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSubsetRows));
}

void RegisterAll() {
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (level > DetectedSimdLevel()) continue;
    const std::string name(SimdLevelName(level));
    for (size_t d : kDims) {
      const std::string dim = "/d:" + std::to_string(d);
      benchmark::RegisterBenchmark(("l2sqr/" + name + dim).c_str(), BM_L2Sqr, level, d, 0);
      benchmark::RegisterBenchmark(("l2sqr/" + name + dim + "/misaligned").c_str(), BM_L2Sqr, level,
                                   d, 1);
      for (size_t n : kManyRowCounts) {
        benchmark::RegisterBenchmark(
            ("l2sqr_to_many/" + name + dim + "/n:" + std::to_string(n)).c_str(), BM_L2SqrToMany,
            level, d, n);
      }
    }
    benchmark::RegisterBenchmark(("l2sqr_to_subset/" + name + "/d:" + std::to_string(kSubsetDim) +
                                  "/n:" + std::to_string(kSubsetRows))
                                     .c_str(),
                                 BM_L2SqrToSubset, level, kSubsetDim);
  }
}

}  // namespace
}  // namespace kiln::simd

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  kiln::simd::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
