// RunRemoteBuild's assembled .faiss (remote_build_assembly.h) against an
// in-memory multipart store, in addition to the moto e2e test
// (serve_assembly_e2e.py): runs under ASan/UBSan with the copy thread.
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include <gtest/gtest.h>

#include "kiln/job/remote_build.h"
#include "kiln/service/opensearch_request.h"
#include "kiln/storage/object_store/file_object_store.h"

namespace kiln {
namespace {
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Parts in memory; Complete checks S3's minimum part size and writes the
// object into the file store's tree.
class MemoryAssembly final : public storage::PartAssembly {
 public:
  MemoryAssembly(storage::FileObjectStore& files, storage::ObjectRef object, uint64_t min_part, int& aborted)
      : files_(files), object_(std::move(object)), min_part_(min_part), aborted_(aborted) {}
  ~MemoryAssembly() override {
    if (!completed_) ++aborted_;
  }
  uint64_t min_part_size() const override { return min_part_; }
  Status PutPart(int number, const std::string& bytes) override {
    std::lock_guard lock(mu_);
    parts_[number] = bytes;
    stats_.bytes += bytes.size();
    return OkStatus();
  }
  StatusOr<int> AddRange(int first_number, const storage::ObjectRef& source, const std::string&, const std::string&,
                         uint64_t begin, uint64_t end) override {  // two copied parts
    KILN_ASSIGN_OR_RETURN(std::string path, files_.PathOf(source));
    const std::string bytes = ReadAll(path).substr(begin, end - begin);
    std::lock_guard lock(mu_);
    parts_[first_number] = bytes.substr(0, bytes.size() / 2);
    parts_[first_number + 1] = bytes.substr(bytes.size() / 2);
    stats_.copied_bytes += bytes.size();
    return 2;
  }
  Status Complete() override {
    std::string object;
    for (auto it = parts_.begin(); it != parts_.end(); ++it) {
      if (std::next(it) != parts_.end() && it->second.size() < min_part_)
        return InvalidArgumentError("EntityTooSmall: part {} has {} bytes", it->first, it->second.size());
      object += it->second;
    }
    KILN_ASSIGN_OR_RETURN(std::string path, files_.PathOf(object_));
    std::ofstream(path, std::ios::binary) << object;
    completed_ = true;
    return OkStatus();
  }
  storage::TransferStats stats() const override { return stats_; }

 private:
  storage::FileObjectStore& files_;
  storage::ObjectRef object_;
  uint64_t min_part_;
  int& aborted_;
  std::mutex mu_;
  std::map<int, std::string> parts_;
  storage::TransferStats stats_;
  bool completed_ = false;
};

// A file store that claims to be S3 and assembles objects in memory.
class AssemblingStore final : public storage::ObjectStore {
 public:
  AssemblingStore(const std::string& root, uint64_t min_part) : files_(root), min_part_(min_part) {}
  std::string_view scheme() const override { return "s3"; }
  StatusOr<uint64_t> Size(const storage::ObjectRef& o) override { return files_.Size(o); }
  StatusOr<storage::TransferStats> Download(const storage::ObjectRef& o, const std::string& path,
                                            const CancelToken* cancel) override {
    return files_.Download(o, path, cancel);
  }
  StatusOr<storage::TransferStats> Upload(const std::string& path, const storage::ObjectRef& o,
                                          const CancelToken* cancel) override {
    return files_.Upload(path, o, cancel);
  }
  StatusOr<std::unique_ptr<storage::PartAssembly>> StartAssembly(const storage::ObjectRef& o,
                                                                 const CancelToken*) override {
    return std::unique_ptr<storage::PartAssembly>(new MemoryAssembly(files_, o, min_part_, aborted));
  }
  storage::FileObjectStore files_;
  uint64_t min_part_;
  int aborted = 0;
};

class CancelAtRead final : public ProgressSink {
 public:
  explicit CancelAtRead(CancelToken& token) : token_(token) {}
  void Report(std::string_view phase, uint64_t, uint64_t) override {
    if (phase == "read") token_.Cancel();
  }

 private:
  CancelToken& token_;
};

class IndexAssemblyTest : public ::testing::Test {
 protected:
  static constexpr size_t kN = 400, kD = 128;
  void SetUp() override {
    root_ = fs::temp_directory_path() / fmt::format("kiln-assembly-{}-{}", ::getpid(), ++counter_);
    fs::create_directories(root_ / "store" / "b" / "seg");
    std::vector<float> x(kN * kD);
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    for (float& v : x) v = normal(rng);
    std::vector<int32_t> ids(kN);
    for (size_t i = 0; i < kN; ++i) ids[i] = static_cast<int32_t>(3 * i + 1);
    std::ofstream(root_ / "store" / "b" / "seg" / "0.knnvec", std::ios::binary)
        .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * 4));
    std::ofstream(root_ / "store" / "b" / "seg" / "0.knndid", std::ios::binary)
        .write(reinterpret_cast<const char*>(ids.data()), static_cast<std::streamsize>(ids.size() * 4));
    service::OpenSearchBuild request;
    request.container_name = "b";
    request.vector_path = "seg/0.knnvec";
    request.doc_id_path = "seg/0.knndid";
    request.dimension = kD;
    request.doc_count = kN;
    auto spec = service::OpenSearchBuildSpec(request, "s3", "");
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    spec_ = *spec;
  }
  void TearDown() override { fs::remove_all(root_); }
  // The .faiss kiln build writes from the same files.
  std::string LocalIndex() {
    job::BuildRequest local = spec_.build;
    local.input = (root_ / "store" / "b" / "seg" / "0.knnvec").string();
    local.ids_path = (root_ / "store" / "b" / "seg" / "0.knndid").string();
    local.output_dir = (root_ / "local").string();
    ThreadPool pool(1);
    auto built = job::RunBuild(local, ExecContext{&pool, nullptr, nullptr});
    EXPECT_TRUE(built.ok()) << built.status().message();
    return ReadAll(job::IndexPathInDir(local.output_dir));
  }
  StatusOr<job::RemoteBuildResult> Remote(AssemblingStore& store, const ExecContext& ctx) {
    auto stores = [&](std::string_view) -> StatusOr<storage::ObjectStore*> { return &store; };
    return job::RunRemoteBuild(spec_, stores, (root_ / "work").string(), ctx);
  }
  static inline int counter_ = 0;
  fs::path root_;
  job::RemoteBuildSpec spec_;
};

// min_part 4 KiB: the graph (n·2M·4 = 51200 bytes) is part 1, every vector
// byte is copied. 64 KiB: part 1 also carries the first 64 KiB of vectors.
TEST_F(IndexAssemblyTest, AssembledIndexEqualsTheLocalBuild) {
  const std::string expected = LocalIndex();
  for (uint64_t min_part : {uint64_t{4096}, uint64_t{65536}}) {
    AssemblingStore store((root_ / "store").string(), min_part);
    ThreadPool pool(1);
    auto result = Remote(store, ExecContext{&pool, nullptr, nullptr});
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(ReadAll((root_ / "store" / "b" / "seg" / "0.faiss").string()), expected) << min_part;
    const uint64_t vector_bytes = kN * kD * 4, folded = min_part == 4096 ? 0 : min_part;
    EXPECT_EQ(result->upload.copied_bytes, vector_bytes - folded);
    EXPECT_EQ(result->upload.bytes, expected.size() - (vector_bytes - folded));
    EXPECT_EQ(store.aborted, 0);
    fs::remove(root_ / "store" / "b" / "seg" / "0.faiss");
  }
}

TEST_F(IndexAssemblyTest, CancelledBuildAbortsTheAssembly) {
  AssemblingStore store((root_ / "store").string(), 4096);
  ThreadPool pool(1);
  CancelToken cancel;
  CancelAtRead progress(cancel);
  auto result = Remote(store, ExecContext{&pool, &cancel, &progress});
  EXPECT_EQ(result.status().code(), StatusCode::kCancelled) << result.status().message();
  EXPECT_EQ(store.aborted, 1);
  EXPECT_FALSE(fs::exists(root_ / "store" / "b" / "seg" / "0.faiss"));
}

}  // namespace
}  // namespace kiln
