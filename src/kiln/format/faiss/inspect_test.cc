#include "kiln/format/faiss/inspect.h"

#include <gtest/gtest.h>

#include "kiln/format/faiss/format_test_support.h"

namespace kiln::format {
namespace {

using testing::BuildIndex;
using testing::Bytes;
using testing::Serialize;

TEST(InspectTest, DescribesFlatExactly) {
  const std::string bytes = Serialize(*BuildIndex("Flat", 10, 3, Metric::kInnerProduct));
  auto text = DescribeFaissFile(Bytes(bytes), bytes.size(), "f.index");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "f.index: 165 bytes\n"
            "IxFI IndexFlatIP at offset 0, 165 bytes\n"
            "  d 3, ntotal 10, metric INNER_PRODUCT (0), is_trained 1\n");
}

TEST(InspectTest, DescribesIdMapIvf) {
  const std::string bytes = Serialize(*BuildIndex("IDMap,IVF4,Flat", 100, 4, Metric::kL2));
  auto text = DescribeFaissFile(Bytes(bytes), bytes.size(), "m.index");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  for (const char* expected : {
           "IxMp IndexIDMap at offset 0, ",
           "\n  d 4, ntotal 100, metric L2 (1), is_trained 1\n  inner:\n",
           "\n    IwFl IndexIVFFlat at offset 37, ",
           "\n      nlist 4, nprobe 1, direct map NoMap (0 entries)\n      quantizer:\n",
           "\n        IxF2 IndexFlatL2 at offset 90, 109 bytes\n",
           "\n          d 4, ntotal 4, metric L2 (1), is_trained 1\n",
           "\n      inverted lists ilar at offset 208: code_size 16, layout full\n",
           ", mean 25.0, empty 0 of 4\n",
           "\n        first list sizes: ",
           "  id_map at offset ",
           ": 100 ids, sorted yes, range [1000, 1693]\n",
       }) {
    EXPECT_NE(text->find(expected), std::string::npos) << expected << "\nin:\n" << *text;
  }
}

TEST(InspectTest, ReportsTrailingBytes) {
  std::string bytes = Serialize(*BuildIndex("Flat", 1, 2, Metric::kL2));
  bytes += "xyz";
  auto text = DescribeFaissFile(Bytes(bytes), bytes.size(), "t.index");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("warning: 3 trailing bytes after the index at offset 53\n"),
            std::string::npos)
      << *text;
}

}  // namespace
}  // namespace kiln::format
