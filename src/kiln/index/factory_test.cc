#include "kiln/index/factory.h"

#include <gtest/gtest.h>

#include <random>

namespace kiln::index {
namespace {

IndexSpec Spec(IndexFamily family, size_t nlist, bool id_map) {
  IndexSpec spec;
  spec.family = family;
  spec.nlist = nlist;
  spec.id_map = id_map;
  return spec;
}

TEST(FactoryTest, ParsesSupportedStrings) {
  const struct {
    const char* text;
    IndexSpec spec;
    const char* canonical;
  } cases[] = {
      {"Flat", Spec(IndexFamily::kFlat, 0, false), "Flat"},
      {"IVF256,Flat", Spec(IndexFamily::kIvf, 256, false), "IVF256,Flat"},
      {"IDMap,Flat", Spec(IndexFamily::kFlat, 0, true), "IDMap,Flat"},
      {"Flat,IDMap", Spec(IndexFamily::kFlat, 0, true), "IDMap,Flat"},
      {"IDMap,IVF16,Flat", Spec(IndexFamily::kIvf, 16, true), "IDMap,IVF16,Flat"},
      {"IVF16,Flat,IDMap", Spec(IndexFamily::kIvf, 16, true), "IDMap,IVF16,Flat"},
      {"IVF016,Flat", Spec(IndexFamily::kIvf, 16, false), "IVF16,Flat"},
      {"IVF16777216,Flat", Spec(IndexFamily::kIvf, 16777216, false), "IVF16777216,Flat"},
  };
  for (const auto& c : cases) {
    auto spec = ParseFactoryString(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.status().ToString();
    EXPECT_EQ(*spec, c.spec) << c.text;
    EXPECT_EQ(spec->ToFactoryString(), c.canonical);
  }
}

TEST(FactoryTest, ExactErrorTexts) {
  const struct {
    const char* text;
    StatusCode code;
    const char* message;
  } cases[] = {
      {"IVF,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF,Flat": component 1 "IVF" at offset 0: expected IVF<nlist> with nlist a positive integer)"},
      {"IVF0,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF0,Flat": component 1 "IVF0" at offset 0: expected IVF<nlist> with nlist a positive integer)"},
      {"IVF1k,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF1k,Flat": component 1 "IVF1k" at offset 0: expected IVF<nlist> with nlist a positive integer)"},
      {"IVF-4,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF-4,Flat": component 1 "IVF-4" at offset 0: expected IVF<nlist> with nlist a positive integer)"},
      {"IVF99999999999999999999999,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF99999999999999999999999,Flat": component 1 "IVF99999999999999999999999" at offset 0: expected IVF<nlist> with nlist a positive integer)"},
      {"IVF16777217,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF16777217,Flat": component 1 "IVF16777217" at offset 0: nlist 16777217 exceeds the maximum 16777216)"},
      {"", StatusCode::kInvalidArgument,
       R"(factory string "": empty, expected an index description (supported: Flat, IVF<n>,Flat))"},
      {"Flat,", StatusCode::kInvalidArgument,
       R"(factory string "Flat,": component 2 "" at offset 5: empty component)"},
      {",Flat", StatusCode::kInvalidArgument,
       R"(factory string ",Flat": component 1 "" at offset 0: empty component)"},
      {"IVF16,,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF16,,Flat": component 2 "" at offset 6: empty component)"},
      {"Flat,Flat", StatusCode::kInvalidArgument,
       R"(factory string "Flat,Flat": component 2 "Flat" at offset 5: unexpected component after "Flat")"},
      {"IVF16,Flat,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF16,Flat,Flat": component 3 "Flat" at offset 11: unexpected component after "IVF16,Flat")"},
      {"IVF16", StatusCode::kInvalidArgument,
       R"(factory string "IVF16": expected a code component (Flat) after "IVF16" at offset 5)"},
      {"IVF16,Foo", StatusCode::kInvalidArgument,
       R"(factory string "IVF16,Foo": component 2 "Foo" at offset 6: expected the code Flat after IVF<nlist>)"},
      {"Foo", StatusCode::kInvalidArgument,
       R"(factory string "Foo": component 1 "Foo" at offset 0: expected Flat, IVF<nlist> or IDMap)"},
      {"flat", StatusCode::kInvalidArgument,
       R"(factory string "flat": component 1 "flat" at offset 0: expected Flat, IVF<nlist> or IDMap)"},
      {" Flat", StatusCode::kInvalidArgument,
       R"(factory string " Flat": component 1 " Flat" at offset 0: expected Flat, IVF<nlist> or IDMap)"},
      {"IDMap", StatusCode::kInvalidArgument,
       R"(factory string "IDMap": expected an index after IDMap (supported: Flat, IVF<n>,Flat))"},
      {"IDMap,IDMap", StatusCode::kInvalidArgument,
       R"(factory string "IDMap,IDMap": component 2 "IDMap" at offset 6: IDMap given twice)"},
      {"Flat,IDMap,Flat", StatusCode::kInvalidArgument,
       R"(factory string "Flat,IDMap,Flat": component 2 "IDMap" at offset 5: IDMap must be the first or the last component)"},
      {"HNSW32", StatusCode::kUnimplemented,
       R"(factory string "HNSW32": component 1 "HNSW32" at offset 0: "HNSW32" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"PQ16", StatusCode::kUnimplemented,
       R"(factory string "PQ16": component 1 "PQ16" at offset 0: "PQ16" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"SQ8", StatusCode::kUnimplemented,
       R"(factory string "SQ8": component 1 "SQ8" at offset 0: "SQ8" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"IVF256,PQ16", StatusCode::kUnimplemented,
       R"(factory string "IVF256,PQ16": component 2 "PQ16" at offset 7: "PQ16" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"OPQ16_64,IVF256,PQ16", StatusCode::kUnimplemented,
       R"(factory string "OPQ16_64,IVF256,PQ16": component 1 "OPQ16_64" at offset 0: "OPQ16_64" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"IVF4096_HNSW32,Flat", StatusCode::kUnimplemented,
       R"(factory string "IVF4096_HNSW32,Flat": component 1 "IVF4096_HNSW32" at offset 0: "IVF4096_HNSW32" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"IVF64,Flat,RFlat", StatusCode::kUnimplemented,
       R"(factory string "IVF64,Flat,RFlat": component 3 "RFlat" at offset 11: "RFlat" is not supported yet (supported: Flat, IVF<n>,Flat))"},
      {"IDMap2,Flat", StatusCode::kUnimplemented,
       R"(factory string "IDMap2,Flat": component 1 "IDMap2" at offset 0: "IDMap2" is not supported yet (supported: Flat, IVF<n>,Flat))"},
  };
  for (const auto& c : cases) {
    auto spec = ParseFactoryString(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.status().code(), c.code) << c.text;
    EXPECT_EQ(spec.status().message(), c.message);
  }
}

TEST(FactoryTest, RandomStringsNeverCrash) {
  const std::string alphabet = "IVFlatDMpHNSWQ0123456789,_k ()";
  std::mt19937 rng(5);
  std::uniform_int_distribution<size_t> len(0, 24), pick(0, alphabet.size() - 1);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s(len(rng), ' ');
    for (char& ch : s) ch = alphabet[pick(rng)];
    auto spec = ParseFactoryString(s);
    if (spec.ok()) {
      ++accepted;
      EXPECT_EQ(ParseFactoryString(spec->ToFactoryString()).value(), *spec) << s;
    } else {
      EXPECT_FALSE(spec.status().message().empty());
    }
  }
  EXPECT_LT(accepted, 20000u);
}

TEST(FactoryTest, CreateIndexBuildsTheDescribedIndex) {
  for (const char* text : {"Flat", "IVF32,Flat", "IDMap,Flat", "IDMap,IVF8,Flat"}) {
    auto spec = ParseFactoryString(text);
    ASSERT_TRUE(spec.ok());
    auto index = CreateIndex(*spec, 16, Metric::kCosine);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    EXPECT_EQ((*index)->Describe(), text);
    EXPECT_EQ((*index)->d(), 16u);
    EXPECT_EQ((*index)->metric(), Metric::kCosine);
  }
  auto bad = CreateIndex(ParseFactoryString("IVF8,Flat").value(), 0, Metric::kL2);
  EXPECT_EQ(bad.status().message(),
            R"(create index "IVF8,Flat": dimension d = 0 is outside [1, 1048576])");
  IndexSpec spec;
  spec.family = IndexFamily::kIvf;
  spec.nlist = 0;
  EXPECT_EQ(CreateIndex(spec, 4, Metric::kL2).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln::index
