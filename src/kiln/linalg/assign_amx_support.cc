// The AMX assignment path's baseline half: CPU and OS checks, centroid
// packing and threading. The kernel is assign_amx.cc (see its comment).
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "kiln/base/check.h"
#include "kiln/linalg/assign.h"
#include "kiln/linalg/assign_internal.h"
#include "kiln/simd/simd_level.h"

namespace kiln::linalg {
namespace internal {
namespace {

constexpr size_t kLanes = 16;
constexpr size_t kAmxBlockRows = 256;  // points per thread block (multiple of 32)

// CPUID.(7,0):EDX bit 22 AMX-BF16, bit 24 AMX-TILE; CPUID.(7,1):EAX bit 5
// AVX512-BF16 (the kernel converts with VCVTNE2PS2BF16).
bool CpuHasAmxBf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool amx = (d & (1u << 22)) != 0 && (d & (1u << 24)) != 0;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
  return amx && (a & (1u << 5)) != 0;
}

// Linux keeps the 8 KB tile state off until a process asks for it
// (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA); the grant is
// process-wide and also tells that the kernel supports AMX.
bool RequestTilePermission() {
#if defined(__linux__) && defined(SYS_arch_prctl)
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtileData = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0;
#else
  return false;
#endif
}

// KILN_AMX=0 turns the path off (benchmarks, bisecting); anything else or
// unset leaves it on.
bool EnabledByEnvironment() {
  const char* v = std::getenv("KILN_AMX");
  return v == nullptr || std::string_view(v) != "0";
}

uint16_t ToBf16(float f) {  // round to nearest even; inputs are finite
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

}  // namespace

#ifndef KILN_HAVE_ASSIGN_AMX
bool AmxAssignCompiled() { return false; }
void AssignAmxBlock(const float*, const uint32_t*, size_t, size_t, const AmxCentroids&, const AmxScratch&,
                    const AssignOutput&) {
  KILN_CHECK(false && "assign_amx.cc is not compiled into this build");
}
#endif

void PackAmxCentroids(const float* centroids, size_t k, size_t d, ThreadPool& pool, AlignedBuffer<uint16_t>& panels,
                      AlignedBuffer<float>& norms, AlignedBuffer<float>& mean) {
  const size_t dp = (d + 31) / 32 * 32;
  const size_t pairs = (k + 31) / 32;
  // The mean of the finite coordinates: a NaN centroid (a bad update) must
  // not poison the others.
  mean = AlignedBuffer<float>::Zeroed(dp);
  std::vector<double> sum(d, 0.0);
  std::vector<size_t> count(d, 0);
  for (size_t j = 0; j < k; ++j)
    for (size_t t = 0; t < d; ++t)
      if (std::isfinite(centroids[j * d + t])) {
        sum[t] += centroids[j * d + t];
        ++count[t];
      }
  for (size_t t = 0; t < d; ++t)
    mean[t] = count[t] == 0 ? 0.0f : static_cast<float>(sum[t] / static_cast<double>(count[t]));
  panels = AlignedBuffer<uint16_t>::Zeroed(pairs * 2 * kLanes * dp);
  norms.Resize(pairs * 2 * kLanes);
  pool.ParallelFor(pairs * 2, 8, [&](size_t b, size_t e, int /*worker*/) {
    for (size_t p = b; p < e; ++p) {
      uint16_t* panel = panels.data() + p * kLanes * dp;
      for (size_t j = 0; j < kLanes; ++j) {
        const size_t c = p * kLanes + j;
        if (c >= k) {
          norms[c] = std::numeric_limits<float>::infinity();
          continue;
        }
        float norm = 0.0f;
        for (size_t t = 0; t < d; ++t) {
          const float v = centroids[c * d + t] - mean[t];
          norm += v * v;
          panel[(t / 2) * 2 * kLanes + j * 2 + (t & 1)] = ToBf16(v);
        }
        norms[c] = norm;
      }
    }
  });
}

void AssignAmx(const float* x, const uint32_t* point_rows, size_t n, const AmxCentroids& c, const AssignOutput& out,
               ThreadPool& pool) {
  if (n == 0) return;
  KILN_CHECK(c.k >= 1 && c.k <= static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 64);
  size_t block = kAmxBlockRows;
  const auto threads = static_cast<size_t>(pool.num_threads());
  if (threads > 1) {
    const size_t per_task = (n + 4 * threads - 1) / (4 * threads);  // about four blocks a thread
    block = std::clamp<size_t>((per_task + 31) / 32 * 32, 32, block);
  }
  pool.ParallelFor(n, block, [&](size_t p0, size_t p1, int /*worker*/) {
    // Per thread (nested ParallelFor calls run inline on several threads).
    thread_local AlignedBuffer<uint16_t> points;
    thread_local AlignedBuffer<float> best, second;
    thread_local AlignedBuffer<int32_t> best_id, second_id;
    const size_t rows = (p1 - p0 + 31) / 32 * 32;
    if (points.size() < rows * c.padded_d) points.Resize(rows * c.padded_d);
    if (best.size() < rows * kLanes) {
      best.Resize(rows * kLanes);
      second.Resize(rows * kLanes);
      best_id.Resize(rows * kLanes);
      second_id.Resize(rows * kLanes);
    }
    AssignAmxBlock(x, point_rows, p0, p1, c, {points.data(), best.data(), second.data(), best_id.data(), second_id.data()},
                   out);
  });
}

}  // namespace internal

bool AmxAssignAvailable() {
  static const bool available = internal::AmxAssignCompiled() &&
                                simd::ActiveSimdLevel() == simd::SimdLevel::kAvx512 &&
                                internal::EnabledByEnvironment() && internal::CpuHasAmxBf16() &&
                                internal::RequestTilePermission();
  return available;
}

}  // namespace kiln::linalg
