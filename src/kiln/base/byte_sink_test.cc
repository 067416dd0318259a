#include "kiln/base/byte_sink.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

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

// Resident kB of the mapping that starts at `start` (/proc/self/smaps).
size_t MappingRssKb(const void* start) {
  std::ifstream smaps("/proc/self/smaps");
  const std::string prefix = fmt::format("{:x}-", reinterpret_cast<uintptr_t>(start));
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    const size_t dash = line.find('-'), space = line.find(' ');
    if (dash != std::string::npos && dash < space && std::isxdigit(static_cast<unsigned char>(line[0])))
      inside = line.starts_with(prefix);  // a mapping's header line
    else if (inside && line.starts_with("Rss:"))
      return std::stoul(line.substr(4));
  }
  return size_t(-1);
}

TEST(MappedFileTest, ReleasedPagesLeaveTheProcessAndReadBackTheSame) {
  fs::path dir = TempDir();
  const std::string path = (dir / "pages.bin").string();
  std::string bytes((1 << 20) + 123, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto mapped = MappedFile::Open(path);
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  const MappedFile& f = **mapped;
  ASSERT_EQ(std::string(reinterpret_cast<const char*>(f.data()), f.size()), bytes);  // every page read
  EXPECT_GE(MappingRssKb(f.data()), size_t{1024});
  f.Release(0, f.size() / 2);  // the whole pages of the first half
  const size_t half = MappingRssKb(f.data());
  EXPECT_GE(half, size_t{512});  // 1 MiB + 123 bytes: what is left of 1028 kB
  EXPECT_LE(half, size_t{516} + static_cast<size_t>(::sysconf(_SC_PAGESIZE)) / 1024);
  f.Release(f.size() / 2, f.size());  // whole pages only: the one across the middle stays
  EXPECT_EQ(MappingRssKb(f.data()), static_cast<size_t>(::sysconf(_SC_PAGESIZE)) / 1024);
  f.Release(0, f.size());  // up to and including the partial last page
  EXPECT_EQ(MappingRssKb(f.data()), 0u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data()), f.size()), bytes);  // from the file again
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kiln
