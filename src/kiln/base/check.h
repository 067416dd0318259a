// Invariant checks for bugs (not user errors): KILN_CHECK aborts in every build,
// KILN_DCHECK only in debug builds (hot paths). User errors return Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#define KILN_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "kiln: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

#ifdef NDEBUG
#define KILN_DCHECK(cond) \
  do {                    \
  } while (0)
#else
#define KILN_DCHECK(cond) KILN_CHECK(cond)
#endif
