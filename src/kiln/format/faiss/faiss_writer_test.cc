#include "kiln/format/faiss/faiss_writer.h"

#include <gtest/gtest.h>

#include "kiln/format/faiss/format_test_support.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::format {
namespace {

using testing::At;
using testing::BuildIndex;
using testing::Serialize;
using testing::TestEnv;

constexpr size_t kHeader = 33;

std::string Tag(const std::string& bytes, size_t offset) { return bytes.substr(offset, 4); }

TEST(FaissWriterTest, FlatL2SizeAndHeaderOffsets) {
  auto idx = BuildIndex("Flat", 2000, 8, Metric::kL2);
  const std::string bytes = Serialize(*idx);
  EXPECT_EQ(bytes.size(), 64045u);  // 4 + 33 + 8 + 2000·8·4 (reference appendix)
  EXPECT_EQ(Tag(bytes, 0), "IxF2");
  EXPECT_EQ(At<int32_t>(bytes, 4), 8);         // d
  EXPECT_EQ(At<int64_t>(bytes, 8), 2000);      // ntotal
  EXPECT_EQ(At<int64_t>(bytes, 16), 1 << 20);  // dummy
  EXPECT_EQ(At<int64_t>(bytes, 24), 1 << 20);  // dummy
  EXPECT_EQ(At<uint8_t>(bytes, 32), 1);        // is_trained
  EXPECT_EQ(At<int32_t>(bytes, 33), 1);        // METRIC_L2, no metric_arg
  EXPECT_EQ(At<uint64_t>(bytes, 37), 16000u);  // nwords = ntotal·d
  auto& flat = dynamic_cast<const index::FlatIndex&>(*idx);
  EXPECT_EQ(std::memcmp(bytes.data() + 45, flat.vectors(), 64000), 0);
}

TEST(FaissWriterTest, InnerProductAndCosineAreIxFI) {
  for (Metric metric : {Metric::kInnerProduct, Metric::kCosine}) {
    const std::string bytes = Serialize(*BuildIndex("Flat", 10, 3, metric));
    EXPECT_EQ(bytes.size(), 4 + kHeader + 8 + 10 * 3 * 4);
    EXPECT_EQ(Tag(bytes, 0), "IxFI");
    EXPECT_EQ(At<int32_t>(bytes, 33), 0);  // METRIC_INNER_PRODUCT
  }
}

TEST(FaissWriterTest, IvfFlatLayout) {
  const size_t n = 3000, d = 8, nlist = 16;
  auto idx = BuildIndex("IVF16,Flat", n, d, Metric::kL2);
  auto& ivf = dynamic_cast<index::IvfFlatIndex&>(*idx);
  ivf.set_nprobe(5);
  const std::string bytes = Serialize(ivf);
  const size_t quantizer = 4 + kHeader + 8 + nlist * d * 4;
  const size_t ilar = 4 + 16 + 4 + 8 + 8 * nlist + n * (4 * d + 8);  // all lists non-empty: full
  EXPECT_EQ(bytes.size(), 4 + kHeader + 16 + quantizer + 9 + ilar);
  EXPECT_EQ(Tag(bytes, 0), "IwFl");
  EXPECT_EQ(At<int64_t>(bytes, 8), int64_t{n});
  EXPECT_EQ(At<uint64_t>(bytes, 37), nlist);
  EXPECT_EQ(At<uint64_t>(bytes, 45), 5u);  // nprobe
  EXPECT_EQ(Tag(bytes, 53), "IxF2");
  EXPECT_EQ(At<int64_t>(bytes, 53 + 8), int64_t{nlist});
  const size_t dm = 53 + quantizer;
  EXPECT_EQ(At<uint8_t>(bytes, dm), 0);  // direct map NoMap
  EXPECT_EQ(At<uint64_t>(bytes, dm + 1), 0u);
  const size_t il = dm + 9;
  EXPECT_EQ(Tag(bytes, il), "ilar");
  EXPECT_EQ(At<uint64_t>(bytes, il + 4), nlist);
  EXPECT_EQ(At<uint64_t>(bytes, il + 12), 4 * d);  // code_size
  EXPECT_EQ(Tag(bytes, il + 20), "full");
  EXPECT_EQ(At<uint64_t>(bytes, il + 24), nlist);
  // First list: its codes are the raw vectors, then its ids.
  const size_t size0 = At<uint64_t>(bytes, il + 32);
  EXPECT_EQ(size0, ivf.lists().list_size(0));
  const size_t data = il + 32 + 8 * nlist;
  EXPECT_EQ(std::memcmp(bytes.data() + data, ivf.lists().codes(0), size0 * 4 * d), 0);
  EXPECT_EQ(At<int64_t>(bytes, data + size0 * 4 * d), ivf.lists().ids(0)[0]);
}

// An IVF over nlist = 8 axis centroids (±10·e_j, d = 4) with vectors in
// exactly `filled` lists.
std::unique_ptr<index::IvfFlatIndex> AxisIvf(size_t filled) {
  const size_t d = 4, nlist = 8;
  std::vector<float> centroids(nlist * d, 0.0f);
  for (size_t j = 0; j < nlist; ++j) centroids[j * d + j % d] = j < d ? 10.0f : -10.0f;
  auto quantizer = index::FlatIndex::FromVectors(d, Metric::kL2, centroids).value();
  auto ivf = index::IvfFlatIndex::FromParts(Metric::kL2, std::move(quantizer),
                                            index::InvertedLists(nlist, 4 * d), 0, 1)
                 .value();
  std::vector<float> x;
  for (size_t j = 0; j < filled; ++j) {
    for (int copy = 0; copy < 2; ++copy) {
      for (size_t t = 0; t < d; ++t) x.push_back(centroids[j * d + t] + 0.1f * float(copy));
    }
  }
  TestEnv env;
  EXPECT_TRUE(ivf->Add(x.data(), x.size() / d, env.ctx).ok());
  return ivf;
}

TEST(FaissWriterTest, FullOrSparseListSizes) {
  const size_t quantizer = 4 + kHeader + 8 + 8 * 4 * 4;
  const size_t il = 4 + kHeader + 16 + quantizer + 9;
  // 4 of 8 lists non-empty: not more than nlist/2, so sparse pairs.
  std::string sparse = Serialize(*AxisIvf(4));
  EXPECT_EQ(Tag(sparse, il + 20), "sprs");
  EXPECT_EQ(At<uint64_t>(sparse, il + 24), 8u);  // 4 (list_no, size) pairs
  EXPECT_EQ(At<uint64_t>(sparse, il + 32), 0u);
  EXPECT_EQ(At<uint64_t>(sparse, il + 40), 2u);
  EXPECT_EQ(At<uint64_t>(sparse, il + 48), 1u);
  EXPECT_EQ(sparse.size(), il + 4 + 16 + 4 + 8 + 8 * 8 + 8 * (16 + 8));
  // 5 of 8: full sizes.
  std::string full = Serialize(*AxisIvf(5));
  EXPECT_EQ(Tag(full, il + 20), "full");
  EXPECT_EQ(At<uint64_t>(full, il + 24), 8u);
  EXPECT_EQ(At<uint64_t>(full, il + 32 + 8 * 5), 0u);  // list 5 empty
  EXPECT_EQ(full.size(), il + 4 + 16 + 4 + 8 + 8 * 8 + 10 * (16 + 8));
}

TEST(FaissWriterTest, IdMapWrapsTheInnerRecord) {
  const size_t n = 50, d = 4;
  auto idx = BuildIndex("IDMap,IVF4,Flat", n, d, Metric::kInnerProduct);
  const std::string bytes = Serialize(*idx);
  const std::string inner = Serialize(dynamic_cast<const index::IdMapIndex&>(*idx).inner());
  EXPECT_EQ(bytes.size(), 4 + kHeader + inner.size() + 8 + 8 * n);
  EXPECT_EQ(Tag(bytes, 0), "IxMp");
  EXPECT_EQ(bytes.substr(4, kHeader),
            inner.substr(4, kHeader));  // header copied from the inner index
  EXPECT_EQ(bytes.substr(37, inner.size()), inner);
  EXPECT_EQ(At<uint64_t>(bytes, 37 + inner.size()), n);
  EXPECT_EQ(At<int64_t>(bytes, 37 + inner.size() + 8), 1000);  // first external id
}

TEST(FaissWriterTest, UntrainedIvfAndDeterminism) {
  index::IvfFlatIndex untrained(4, Metric::kL2, 4);
  StringSink sink;
  EXPECT_EQ(WriteFaissIndex(untrained, sink).code(), StatusCode::kFailedPrecondition);
  auto idx = BuildIndex("IDMap,IVF8,Flat", 200, 6, Metric::kCosine);
  EXPECT_EQ(Serialize(*idx), Serialize(*idx));
}

}  // namespace
}  // namespace kiln::format
