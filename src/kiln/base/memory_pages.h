// Returning memory to the system page by page.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace kiln {

// madvise(MADV_DONTNEED) on the whole pages inside [p, p + bytes): anonymous
// memory reads as zeros if touched again, a file mapping reads the file
// again. The partial pages at either end are left alone (they may hold
// bytes someone still uses).
inline void ReleaseWholePages(const void* p, size_t bytes) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const auto end = (reinterpret_cast<uintptr_t>(p) + bytes) / page * page;
  if (begin < end) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace kiln
