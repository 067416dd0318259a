// KilnService end to end in-process on the file:// store: the OpenSearch
// contract (exact replies, 404/422/507, idempotent POST, failures), /v1
// (cancel, tenants, result), restart recovery, and HTTP auth/limits.
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "kiln/service/http_server.h"
#include "kiln/service/job_store.h"
#include "kiln/service/service.h"

namespace kiln::service {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("kiln-svc-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.data_dir = dir_.string();
    config_.opensearch_factory = "IDMap,Flat";
    config_.opensearch_store = "file";
    config_.build_threads = 2;
    config_.memory_budget = 1ull << 30;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // n×d float32 vectors and ids 0, 3, 6, ... in DATA/store/bkt/<name>.knnvec/.knndid.
  void WriteBlobs(const std::string& name, size_t n, size_t d, size_t truncate_bytes = 0) {
    const fs::path bucket = dir_ / "store" / "bkt";
    fs::create_directories(bucket);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0, 1);
    std::string vectors(n * d * 4, '\0');
    for (size_t i = 0; i < n * d; ++i) {
      const float v = u(rng);
      std::memcpy(vectors.data() + 4 * i, &v, 4);
    }
    vectors.resize(vectors.size() - truncate_bytes);
    std::ofstream(bucket / (name + ".knnvec"), std::ios::binary) << vectors;
    std::string ids(n * 4, '\0');
    for (size_t i = 0; i < n; ++i) {
      const int32_t id = static_cast<int32_t>(3 * i);
      std::memcpy(ids.data() + 4 * i, &id, 4);
    }
    std::ofstream(bucket / (name + ".knndid"), std::ios::binary) << ids;
  }

  static json Request(const std::string& name, size_t n, size_t d) {
    return {{"repository_type", "s3"}, {"container_name", "bkt"}, {"vector_path", "seg/" + name + ".knnvec"},
            {"doc_id_path", "seg/" + name + ".knndid"}, {"tenant_id", "cluster"}, {"dimension", d},
            {"doc_count", n}, {"data_type", "float"}, {"engine", "faiss"},
            {"index_parameters", {{"space_type", "l2"}, {"algorithm", "hnsw"},
                                  {"algorithm_parameters", {{"m", 16}, {"ef_construction", 100}, {"ef_search", 100}}}}}};
  }

  json WaitStatus(KilnService& s, const std::string& id) {
    for (int i = 0; i < 600; ++i) {
      HttpReply r = s.OpenSearchStatus(id);
      EXPECT_EQ(r.status, 200) << r.body;
      json body = json::parse(r.body);
      if (body["task_status"] != "RUNNING_INDEX_BUILD") return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "job " << id << " never finished";
    return {};
  }

  fs::path dir_;
  ServeConfig config_;
};

void MoveBlobs(const fs::path& dir, const std::string& name) {
  fs::create_directories(dir / "store" / "bkt" / "seg");
  for (const char* ext : {".knnvec", ".knndid"})
    fs::rename(dir / "store" / "bkt" / (name + ext), dir / "store" / "bkt" / "seg" / (name + ext));
}

TEST_F(ServiceTest, OpenSearchBuildCompletesWithExactReplies) {
  WriteBlobs("a", 500, 8);
  MoveBlobs(dir_, "a");
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok()) << service.status().message();
  KilnService& s = **service;
  HttpReply submit = s.SubmitOpenSearch(Request("a", 500, 8).dump());
  ASSERT_EQ(submit.status, 200) << submit.body;
  json body = json::parse(submit.body);
  ASSERT_EQ(body.size(), 1u);
  const std::string id = body["job_id"];
  EXPECT_EQ(id.size(), 64u);
  // The client retries POST: the same vector_path + tenant is the same job.
  EXPECT_EQ(json::parse(s.SubmitOpenSearch(Request("a", 500, 8).dump()).body)["job_id"], id);
  json status = WaitStatus(s, id);
  EXPECT_EQ(status, json({{"task_status", "COMPLETED_INDEX_BUILD"}, {"file_name", "a.faiss"}}));
  EXPECT_TRUE(fs::exists(dir_ / "store" / "bkt" / "seg" / "a.faiss"));
  // Work files are gone.
  EXPECT_TRUE(fs::is_empty(dir_ / "work"));
  EXPECT_NE(s.metrics().RenderPrometheus().find("kiln_index_build_success_total 1\n"), std::string::npos);
  EXPECT_EQ(s.OpenSearchStatus("nope").status, 404);
  EXPECT_EQ(s.OpenSearchStatus("nope").body, R"({"detail":"Job not found"})");
  // Double-encoded like the reference service: a JSON string holding the dict.
  const json encoded = json::parse(s.OpenSearchJobs("cluster").body);
  ASSERT_TRUE(encoded.is_string()) << encoded;
  json jobs = json::parse(encoded.get<std::string>());
  EXPECT_EQ(jobs[id]["task_status"], "COMPLETED_INDEX_BUILD");
  EXPECT_TRUE(json::parse(json::parse(s.OpenSearchJobs("other").body).get<std::string>()).empty());
}

TEST_F(ServiceTest, BinaryAndHalfFloatBlobs) {
  const fs::path seg = dir_ / "store" / "bkt" / "seg";
  fs::create_directories(seg);
  // binary: 16 bits = 2 bytes per vector; 40 vectors.
  std::string bits(80, '\0'), ids(160, '\0');
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = static_cast<char>(i * 37);
  for (int32_t i = 0; i < 40; ++i) std::memcpy(ids.data() + 4 * i, &i, 4);
  std::ofstream(seg / "bin.knnvec", std::ios::binary) << bits;
  std::ofstream(seg / "bin.knndid", std::ios::binary) << ids;
  WriteBlobs("half", 40, 4);  // half_float is float32 on the wire
  MoveBlobs(dir_, "half");
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  json bin = Request("bin", 40, 16);
  bin["data_type"] = "binary";
  bin["index_parameters"]["space_type"] = "hamming";
  EXPECT_EQ(WaitStatus(**service, json::parse((*service)->SubmitOpenSearch(bin.dump()).body)["job_id"]),
            json({{"task_status", "COMPLETED_INDEX_BUILD"}, {"file_name", "bin.faiss"}}));
  // A binary index: IBMp → IBHf, 16 bits = 2-byte codes.
  std::ifstream bin_file(seg / "bin.faiss", std::ios::binary);
  std::string head(12, '\0');
  bin_file.read(head.data(), 12);
  EXPECT_EQ(head.substr(0, 4), "IBMp");
  EXPECT_EQ(head.substr(4, 8), std::string("\x10\0\0\0\x02\0\0\0", 8));
  json half = Request("half", 40, 4);
  half["data_type"] = "half_float";
  EXPECT_EQ(WaitStatus(**service, json::parse((*service)->SubmitOpenSearch(half.dump()).body)["job_id"]),
            json({{"task_status", "COMPLETED_INDEX_BUILD"}, {"file_name", "half.faiss"}}));
  json bad_bits = Request("bin", 40, 12);
  bad_bits["data_type"] = "binary";
  EXPECT_EQ((*service)->SubmitOpenSearch(bad_bits.dump()).status, 422);
}

TEST_F(ServiceTest, BadInputsFailWithUsefulMessages) {
  WriteBlobs("short", 100, 8, /*truncate_bytes=*/12);
  MoveBlobs(dir_, "short");
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  KilnService& s = **service;

  json missing = WaitStatus(s, json::parse(s.SubmitOpenSearch(Request("nothere", 100, 8).dump()).body)["job_id"]);
  EXPECT_EQ(missing["task_status"], "FAILED_INDEX_BUILD");
  EXPECT_EQ(missing.size(), 2u);
  EXPECT_NE(missing["error_message"].get<std::string>().find("download file://bkt/seg/nothere.knnvec"),
            std::string::npos)
      << missing;

  json truncated = WaitStatus(s, json::parse(s.SubmitOpenSearch(Request("short", 100, 8).dump()).body)["job_id"]);
  EXPECT_EQ(truncated["task_status"], "FAILED_INDEX_BUILD");
  EXPECT_EQ(truncated["error_message"],
            "file://bkt/seg/short.knnvec: 3188 bytes, expected doc_count 100 x 32 bytes per vector = 3200");
  EXPECT_FALSE(fs::exists(dir_ / "store" / "bkt" / "seg" / "short.faiss"));

  HttpReply bad = s.SubmitOpenSearch(R"({"vector_path":"a.knnvec","surprise":true})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find(R"({"field":"surprise","message":"extra fields not permitted","type":"extra_forbidden"})"),
            std::string::npos);
}

TEST_F(ServiceTest, JobsThatCanNeverFitAre507) {
  config_.memory_budget = 32ull << 20;
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  HttpReply r = (*service)->SubmitOpenSearch(Request("big", 1000000, 128).dump());
  EXPECT_EQ(r.status, 507);
  EXPECT_NE(r.body.find("more than the memory budget of 32 MiB"), std::string::npos) << r.body;
}

TEST_F(ServiceTest, RestartRequeuesInterruptedJobsAndKeepsFinishedOnes) {
  WriteBlobs("r", 300, 4);
  MoveBlobs(dir_, "r");
  std::string done_id;
  {
    auto service = KilnService::Start(config_);
    ASSERT_TRUE(service.ok());
    done_id = json::parse((*service)->SubmitOpenSearch(Request("r", 300, 4).dump()).body)["job_id"];
    EXPECT_EQ(WaitStatus(**service, done_id)["task_status"], "COMPLETED_INDEX_BUILD");
  }
  // A job the previous process was running when it died.
  {
    auto store = JobStore::Open((dir_ / "jobs.db").string());
    ASSERT_TRUE(store.ok());
    auto done = (*store)->Get(done_id);
    JobRecord interrupted = **done;
    interrupted.id = "interrupted";
    interrupted.state = JobState::kRunning;
    interrupted.file_name.clear();
    ASSERT_TRUE((*store)->Update(interrupted).ok());
    fs::remove(dir_ / "store" / "bkt" / "seg" / "r.faiss");
  }
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(json::parse((*service)->OpenSearchStatus(done_id).body)["file_name"], "r.faiss");
  EXPECT_EQ(WaitStatus(**service, "interrupted"),
            json({{"task_status", "COMPLETED_INDEX_BUILD"}, {"file_name", "r.faiss"}}));
  EXPECT_TRUE(fs::exists(dir_ / "store" / "bkt" / "seg" / "r.faiss"));
  json v1 = json::parse((*service)->GetV1("interrupted", "cluster").body);
  EXPECT_EQ(v1["status"], "Built");
}

TEST_F(ServiceTest, RestartPolicyFailMarksInterruptedJobsFailed) {
  config_.restart_policy = "fail";
  {
    auto store = JobStore::Open((fs::create_directories(dir_), dir_ / "jobs.db").string());
    ASSERT_TRUE(store.ok());
    JobRecord job;
    job.id = "x";
    job.api = "opensearch";
    job.request_json = Request("x", 10, 2).dump();
    job.state = JobState::kRunning;
    ASSERT_TRUE((*store)->Update(job).ok());
  }
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(json::parse((*service)->OpenSearchStatus("x").body),
            json({{"task_status", "FAILED_INDEX_BUILD"},
                  {"error_message", "interrupted by a restart of kiln serve (restart_policy=fail)"}}));
}

// A job that took the process down in each of its attempts (out of memory,
// an abort) is failed on restart instead of being requeued forever.
TEST_F(ServiceTest, RestartStopsRequeuingAJobInterruptedThreeTimes) {
  {
    auto store = JobStore::Open((fs::create_directories(dir_), dir_ / "jobs.db").string());
    ASSERT_TRUE(store.ok());
    JobRecord job;
    job.id = "crashy";
    job.api = "opensearch";
    job.request_json = Request("crashy", 10, 2).dump();
    job.state = JobState::kRunning;
    job.attempts = 3;
    ASSERT_TRUE((*store)->Update(job).ok());
  }
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(json::parse((*service)->OpenSearchStatus("crashy").body),
            json({{"task_status", "FAILED_INDEX_BUILD"},
                  {"error_message",
                   "interrupted by a restart of kiln serve in each of its 3 attempts; not requeued again"}}));
}

TEST_F(ServiceTest, V1CancelStopsARunningBuildAndPublishesNothing) {
  // 60000 x 64 with IVF4096: k-means runs for seconds, so the cancel lands mid-build.
  const fs::path bucket = dir_ / "store" / "bkt";
  WriteBlobs("big", 60000, 64);
  config_.workers = 1;
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  KilnService& s = **service;
  json req = {{"source", "file://bkt/big.knnvec"}, {"dimension", 64}, {"output", "file://bkt/out/big"},
              {"factory", "IVF4096,Flat"}};
  HttpReply submitted = s.SubmitV1(req.dump(), "tenant-a");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const std::string id = json::parse(submitted.body)["job_id"];
  HttpReply queued = s.SubmitV1(req.dump(), "tenant-a");  // waits behind the first (1 worker)
  const std::string queued_id = json::parse(queued.body)["job_id"];
  for (int i = 0; i < 500 && json::parse(s.GetV1(id, "tenant-a").body)["phase"] != "k-means"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(json::parse(s.GetV1(id, "tenant-a").body)["state"], "running");
  EXPECT_EQ(s.GetV1(id, "tenant-b").status, 404);  // other tenants do not see it
  EXPECT_TRUE(json::parse(s.ListV1("tenant-b").body)["jobs"].empty());
  EXPECT_EQ(s.CancelV1(queued_id, "tenant-a").status, 202);
  EXPECT_EQ(json::parse(s.GetV1(queued_id, "tenant-a").body)["state"], "cancelled");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(s.CancelV1(id, "tenant-a").status, 202);
  json job;
  for (int i = 0; i < 500; ++i) {
    job = json::parse(s.GetV1(id, "tenant-a").body);
    if (job["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(job["state"], "cancelled");
  EXPECT_EQ(job["status"], "Error");
  EXPECT_EQ(job["latest_failure"], "cancelled by request");
  EXPECT_LT(seconds, 1.0);
  EXPECT_FALSE(fs::exists(bucket / "out" / "big" / "faiss.index"));
  EXPECT_EQ(s.CancelV1(id, "tenant-a").status, 409);
}

// DELETE racing with a job that has just finished: the stored record still
// says running but the scheduler no longer has the job, so nothing can be
// cancelled: 409 with the reason, not 202. (A record the scheduler never
// had stands in for the race's window.)
TEST_F(ServiceTest, V1CancelOfAJobTheSchedulerNoLongerHasIs409) {
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  {
    auto store = JobStore::Open((dir_ / "jobs.db").string());
    ASSERT_TRUE(store.ok());
    JobRecord job;
    job.id = "kj-finishing";
    job.tenant = "tenant-a";
    job.api = "v1";
    job.request_json = "{}";
    job.state = JobState::kRunning;
    ASSERT_TRUE((*store)->Update(job).ok());
  }
  HttpReply reply = (*service)->CancelV1("kj-finishing", "tenant-a");
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.body,
            R"({"detail":"job kj-finishing is running but can no longer be cancelled (its outcome is being recorded, or )"
            R"(this server does not run it); nothing was cancelled"})");
}

TEST_F(ServiceTest, V1ResultCarriesTheRecallReport) {
  WriteBlobs("small", 2000, 16);
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  KilnService& s = **service;
  json req = {{"source", "file://bkt/small.knnvec"}, {"dimension", 16}, {"output", "file://bkt/out/small"},
              {"index_type", "IVFFLAT"}, {"params", {{"ncentroids", 16}}}, {"recall_queries", 50}};
  const std::string id = json::parse(s.SubmitV1(req.dump(), "").body)["job_id"];
  json job;
  for (int i = 0; i < 500; ++i) {
    job = json::parse(s.GetV1(id, "").body);
    if (job["status"] != "InProgress") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(job["status"], "Built") << job;
  json result = json::parse(s.ResultV1(id, "").body);
  EXPECT_EQ(result["index_uri"], "file://bkt/out/small/faiss.index");
  EXPECT_EQ(result["report"]["recall"]["queries"], 50);
  EXPECT_GE(result["report"]["recall"]["recall_at_k"].get<double>(), 0.99);  // nprobe 16 of 16 lists: exact
  EXPECT_TRUE(fs::exists(dir_ / "store" / "bkt" / "out" / "small" / "kiln.json"));
  HttpReply bad = s.SubmitV1(json({{"source", "file://bkt/none.npy"}, {"output", "file://bkt/o"},
                                   {"factory", "Flat"}}).dump(), "");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("source: file://bkt/none.npy: no such object"), std::string::npos) << bad.body;
  EXPECT_EQ(s.SubmitV1(json({{"source", "file://bkt/../x"}, {"output", "file://bkt/o"}, {"factory", "Flat"}}).dump(), "")
                .status,
            422);
}

TEST_F(ServiceTest, HttpBasicAuthAndBodyLimit) {
  config_.auth_user = "admin";
  config_.auth_password = "s3cret";
  config_.listen = "127.0.0.1:0";
  config_.max_body_bytes = 4096;
  auto service = KilnService::Start(config_);
  ASSERT_TRUE(service.ok());
  HttpServer server(**service);
  ASSERT_TRUE(server.Bind().ok());
  std::thread serving([&] { EXPECT_TRUE(server.Serve().ok()); });
  httplib::Client client("127.0.0.1", server.port());
  auto anonymous = client.Get("/_status/x");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->get_header_value("WWW-Authenticate"), "Basic realm=\"kiln\"");
  client.set_basic_auth("admin", "wrong");
  EXPECT_EQ(client.Get("/_status/x")->status, 401);
  client.set_basic_auth("admin", "s3cret");
  auto ok = client.Get("/_status/x");
  EXPECT_EQ(ok->status, 404);
  EXPECT_EQ(ok->body, R"({"detail":"Job not found"})");
  auto big = client.Post("/_build", std::string(10000, ' '), "application/json");
  EXPECT_EQ(big->status, 413);
  auto metrics = client.Get("/metrics");
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("# TYPE kiln_status_requests_total counter"), std::string::npos);
  EXPECT_EQ(client.Get("/openapi.yaml")->status, 200);
  EXPECT_TRUE(BasicAuthMatches("Basic YWRtaW46czNjcmV0", "admin", "s3cret"));
  EXPECT_FALSE(BasicAuthMatches("Bearer YWRtaW46czNjcmV0", "admin", "s3cret"));
  server.Stop();
  serving.join();
}

}  // namespace
}  // namespace kiln::service
