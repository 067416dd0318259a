#include "kiln/base/thread_pool.h"

#include <atomic>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> hits(10007);
    pool.ParallelFor(hits.size(), 13, [&](size_t b, size_t e, int w) {
      ASSERT_GE(w, 0);
      ASSERT_LT(w, threads);
      for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPoolTest, StaticRangesDependOnlyOnThreadCount) {
  ThreadPool pool(3);
  std::vector<int> owner(100, -1);
  pool.ParallelForStatic(owner.size(), [&](size_t b, size_t e, int w) {
    for (size_t i = b; i < e; ++i) owner[i] = w;
  });
  EXPECT_EQ(owner[0], 0);
  EXPECT_EQ(owner[33], 0);
  EXPECT_EQ(owner[34], 1);
  EXPECT_EQ(owner[99], 2);
}

TEST(ThreadPoolTest, NestedCallsRunInlineAndRepeatedCallsWork) {
  ThreadPool pool(2);
  std::atomic<long> sum{0};
  for (int rep = 0; rep < 50; ++rep) {
    pool.ParallelFor(8, 1, [&](size_t b, size_t e, int) {
      pool.ParallelFor(10, 3, [&](size_t b2, size_t e2, int) {
        for (size_t i = b2; i < e2; ++i) sum += static_cast<long>(i);
      });
      (void)b;
      (void)e;
    });
  }
  EXPECT_EQ(sum.load(), 50L * 8 * 45);
}

}  // namespace
}  // namespace kiln
