// Elapsed wall time for reports (build phases, transfers).
#pragma once

#include <chrono>

namespace kiln {

// Seconds of steady-clock time since `start`.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace kiln
