#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"

namespace kiln {
namespace {

using testing::AppendLe;
using testing::NpyDict;
using testing::NpyPreamble;
using testing::TempDir;
using testing::WriteBytes;

class NpyReaderTest : public ::testing::Test {
 protected:
  // Writes `preamble + payload` to name and returns the path.
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_.File(name);
    WriteBytes(path, bytes);
    return path;
  }
  TempDir dir_;
};

TEST_F(NpyReaderTest, Float16) {
  std::string bytes = NpyPreamble(NpyDict("<f2", "(2, 3)"));
  // 1.0, -2.0, 0.5, 65504 (max half), 2^-24 (smallest subnormal), -0.0
  for (uint16_t h : {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000}) AppendLe<uint16_t>(&bytes, h);
  auto ds = ReadVectors(Write("h.npy", bytes));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_FALSE(ds->is_mapped());
  ASSERT_EQ(ds->n(), 2u);
  ASSERT_EQ(ds->d(), 3u);
  EXPECT_EQ(ds->row(0)[0], 1.0f);
  EXPECT_EQ(ds->row(0)[1], -2.0f);
  EXPECT_EQ(ds->row(0)[2], 0.5f);
  EXPECT_EQ(ds->row(1)[0], 65504.0f);
  EXPECT_EQ(ds->row(1)[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(ds->row(1)[2], 0.0f);
  EXPECT_TRUE(std::signbit(ds->row(1)[2]));
}

TEST_F(NpyReaderTest, Float16InfIsRejected) {
  std::string bytes = NpyPreamble(NpyDict("<f2", "(1, 2)"));
  AppendLe<uint16_t>(&bytes, 0x3c00);
  AppendLe<uint16_t>(&bytes, 0xfc00);  // -Inf
  std::string path = Write("h.npy", bytes);
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 0, column 1 is -Inf (non-finite values are rejected; pass "
                           "--non-finite=skip|zero to change)");
}

TEST_F(NpyReaderTest, Int8AndUint8) {
  std::string i8 = NpyPreamble(NpyDict("|i1", "(2, 2)")) + std::string("\x80\xff\x00\x7f", 4);
  auto ds = ReadVectors(Write("i.npy", i8));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 4), (std::vector<float>{-128, -1, 0, 127}));
  std::string u8 = NpyPreamble(NpyDict("|u1", "(1, 4)")) + std::string("\x80\xff\x00\x7f", 4);
  ds = ReadVectors(Write("u.npy", u8));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 4), (std::vector<float>{128, 255, 0, 127}));
}

TEST_F(NpyReaderTest, Float64IsNarrowed) {
  std::string bytes = NpyPreamble(NpyDict("<f8", "(1, 2)"));
  AppendLe<double>(&bytes, 0.25);
  AppendLe<double>(&bytes, 1e300);  // beyond float32: becomes +Inf
  std::string path = Write("d.npy", bytes);
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 0, column 1 is +Inf (non-finite values are rejected; pass "
                           "--non-finite=skip|zero to change)");
}

TEST_F(NpyReaderTest, VersionsTwoAndThreeAndUnalignedPayload) {
  for (int version : {2, 3}) {
    std::string bytes = NpyPreamble(NpyDict("<f4", "(1, 2)"), 2);
    bytes[6] = static_cast<char>(version);
    AppendLe<float>(&bytes, 1.5f);
    AppendLe<float>(&bytes, -2.5f);
    auto ds = ReadVectors(Write("v.npy", bytes));
    ASSERT_TRUE(ds.ok()) << ds.status().ToString();
    EXPECT_TRUE(ds->is_mapped());
    EXPECT_EQ(ds->row(0)[1], -2.5f);
  }
  // A header whose length leaves the payload at an odd offset is copied.
  std::string dict = NpyDict("<f4", "(1L, 2L)");
  while ((10 + dict.size() + 1) % 4 != 2) dict += ' ';
  dict += '\n';
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  AppendLe<uint16_t>(&bytes, static_cast<uint16_t>(dict.size()));
  bytes += dict;
  ASSERT_NE(bytes.size() % 4, 0u);
  AppendLe<float>(&bytes, 3.0f);
  AppendLe<float>(&bytes, 4.0f);
  auto ds = ReadVectors(Write("odd.npy", bytes));
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_FALSE(ds->is_mapped());
  EXPECT_EQ(ds->row(0)[0], 3.0f);
  EXPECT_EQ(ds->row(0)[1], 4.0f);
}

TEST_F(NpyReaderTest, NonFinitePolicies) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {1, 2, 3, 4, nan, 6, 7, 8, 9, -inf, 11, 12};  // 4 x 3
  std::string path = dir_.File("a.npy");
  ASSERT_TRUE(WriteNpy(path, v.data(), 4, 3).ok());
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": row 1, column 1 is NaN (non-finite values are rejected; pass "
                           "--non-finite=skip|zero to change)");
  ReadOptions options;
  options.non_finite = NonFinitePolicy::kSkipRow;
  auto ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->n(), 2u);
  EXPECT_EQ(ds->row(1)[0], 7.0f);
  EXPECT_EQ(ds->source_rows(), (std::vector<size_t>{0, 2}));
  ASSERT_TRUE(ds->SetIdsBySourceRow({100, 101, 102, 103}).ok());
  EXPECT_EQ(ds->ids(), (std::vector<idx_t>{100, 102}));

  options.non_finite = NonFinitePolicy::kZero;
  ds = ReadVectors(path, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_FALSE(ds->is_mapped());
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 12),
            (std::vector<float>{1, 2, 3, 4, 0, 6, 7, 8, 9, 0, 11, 12}));

  std::vector<float> all_bad = {nan, inf};
  ASSERT_TRUE(WriteNpy(path, all_bad.data(), 2, 1).ok());
  options.non_finite = NonFinitePolicy::kSkipRow;
  KILN_EXPECT_ERROR(ReadVectors(path, options), StatusCode::kInvalidArgument,
                    path + ": all 2 rows contain non-finite values; no vectors are left after --non-finite=skip");
}

TEST_F(NpyReaderTest, BadMagicAndVersion) {
  std::string path = Write("m.npy", "PK\x03\x04 this is a zip");
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": not an .npy file: bad magic at byte offset 0 (expected \\x93NUMPY, found "
                           "'\\x50\\x4b\\x03\\x04\\x20\\x74')");
  path = Write("e.npy", "");
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": not an .npy file: bad magic at byte offset 0 (expected \\x93NUMPY, found 'an empty "
                           "file')");
  std::string bytes = NpyPreamble(NpyDict("<f4", "(1, 1)"));
  bytes[6] = 4;
  path = Write("v.npy", bytes + std::string(4, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": unsupported .npy format version 4.0 at byte offset 6 (supported: 1.0, 2.0, 3.0)");
}

TEST_F(NpyReaderTest, HeaderPastEndOfFile) {
  std::string bytes = NpyPreamble(NpyDict("<f4", "(1, 1)"));
  bytes[8] = '\xff';
  bytes[9] = '\x7f';  // 32767-byte header in a 68-byte file
  std::string path = Write("h.npy", bytes + std::string(4, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": .npy header length 32767 (at byte offset 8) runs past the end of the file: header "
                           "would end at byte 32777, file is 132 bytes");
  path = Write("short.npy", bytes.substr(0, 9));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": truncated .npy header: file is 9 bytes, header length needs 10");
}

TEST_F(NpyReaderTest, MalformedHeader) {
  std::string path = Write("h.npy", NpyPreamble("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1, 1), }"));
  auto s = ReadVectors(path).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(s.message().starts_with(
      path + ": malformed .npy header at byte offset 44: expected True or False, found 'M' (header: {'d"))
      << s.message();
  path = Write("k.npy", NpyPreamble("{'descr': '<f4', 'shape': (1, 1), }"));
  EXPECT_TRUE(ReadVectors(path).status().message().starts_with(path + ": .npy header lacks 'fortran_order': {"));
  path = Write("s.npy", NpyPreamble("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": structured dtypes (descr is a list) are not supported; expected a plain dtype such "
                           "as '<f4'");
  path = Write("o.npy", NpyPreamble(NpyDict("<f4", "(99999999999999999999999, 1)")));
  EXPECT_EQ(ReadVectors(path).status().code(), StatusCode::kDataLoss);
  path = Write("p.npy", NpyPreamble(NpyDict("<f4", "(4294967296, 4294967296)")));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": shape (4294967296, 4294967296) is too large (element count overflows 64 bits)");
}

TEST_F(NpyReaderTest, UnsupportedDtype) {
  std::string path = Write("c.npy", NpyPreamble(NpyDict("<c8", "(1, 1)")) + std::string(8, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": unsupported dtype '<c8'; expected one of '<f4' (float32), '<f2' (float16), '<f8' "
                           "(float64), '|i1' (int8), '|u1' (uint8)");
  path = Write("b.npy", NpyPreamble(NpyDict(">f4", "(1, 1)")) + std::string(4, '\0'));
  EXPECT_TRUE(ReadVectors(path).status().message().starts_with(path + ": unsupported dtype '>f4'; expected"));
  KILN_EXPECT_ERROR(ReadNeighbors(path), StatusCode::kInvalidArgument,
                    path + ": unsupported dtype '>f4'; expected one of '<i4' (int32), '<i8' (int64)");
}

TEST_F(NpyReaderTest, PayloadSizeMismatch) {
  std::string path = Write("p.npy", NpyPreamble(NpyDict("<f4", "(3, 4)")) + std::string(44, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": payload at byte offset 128 is 44 bytes, expected 48 (shape (3, 4) x 4-byte '<f4')");
  path = Write("q.npy", NpyPreamble(NpyDict("<f4", "(3, 4)")) + std::string(52, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kDataLoss,
                    path + ": payload at byte offset 128 is 52 bytes, expected 48 (shape (3, 4) x 4-byte '<f4')");
}

TEST_F(NpyReaderTest, ShapeErrors) {
  std::string path = Write("one.npy", NpyPreamble(NpyDict("<f4", "(5,)")) + std::string(20, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": array has shape (5,) (1-D); expected a 2-D array of shape (n, d)");
  path = Write("three.npy", NpyPreamble(NpyDict("<f4", "(1, 1, 1)")) + std::string(4, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": array has shape (1, 1, 1) (3-D); expected a 2-D array of shape (n, d)");
  path = Write("empty.npy", NpyPreamble(NpyDict("<f4", "(0, 8)")));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument, path + ": contains no vectors");
  path = Write("d0.npy", NpyPreamble(NpyDict("<f4", "(3, 0)")));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument, path + ": vectors have dimension 0 (3 rows)");
  path = Write("fortran.npy", NpyPreamble(NpyDict("<f4", "(2, 2)", true)) + std::string(16, '\0'));
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument,
                    path + ": array of shape (2, 2) is in Fortran (column-major) order; only C order is supported "
                           "(save it with numpy.ascontiguousarray)");
}

TEST_F(NpyReaderTest, Int32IdsAndNeighbors) {
  std::string bytes = NpyPreamble(NpyDict("<i4", "(2, 2)"));
  for (int32_t v : {1, -1, 70000, 3}) AppendLe<int32_t>(&bytes, v);
  std::string path = Write("gt.npy", bytes);
  auto m = ReadNeighbors(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->values, (std::vector<int64_t>{1, -1, 70000, 3}));
  bytes = NpyPreamble(NpyDict("<i4", "(3,)"));
  for (int32_t v : {5, 6, 7}) AppendLe<int32_t>(&bytes, v);
  auto ids = ReadIds(Write("ids.npy", bytes));
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<idx_t>{5, 6, 7}));
  path = Write("none.npy", NpyPreamble(NpyDict("<i8", "(0,)")));
  KILN_EXPECT_ERROR(ReadIds(path), StatusCode::kInvalidArgument, path + ": contains no ids");
}

}  // namespace
}  // namespace kiln
