// Object store unit tests: key validation, URI parsing, the file:// store.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "kiln/storage/object_store/file_object_store.h"
#include "kiln/storage/object_store/object_store.h"
#include "kiln/storage/object_store/s3_http.h"
#include "kiln/storage/object_store/s3_object_store.h"

namespace kiln::storage {
namespace {
namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("kiln-os-{}-{}", name, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ObjectKeyTest, RejectsTraversalAndOddKeys) {
  EXPECT_TRUE(ValidateObjectRef({"bucket", "a/b/c.knnvec"}).ok());
  EXPECT_EQ(ValidateObjectRef({"bucket", "a/../b"}).message(), "object key \"a/../b\" contains a \"..\" segment");
  EXPECT_EQ(ValidateObjectRef({"bucket", ".."}).message(), "object key \"..\" contains a \"..\" segment");
  EXPECT_EQ(ValidateObjectRef({"bucket", "/etc/passwd"}).message(), "object key \"/etc/passwd\" must not start with '/'");
  EXPECT_EQ(ValidateObjectRef({"bucket", ""}).message(), "object key is empty");
  EXPECT_EQ(ValidateObjectRef({"bu/cket", "k"}).message(), "bucket \"bu/cket\": character '/' is not allowed");
  EXPECT_EQ(ValidateObjectRef({"..", "k"}).message(), "bucket \"..\" is not allowed");
  EXPECT_TRUE(ValidateObjectRef({"bucket", "dots.in.name/x..y"}).ok());
}

TEST(ObjectKeyTest, ParsesUris) {
  auto uri = ParseObjectUri("s3://bkt/dir/v.knnvec");
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(uri->scheme, "s3");
  EXPECT_EQ(uri->ref.bucket, "bkt");
  EXPECT_EQ(uri->ref.key, "dir/v.knnvec");
  EXPECT_EQ(ParseObjectUri("gs://b/k").status().message(), "\"gs://b/k\": scheme \"gs\" is not supported (s3, file)");
  EXPECT_EQ(ParseObjectUri("file://b/../x").status().message(),
            "file://b/../x: object key \"../x\" contains a \"..\" segment");
}

TEST(ObjectKeyTest, AwsUriEncoding) {
  EXPECT_EQ(AwsUriEncode("a b/c+d~e", true), "a%20b/c%2Bd~e");
  EXPECT_EQ(AwsUriEncode("a/b=", false), "a%2Fb%3D");
}

TEST(FileObjectStoreTest, RoundTripAndNotFound) {
  const std::string root = TempDir("root");
  const std::string work = TempDir("work");
  FileObjectStore store(root);
  const std::string payload(3 << 20, 'x');
  { std::ofstream(work + "/in.bin", std::ios::binary) << payload; }
  auto up = store.Upload(work + "/in.bin", {"b1", "dir/obj.bin"}, nullptr);
  ASSERT_TRUE(up.ok()) << up.status().message();
  EXPECT_EQ(up->bytes, payload.size());
  EXPECT_EQ(ReadAll(root + "/b1/dir/obj.bin"), payload);
  auto size = store.Size({"b1", "dir/obj.bin"});
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, payload.size());
  auto down = store.Download({"b1", "dir/obj.bin"}, work + "/out.bin", nullptr);
  ASSERT_TRUE(down.ok()) << down.status().message();
  EXPECT_EQ(ReadAll(work + "/out.bin"), payload);
  auto missing = store.Download({"b1", "nope"}, work + "/x", nullptr);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(work + "/x"));
  EXPECT_EQ(store.Upload(work + "/in.bin", {"b1", "../escape"}, nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(FileObjectStoreTest, CancelledUploadPublishesNothing) {
  const std::string root = TempDir("cancel");
  FileObjectStore store(root);
  const std::string src = root + "/src.bin";
  { std::ofstream(src, std::ios::binary) << std::string(20 << 20, 'y'); }
  CancelToken cancel;
  cancel.Cancel();
  auto up = store.Upload(src, {"b", "k.faiss"}, &cancel);
  EXPECT_EQ(up.status().code(), StatusCode::kCancelled);
  EXPECT_FALSE(fs::exists(root + "/b/k.faiss"));
  size_t leftovers = 0;
  for (const auto& e : fs::directory_iterator(root + "/b")) leftovers += e.path().filename() != "" ? 1 : 0;
  EXPECT_EQ(leftovers, 0u);
}

}  // namespace
}  // namespace kiln::storage

namespace kiln::storage {
namespace {

TEST(S3UrlTest, PathAndVirtualHostStyle) {
  S3Config config;
  config.endpoint = "http://127.0.0.1:9000/";
  s3::Request request{"PUT", {"bkt", "dir/a b.faiss"}, "partNumber=2&uploadId=x", {}, nullptr};
  EXPECT_EQ(s3::Url(config, request), "http://127.0.0.1:9000/bkt/dir/a%20b.faiss?partNumber=2&uploadId=x");
  config.path_style = false;
  config.endpoint = "https://s3.eu-west-1.amazonaws.com";
  request.query.clear();
  EXPECT_EQ(s3::Url(config, request), "https://bkt.s3.eu-west-1.amazonaws.com/dir/a%20b.faiss");
  config.endpoint.clear();
  config.region = "ap-south-1";
  EXPECT_EQ(s3::Url(config, request), "https://bkt.s3.ap-south-1.amazonaws.com/dir/a%20b.faiss");
  EXPECT_EQ(config.Describe().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace kiln::storage
