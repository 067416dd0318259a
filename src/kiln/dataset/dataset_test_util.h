// Helpers for the dataset layer's tests: a self-cleaning temp directory and
// byte builders for hand-made fixture files.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "kiln/base/status.h"

namespace kiln::testing {

// A unique directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("kiln_dataset_test_{}_{}_{}", ::getpid(), counter.fetch_add(1),
                        reinterpret_cast<uintptr_t>(this));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Appends `value` in little-endian byte order (the host order).
template <typename T>
void AppendLe(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

// Appends `value` in big-endian byte order (IDX headers and payloads).
template <typename T>
void AppendBe(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(bytes[sizeof(T) - 1 - i]);
}

// An .npy v1.0 preamble with the given dict text, padded to 64 bytes
// (format_version 2 writes a 4-byte header length).
inline std::string NpyPreamble(const std::string& dict, int version = 1) {
  const size_t preamble = version == 1 ? 10 : 12;
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  if (version == 1) {
    AppendLe<uint16_t>(&out, static_cast<uint16_t>(header.size()));
  } else {
    AppendLe<uint32_t>(&out, static_cast<uint32_t>(header.size()));
  }
  return out + header;
}

inline std::string NpyDict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return fmt::format("{{'descr': '{}', 'fortran_order': {}, 'shape': {}, }}", descr, fortran ? "True" : "False",
                     shape);
}

}  // namespace kiln::testing

// Asserts a StatusOr/Status has `code` and exactly `message`.
#define KILN_EXPECT_ERROR(expr, code_value, message_value)      \
  do {                                                          \
    ::kiln::Status kiln_s_ = ::kiln::testing::ToStatus(expr);   \
    EXPECT_EQ(kiln_s_.code(), (code_value)) << kiln_s_.ToString(); \
    EXPECT_EQ(kiln_s_.message(), (message_value));              \
  } while (0)

namespace kiln::testing {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const StatusOr<T>& s) {
  return s.status();
}
}  // namespace kiln::testing
