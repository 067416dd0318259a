#include "kiln/base/byte_sink.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "kiln/base/mapped_file.h"

namespace kiln {
namespace {
namespace fs = std::filesystem;

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() / fmt::format("kiln_sink_test_{}", ::getpid());
  fs::create_directories(dir);
  return dir;
}

size_t CountEntries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicFileSinkTest, PublishRenamesAndAbandonLeavesNothing) {
  fs::path dir = TempDir();
  std::string path = (dir / "out.bin").string();
  {
    auto sink = AtomicFileSink::Create(path);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_TRUE((*sink)->AppendPod<int32_t>(7).ok());
    EXPECT_FALSE(fs::exists(path));  // not visible before Publish
  }
  EXPECT_EQ(CountEntries(dir), 0u);  // abandoned: temp file removed
  {
    auto sink = AtomicFileSink::Create(path);
    ASSERT_TRUE(sink.ok());
    std::string big(3 << 20, 'x');
    ASSERT_TRUE((*sink)->Append(big.data(), big.size()).ok());
    EXPECT_EQ((*sink)->position(), big.size());
    ASSERT_TRUE((*sink)->Publish().ok());
  }
  auto mapped = MappedFile::Open(path);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ((*mapped)->size(), size_t{3} << 20);
  EXPECT_EQ(CountEntries(dir), 1u);
  fs::remove_all(dir);
}

TEST(AtomicFileSinkTest, UnwritableDirectoryIsAnError) {
  auto sink = AtomicFileSink::Create("/nonexistent-dir-kiln/x.bin");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kNotFound);
  EXPECT_NE(sink.status().message().find("/nonexistent-dir-kiln/x.bin"), std::string::npos);
}

TEST(MappedFileTest, MissingFileNamesThePath) {
  auto f = MappedFile::Open("/no/such/file.npy");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.status().message(), "/no/such/file.npy: no such file");
}

}  // namespace
}  // namespace kiln
