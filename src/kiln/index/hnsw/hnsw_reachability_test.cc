#include "kiln/index/hnsw/hnsw_reachability.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace kiln::index::hnsw {
namespace {

// A level-0-only graph with M = 2 (4 slots per node) and the given links.
HnswGraph GraphWithLinks(const std::vector<std::vector<int32_t>>& links) {
  HnswGraph g(2);
  g.AppendNodes(std::vector<int>(links.size(), 0));
  for (size_t u = 0; u < links.size(); ++u) {
    EXPECT_LE(links[u].size(), g.capacity(0));
    std::copy(links[u].begin(), links[u].end(), g.neighbors.begin() + static_cast<ptrdiff_t>(g.begin(u, 0)));
  }
  g.entry_point = 0;
  g.max_level = 0;
  return g;
}

std::set<std::pair<int32_t, int32_t>> Edges(const HnswGraph& g) {
  std::set<std::pair<int32_t, int32_t>> edges;
  for (size_t u = 0; u < g.ntotal(); ++u)
    for (size_t s = g.begin(u, 0); s < g.end(u, 0) && g.neighbors[s] >= 0; ++s)
      edges.insert({static_cast<int32_t>(u), g.neighbors[s]});
  return edges;
}

// Node 5 links only to the entry point, whose list is full; node 4 is
// reachable only through the entry point's last link. Overwriting that link
// (the former repair) strands 4, and repairing 4 the same way strands 5
// again, pass after pass. A free slot two hops away (node 3) links 5
// without removing anything.
TEST(HnswReachabilityTest, LinksFromTheNearestFreeSlotWithoutRemovingLinks) {
  HnswGraph g = GraphWithLinks({{1, 2, 3, 4}, {0, 2, 3, 6}, {0, 1, 3, 6}, {0, 1}, {0, 1, 2, 3}, {0}, {0, 1, 2, 3}});
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().ToString();
  const auto before = Edges(g);
  ASSERT_EQ(CountReachable(g), 6u);
  // kiln inspect shows it.
  EXPECT_NE(FormatStats(ComputeStats(g)).find("level 0 reachable from the entry point: 6 of 7 nodes"),
            std::string::npos)
      << FormatStats(ComputeStats(g));
  EXPECT_EQ(RepairReachability(g), 1u);
  EXPECT_EQ(CountReachable(g), 7u);
  auto after = Edges(g);
  for (const auto& e : before) EXPECT_TRUE(after.count(e)) << e.first << " -> " << e.second << " removed";
  EXPECT_TRUE(after.count({3, 5}));
  EXPECT_EQ(after.size(), before.size() + 1);
}

// A stranded pair (5 -> 6 -> 5) whose own links lead to the full entry
// point only: still linked, in one call.
TEST(HnswReachabilityTest, LinksAStrandedComponentThroughItsOutLinks) {
  HnswGraph g = GraphWithLinks({{1, 2, 3, 4}, {0, 2}, {0, 1}, {0, 4}, {0, 3}, {6}, {5, 0}});
  ASSERT_EQ(CountReachable(g), 5u);
  EXPECT_EQ(RepairReachability(g), 1u);
  EXPECT_EQ(CountReachable(g), 7u);
  EXPECT_TRUE(g.Validate().ok()) << g.Validate().ToString();
}

// Every reachable list is full: a link has to make way, and the repair
// still ends with every node reachable.
TEST(HnswReachabilityTest, ReplacesALinkWhenEveryReachableListIsFull) {
  HnswGraph g = GraphWithLinks({{1, 2, 3, 4}, {0, 2, 3, 4}, {0, 1, 3, 4}, {0, 1, 2, 4}, {0, 1, 2, 3}, {0}});
  ASSERT_EQ(CountReachable(g), 5u);
  EXPECT_GE(RepairReachability(g), 1u);
  EXPECT_EQ(CountReachable(g), 6u);
  EXPECT_TRUE(g.Validate().ok()) << g.Validate().ToString();
}

}  // namespace
}  // namespace kiln::index::hnsw
