// S3 store against a real moto server in auth mode (SigV4 checked). Run by
// ctest through with_moto.py, which exports the endpoint and credentials and
// creates bucket "kiln-test".
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

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
