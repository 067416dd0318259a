// S3 store against a real moto server in auth mode (SigV4 checked). Run by
// ctest through with_moto.py, which exports the endpoint and credentials and
// creates bucket "kiln-test".
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "kiln/storage/object_store/s3_download.h"
#include "kiln/storage/object_store/s3_object_store.h"

namespace kiln::storage {
namespace {
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("AWS_ENDPOINT_URL_S3"), nullptr) << "run through tests/serve/with_moto.py";
    config_.FillFromEnvironment();
    config_.part_size = 5 << 20;
    config_.multipart_threshold = 6 << 20;
    config_.retry_base_seconds = 0.01;
    dir_ = fs::temp_directory_path() / fmt::format("kiln-s3-{}", ::getpid());
    fs::create_directories(dir_);
  }
  std::string Write(const std::string& name, size_t size) {
    std::string data(size, '\0');
    std::mt19937 rng(static_cast<unsigned>(size));
    for (char& c : data) c = static_cast<char>(rng());
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
  S3Config config_;
  fs::path dir_;
};

TEST_F(S3StoreTest, SinglePutAndRangedDownload) {
  S3ObjectStore store(config_);
  const std::string src = Write("small.bin", (5 << 20) + 123);  // two ranged GETs
  auto up = store.Upload(src, {"kiln-test", "dir/a_b-c.v1.bin"}, nullptr);
  ASSERT_TRUE(up.ok()) << up.status().message();
  auto size = store.Size({"kiln-test", "dir/a_b-c.v1.bin"});
  ASSERT_TRUE(size.ok()) << size.status().message();
  EXPECT_EQ(*size, (5u << 20) + 123);
  auto down = store.Download({"kiln-test", "dir/a_b-c.v1.bin"}, (dir_ / "small.out").string(), nullptr);
  ASSERT_TRUE(down.ok()) << down.status().message();
  EXPECT_EQ(ReadAll((dir_ / "small.out").string()), ReadAll(src));
  // Parallel ranges (pwrite at offsets; the MD5 of the ETag checked in order).
  S3Config ranged = config_;
  ranged.download_connections = 4;
  ranged.download_range_size = 1 << 20;
  auto parallel = S3ObjectStore(ranged).Download({"kiln-test", "dir/a_b-c.v1.bin"}, (dir_ / "p.out").string(), nullptr);
  ASSERT_TRUE(parallel.ok()) << parallel.status().message();
  EXPECT_EQ(parallel->etag, down->etag);
  EXPECT_EQ(ReadAll((dir_ / "p.out").string()), ReadAll(src));
}

TEST_F(S3StoreTest, MultipartUpload) {
  S3ObjectStore store(config_);
  const std::string src = Write("big.bin", (13 << 20) + 7);  // 3 parts
  auto up = store.Upload(src, {"kiln-test", "big/index.faiss"}, nullptr);
  ASSERT_TRUE(up.ok()) << up.status().message();
  auto down = store.Download({"kiln-test", "big/index.faiss"}, (dir_ / "big.out").string(), nullptr);
  ASSERT_TRUE(down.ok()) << down.status().message();
  EXPECT_EQ(ReadAll((dir_ / "big.out").string()), ReadAll(src));
}

// An object assembled from a sent head, a range copied from another object
// (UploadPartCopy) and a sent tail equals the same bytes uploaded whole; with
// server-side copy off the range is sent from the local copy instead.
TEST_F(S3StoreTest, AssemblyCopiesRangesOrSendsThem) {
  const std::string src = Write("source.knnvec", (12 << 20) + 5);
  const std::string bytes = ReadAll(src);
  S3ObjectStore store(config_);
  ASSERT_TRUE(store.Upload(src, {"kiln-test", "src/v.knnvec"}, nullptr).ok());
  auto meta = store.Download({"kiln-test", "src/v.knnvec"}, (dir_ / "v.out").string(), nullptr);
  ASSERT_TRUE(meta.ok()) << meta.status().message();
  const uint64_t begin = 5 << 20, end = (12 << 20) + 1;
  const std::string head = "HEAD" + bytes.substr(0, begin), tail = bytes.substr(end) + "TAIL";
  for (bool copy : {true, false}) {
    S3Config config = config_;
    config.server_side_copy = copy;
    S3ObjectStore s(config);
    const std::string key = copy ? "out/copied.faiss" : "out/sent.faiss";
    auto assembly = s.StartAssembly({"kiln-test", key}, nullptr);
    ASSERT_TRUE(assembly.ok()) << assembly.status().message();
    auto parts = (*assembly)->AddRange(2, {"kiln-test", "src/v.knnvec"}, meta->etag, src, begin, end);
    ASSERT_TRUE(parts.ok()) << parts.status().message();
    ASSERT_TRUE((*assembly)->PutPart(2 + *parts, tail).ok());
    ASSERT_TRUE((*assembly)->PutPart(1, head).ok());
    ASSERT_TRUE((*assembly)->Complete().ok());
    const TransferStats stats = (*assembly)->stats();
    EXPECT_EQ(stats.copied_bytes, copy ? end - begin : 0);
    EXPECT_EQ(stats.bytes + stats.copied_bytes, head.size() + (end - begin) + tail.size());
    ASSERT_TRUE(s.Download({"kiln-test", key}, (dir_ / "assembled").string(), nullptr).ok());
    EXPECT_EQ(ReadAll((dir_ / "assembled").string()), "HEAD" + bytes + "TAIL") << key;
  }
}

// An assembly dropped before Complete publishes nothing and leaves no upload.
TEST_F(S3StoreTest, UncompletedAssemblyIsAborted) {
  S3ObjectStore store(config_);
  {
    auto assembly = store.StartAssembly({"kiln-test", "out/aborted.faiss"}, nullptr);
    ASSERT_TRUE(assembly.ok()) << assembly.status().message();
    ASSERT_TRUE((*assembly)->PutPart(1, std::string(6 << 20, 'x')).ok());
  }
  EXPECT_EQ(store.Size({"kiln-test", "out/aborted.faiss"}).status().code(), StatusCode::kNotFound);
}

// Every ranged GET carries If-Match with the ETag the download started from:
// an object replaced since then fails with 412 instead of mixing bytes.
TEST_F(S3StoreTest, ReplacedObjectFailsIfMatch) {
  S3ObjectStore store(config_);
  ASSERT_TRUE(store.Upload(Write("first.bin", 1000), {"kiln-test", "changing.bin"}, nullptr).ok());
  auto first = store.Download({"kiln-test", "changing.bin"}, (dir_ / "first.out").string(), nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(store.Upload(Write("second.bin", 1001), {"kiln-test", "changing.bin"}, nullptr).ok());
  auto again = store.DownloadMatching({"kiln-test", "changing.bin"}, (dir_ / "again.out").string(), first->etag,
                                      nullptr);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition) << again.status().message();
  EXPECT_NE(again.status().message().find("HTTP 412"), std::string::npos) << again.status().message();
  EXPECT_FALSE(fs::exists(dir_ / "again.out"));
  S3Config one_range = config_;  // the GETs themselves (not only the HEAD) check the ETag
  one_range.download_connections = 2;
  one_range.download_range_size = 100;
  auto ranges = s3::DownloadRanges(one_range, {"kiln-test", "changing.bin"}, first->etag, 1001, "",
                                   (dir_ / "ranges.out").string(), nullptr);
  EXPECT_EQ(ranges.code(), StatusCode::kFailedPrecondition) << ranges.message();
  EXPECT_NE(ranges.message().find("S3 GET s3://kiln-test/changing.bin: HTTP 412"), std::string::npos)
      << ranges.message();
  EXPECT_FALSE(fs::exists(dir_ / "ranges.out"));
}

TEST_F(S3StoreTest, WrongSecretIsPermissionDenied) {
  S3Config bad = config_;
  bad.secret_access_key = "wrong-secret";
  S3ObjectStore store(bad);
  auto size = store.Size({"kiln-test", "anything"});
  EXPECT_EQ(size.status().code(), StatusCode::kPermissionDenied) << size.status().message();
  EXPECT_NE(size.status().message().find("SignatureDoesNotMatch"), std::string::npos) << size.status().message();
  const std::string src = Write("w.bin", 100);
  auto up = store.Upload(src, {"kiln-test", "w.bin"}, nullptr);
  EXPECT_EQ(up.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(up.status().message().find("SignatureDoesNotMatch"), std::string::npos) << up.status().message();
  EXPECT_EQ(up.status().message().find(bad.secret_access_key), std::string::npos);
}

TEST_F(S3StoreTest, MissingObjectIsNotFound) {
  S3ObjectStore store(config_);
  auto down = store.Download({"kiln-test", "missing.knnvec"}, (dir_ / "m.out").string(), nullptr);
  EXPECT_EQ(down.status().code(), StatusCode::kNotFound) << down.status().message();
  EXPECT_EQ(down.status().message(),
            "S3 GET s3://kiln-test/missing.knnvec: HTTP 404 NoSuchKey: The specified key does not exist.");
  EXPECT_FALSE(fs::exists(dir_ / "m.out"));
}

TEST_F(S3StoreTest, ServerDownIsUnavailableAfterRetries) {
  S3Config down_config = config_;
  down_config.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  down_config.max_attempts = 3;
  S3ObjectStore store(down_config);
  auto size = store.Size({"kiln-test", "x"});
  EXPECT_EQ(size.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(size.status().message().find("gave up after 3 attempts"), std::string::npos) << size.status().message();
}

}  // namespace
}  // namespace kiln::storage
