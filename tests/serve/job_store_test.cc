// The SQLite job store: insert-if-absent, updates, tenant listings, expiry.
#include <filesystem>

#include <gtest/gtest.h>

#include "kiln/service/job_store.h"

namespace kiln::service {
namespace {

JobRecord Job(const std::string& id, const std::string& tenant, JobState state, double finished_at = 0) {
  JobRecord j;
  j.id = id;
  j.tenant = tenant;
  j.api = "v1";
  j.request_json = "{}";
  j.state = state;
  j.created_at = UnixNow();
  j.finished_at = finished_at;
  return j;
}

TEST(JobStoreTest, InsertIfAbsentReturnsTheExistingJob) {
  auto store = JobStore::Open(":memory:");
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto first = (*store)->InsertIfAbsent(Job("a", "t1", JobState::kQueued));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->second);
  JobRecord changed = Job("a", "t1", JobState::kFailed);
  changed.error = "boom";
  auto second = (*store)->InsertIfAbsent(changed);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->second);
  EXPECT_EQ(second->first.state, JobState::kQueued);
  EXPECT_EQ(second->first.error, "");
}

TEST(JobStoreTest, SurvivesReopenAndFiltersByTenant) {
  const std::string path =
      (std::filesystem::temp_directory_path() / fmt::format("kiln-jobs-{}.db", ::getpid())).string();
  std::filesystem::remove(path);
  {
    auto store = JobStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->InsertIfAbsent(Job("a", "t1", JobState::kQueued)).ok());
    ASSERT_TRUE((*store)->InsertIfAbsent(Job("b", "t2", JobState::kQueued)).ok());
    JobRecord done = Job("a", "t1", JobState::kCompleted, UnixNow());
    done.file_name = "x.faiss";
    done.report_json = R"({"n":5})";
    done.n = 5;
    ASSERT_TRUE((*store)->Update(done).ok());
  }
  auto store = JobStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto a = (*store)->Get("a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->state, JobState::kCompleted);
  EXPECT_EQ((*a)->file_name, "x.faiss");
  EXPECT_EQ((*a)->n, 5u);
  auto t2 = (*store)->List(std::string("t2"));
  ASSERT_TRUE(t2.ok());
  ASSERT_EQ(t2->size(), 1u);
  EXPECT_EQ((*t2)[0].id, "b");
  auto missing = (*store)->Get("zzz");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  std::filesystem::remove(path);
}

TEST(JobStoreTest, OnlyFinishedJobsExpire) {
  auto store = JobStore::Open(":memory:");
  ASSERT_TRUE(store.ok());
  const double long_ago = UnixNow() - 10000;
  JobRecord running = Job("run", "", JobState::kRunning);
  running.created_at = long_ago;
  ASSERT_TRUE((*store)->InsertIfAbsent(running).ok());
  ASSERT_TRUE((*store)->InsertIfAbsent(Job("old", "", JobState::kFailed, long_ago)).ok());
  ASSERT_TRUE((*store)->InsertIfAbsent(Job("new", "", JobState::kCompleted, UnixNow())).ok());
  auto deleted = (*store)->DeleteFinishedBefore(UnixNow() - 3600);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_TRUE((*store)->Get("run")->has_value());
  EXPECT_FALSE((*store)->Get("old")->has_value());
  EXPECT_TRUE((*store)->Get("new")->has_value());
}

}  // namespace
}  // namespace kiln::service
