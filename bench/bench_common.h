// Shared by the kiln and Faiss benchmark drivers: timing, recall, JSON output.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "kiln/dataset/vector_reader.h"

namespace kiln::bench {

inline double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// recall@k of `found` (nq×k) against the first k columns of `truth` (nq×kt).
inline double Recall(const IntMatrix& truth, const std::vector<int64_t>& found, size_t nq, size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    std::unordered_set<int64_t> expected(truth.values.begin() + q * truth.d,
                                         truth.values.begin() + q * truth.d + k);
    for (size_t j = 0; j < k; ++j) hits += expected.count(found[q * k + j]);
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

// CPU seconds (user + system) this process has used so far, all threads.
inline double CpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Peak resident set size of this process so far, in KiB.
inline long PeakRssKb() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// rows > 0: only the first rows of the file (a prefix of a larger set).
inline Dataset MustRead(const std::string& spec, size_t rows = 0) {
  ReadOptions options;
  if (rows > 0) options.limit = rows;
  auto d = ReadVectors(spec, options);
  if (!d.ok()) {
    fmt::print(stderr, "{}\n", d.status().ToString());
    std::exit(1);
  }
  return std::move(*d);
}

inline IntMatrix MustReadNeighbors(const std::string& spec) {
  auto m = ReadNeighbors(spec);
  if (!m.ok()) {
    fmt::print(stderr, "{}\n", m.status().ToString());
    std::exit(1);
  }
  return std::move(*m);
}

}  // namespace kiln::bench
