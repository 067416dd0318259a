// Huge pages for the large arrays an HNSW build reads at random (internal to
// kiln_index). Every distance of an insert pulls one neighbour's code or
// float row, and every expanded node its links, from anywhere in arrays of
// n entries: past a few hundred thousand nodes the 4 KiB-page TLB misses
// cost as much as the cache misses. Where the kernel backs anonymous memory
// with 2 MiB pages on request (transparent_hugepage = madvise, the Debian
// default) the advice below removes most of them; elsewhere it does nothing.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace kiln::index::hnsw {

inline constexpr size_t kHugePage = size_t{2} << 20;

// Advises 2 MiB pages for the whole huge pages inside [p, p + bytes). Call
// before the memory is first written (pages already present stay small).
inline void AdviseHugePages(const void* p, size_t bytes) {
  const auto begin = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) / kHugePage * kHugePage;
  const auto end = (reinterpret_cast<uintptr_t>(p) + bytes) / kHugePage * kHugePage;
  if (begin < end) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace kiln::index::hnsw
