#include <hdf5.h>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "kiln/dataset/dataset_test_util.h"
#include "kiln/dataset/vector_reader.h"

namespace kiln {
namespace {

using testing::TempDir;

// Writes a dataset of the given shape and HDF5 memory type (stored as the
// same type) into `file`.
void WriteDataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims, const void* data) {
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  ASSERT_GE(space, 0);
  hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(ds, 0);
  ASSERT_GE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
  H5Dclose(ds);
  H5Sclose(space);
}

class Hdf5ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("ann.hdf5");
    hid_t file = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    std::vector<float> train = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // 4 x 3
    WriteDataset(file, "train", H5T_NATIVE_FLOAT, {4, 3}, train.data());
    std::vector<double> test = {0.5, -1.5, 2.25, std::nan(""), 1, 2};  // 2 x 3
    WriteDataset(file, "test", H5T_NATIVE_DOUBLE, {2, 3}, test.data());
    std::vector<int32_t> neighbors = {3, 1, 0, 2};  // 2 x 2
    WriteDataset(file, "neighbors", H5T_NATIVE_INT32, {2, 2}, neighbors.data());
    std::vector<float> distances = {0.1f, 0.2f};
    WriteDataset(file, "distances", H5T_NATIVE_FLOAT, {1, 2}, distances.data());
    std::vector<uint8_t> labels = {1, 2, 3};
    WriteDataset(file, "labels", H5T_NATIVE_UINT8, {3}, labels.data());
    hid_t group = H5Gcreate2(file, "meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(group);
    H5Fclose(file);
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(Hdf5ReaderTest, DefaultDatasetIsTrain) {
  auto ds = ReadVectors(path_);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->n(), 4u);
  ASSERT_EQ(ds->d(), 3u);
  EXPECT_EQ(ds->row(3)[2], 11.0f);
  ReadOptions options;
  options.limit = 2;
  ds = ReadVectors(path_ + ":train", options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->n(), 2u);
  EXPECT_EQ(ds->row(1)[0], 3.0f);
}

TEST_F(Hdf5ReaderTest, Float64WithNaN) {
  KILN_EXPECT_ERROR(ReadVectors(path_ + ":test"), StatusCode::kDataLoss,
                    path_ + ":test: row 1, column 0 is NaN (non-finite values are rejected; pass "
                            "--non-finite=skip|zero to change)");
  ReadOptions options;
  options.non_finite = NonFinitePolicy::kSkipRow;
  auto ds = ReadVectors(path_ + ":test", options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->n(), 1u);
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 3), (std::vector<float>{0.5f, -1.5f, 2.25f}));
  options.non_finite = NonFinitePolicy::kZero;
  options.limit = 2;
  ds = ReadVectors(path_ + ":test", options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->row(1)[0], 0.0f);
  EXPECT_EQ(ds->row(1)[2], 2.0f);
}

TEST_F(Hdf5ReaderTest, IntegerDatasetsAsVectorsAndNeighbors) {
  auto ds = ReadVectors(path_ + ":neighbors");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(std::vector<float>(ds->data(), ds->data() + 4), (std::vector<float>{3, 1, 0, 2}));
  for (std::string spec : {path_, path_ + ":neighbors"}) {
    auto m = ReadNeighbors(spec);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->n, 2u);
    EXPECT_EQ(m->d, 2u);
    EXPECT_EQ(m->values, (std::vector<int64_t>{3, 1, 0, 2}));
  }
  KILN_EXPECT_ERROR(ReadNeighbors(path_ + ":distances"), StatusCode::kInvalidArgument,
                    path_ + ":distances: neighbour ids have element class float (4 bytes); expected integer");
}

TEST_F(Hdf5ReaderTest, MissingDatasetListsAvailable) {
  KILN_EXPECT_ERROR(ReadVectors(path_ + ":base"), StatusCode::kNotFound,
                    path_ + ": no dataset 'base'; available: distances, labels, neighbors, test, train");
  KILN_EXPECT_ERROR(ReadVectors(path_ + ":meta"), StatusCode::kInvalidArgument,
                    path_ + ": 'meta' is not a dataset; available: distances, labels, neighbors, test, train");
  KILN_EXPECT_ERROR(ReadVectors(path_ + ":"), StatusCode::kInvalidArgument,
                    path_ + ":: empty HDF5 dataset name after ':' (e.g. " + path_ + ":train)");
}

TEST_F(Hdf5ReaderTest, RankAndFileErrors) {
  KILN_EXPECT_ERROR(ReadVectors(path_ + ":labels"), StatusCode::kInvalidArgument,
                    path_ + ":labels: dataset has rank 1 (shape (3)); expected a 2-D dataset (n, d)");
  std::string fake = dir_.File("fake.h5");
  testing::WriteBytes(fake, "not hdf5 at all");
  KILN_EXPECT_ERROR(ReadVectors(fake), StatusCode::kDataLoss,
                    fake + ": not an HDF5 file (no HDF5 signature found in its 15 bytes)");
}

TEST_F(Hdf5ReaderTest, EmptyDataset) {
  std::string path = dir_.File("empty.h5");
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  WriteDataset(file, "train", H5T_NATIVE_FLOAT, {0, 8}, nullptr);
  WriteDataset(file, "flat", H5T_NATIVE_FLOAT, {3, 0}, nullptr);
  H5Fclose(file);
  KILN_EXPECT_ERROR(ReadVectors(path), StatusCode::kInvalidArgument, path + ":train: contains no vectors");
  KILN_EXPECT_ERROR(ReadVectors(path + ":flat"), StatusCode::kInvalidArgument,
                    path + ":flat: vectors have dimension 0 (3 rows)");
}

}  // namespace
}  // namespace kiln
