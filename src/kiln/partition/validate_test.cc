#include "kiln/partition/validate.h"

#include <gtest/gtest.h>

namespace kiln::partition {
namespace {

// A valid 3-level table (root 0; 1, 2 under it; 3..6 leaves), d = 2.
TreeRows ValidRows() {
  TreeRows r;
  r.d = 2;
  r.id = {0, 1, 2, 3, 4, 5, 6};
  r.parent = {std::nullopt, 0, 0, 1, 1, 2, 2};
  r.vectors.assign(7 * 2, 0.5f);
  return r;
}

std::string Message(const TreeRows& rows) { return ValidateTreeRows(rows).message(); }

TEST(ValidateTreeRowsTest, AcceptsValidTreeAndImplicitRoot) {
  EXPECT_TRUE(ValidateTreeRows(ValidRows()).ok());
  TreeRows flat;
  flat.d = 1;
  flat.id = {10, -3};
  flat.parent = {std::nullopt, std::nullopt};
  flat.vectors = {1, 2};
  EXPECT_TRUE(ValidateTreeRows(flat).ok());  // ids need not start at 0 or be positive
}

TEST(ValidateTreeRowsTest, NullId) {
  TreeRows r = ValidRows();
  r.id[3] = std::nullopt;
  EXPECT_EQ(Message(r), "external build: id could not be NULL");
}

TEST(ValidateTreeRowsTest, NullVector) {
  TreeRows r = ValidRows();
  r.row_dim = {2, 2, 2, -1, 2, 2, 2};
  r.vectors.resize(6 * 2);
  EXPECT_EQ(Message(r), "external build: vector could not be NULL");
}

TEST(ValidateTreeRowsTest, DuplicateId) {
  TreeRows r = ValidRows();
  r.id[6] = 5;
  EXPECT_EQ(Message(r), "external build: there are at least two lines have same id, id = 5");
}

TEST(ValidateTreeRowsTest, WrongDimension) {
  TreeRows r = ValidRows();
  r.row_dim = {2, 2, 2, 2, 3, 2, 2};
  r.vectors.resize(7 * 2 + 1, 0.5f);
  EXPECT_EQ(Message(r), "external build: incorrect dimension, id = 4");
}

TEST(ValidateTreeRowsTest, NonFiniteValue) {
  TreeRows r = ValidRows();
  r.vectors[5 * 2 + 1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(Message(r), "vector of id 5 has a non-finite value at dimension 1");
}

TEST(ValidateTreeRowsTest, ParentMissing) {
  TreeRows r = ValidRows();
  r.parent[4] = 42;
  EXPECT_EQ(Message(r), "external build: parent does not exist, id = 4, parent = 42");
}

TEST(ValidateTreeRowsTest, TwoRoots) {
  TreeRows r = ValidRows();
  r.parent[2] = std::nullopt;
  EXPECT_EQ(Message(r), "external build: two root, id = 0, id = 2");
}

TEST(ValidateTreeRowsTest, NoRootAndEmptyTable) {
  TreeRows r = ValidRows();
  r.parent[0] = 6;  // 0 -> 6 -> 2 -> 0: no row is the root
  EXPECT_EQ(Message(r), "external build: there are no root");
  TreeRows empty;
  empty.d = 2;
  EXPECT_EQ(Message(empty), "external build: there are no root");
}

TEST(ValidateTreeRowsTest, DetachedCycle) {
  TreeRows r = ValidRows();
  r.parent[5] = 6;  // 5 <-> 6, unreachable from the root
  r.parent[6] = 5;
  EXPECT_EQ(Message(r), "external build: detect a cycle, id = 5");
  r = ValidRows();
  r.parent[4] = 4;  // self-parent
  EXPECT_EQ(Message(r), "external build: detect a cycle, id = 4");
}

TEST(ValidateTreeRowsTest, UnequalLeafDepth) {
  TreeRows r = ValidRows();
  r.parent[5] = 0;  // node 2 keeps one leaf; 5 becomes a leaf next to subtrees
  r.parent[6] = 0;
  EXPECT_EQ(Message(r), "external build: two heights, id = 0");
}

TEST(ValidateTreeRowsTest, TreeHeightLimits) {
  TreeRows lone;
  lone.d = 1;
  lone.id = {7};
  lone.parent = {std::nullopt};
  lone.vectors = {1};
  EXPECT_EQ(Message(lone), "external build: unexpected tree height, height = 1");
  TreeRows chain;  // root + 9 levels = height 10
  chain.d = 1;
  for (int32_t i = 0; i < 10; ++i) {
    chain.id.push_back(i);
    chain.parent.push_back(i == 0 ? std::nullopt : std::optional<int32_t>(i - 1));
    chain.vectors.push_back(static_cast<float>(i));
  }
  EXPECT_EQ(Message(chain), "external build: unexpected tree height, height = 10");
  chain.id.pop_back();
  chain.parent.pop_back();
  chain.vectors.pop_back();
  EXPECT_TRUE(ValidateTreeRows(chain).ok());  // height 9 is the maximum
}

TEST(ValidateTableNameTest, VectorChordIdentifierRules) {
  EXPECT_TRUE(ValidateTableName("public.t_build").ok());
  EXPECT_TRUE(ValidateTableName("centroids$2").ok());
  for (const char* bad : {"s; SELECT s", "\"Quoted\"", "a.b.c", "1abc", "", "public.", "a b"}) {
    Status s = ValidateTableName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("error while validating options: table name is not well-formed"), std::string::npos)
        << s.message();
  }
}

}  // namespace
}  // namespace kiln::partition
