#include "kiln/index/factory.h"

#include <gtest/gtest.h>

#include <random>

#include "kiln/index/ivf_flat_index.h"

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
       R"(factory string "": empty, expected Flat, IVF<nlist>, HNSW[<M>], PQ<M>, SQ<type> or IDMap)"},
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
       R"(factory string "IVF16": expected a code (Flat, PQ<M>[x<nbits>][np] or SQ4|SQ6|SQ8|SQfp16|SQ8_direct|SQbf16) after "IVF16" at offset 5)"},
      {"IVF16,Foo", StatusCode::kInvalidArgument,
       R"(factory string "IVF16,Foo": component 2 "Foo" at offset 6: expected a code after IVF<nlist>: Flat, PQ<M>[x<nbits>][np] or SQ4|SQ6|SQ8|SQfp16|SQ8_direct|SQbf16)"},
      {"Foo", StatusCode::kInvalidArgument,
       R"(factory string "Foo": component 1 "Foo" at offset 0: expected Flat, IVF<nlist>, HNSW[<M>], PQ<M>, SQ<type> or IDMap)"},
      {"flat", StatusCode::kInvalidArgument,
       R"(factory string "flat": component 1 "flat" at offset 0: expected Flat, IVF<nlist>, HNSW[<M>], PQ<M>, SQ<type> or IDMap)"},
      {" Flat", StatusCode::kInvalidArgument,
       R"(factory string " Flat": component 1 " Flat" at offset 0: spaces are not allowed in factory strings)"},
      {"IDMap", StatusCode::kInvalidArgument,
       R"(factory string "IDMap": expected an index after IDMap)"},
      {"IDMap,IDMap", StatusCode::kInvalidArgument,
       R"(factory string "IDMap,IDMap": component 2 "IDMap" at offset 6: IDMap given twice)"},
      {"Flat,IDMap,Flat", StatusCode::kInvalidArgument,
       R"(factory string "Flat,IDMap,Flat": component 2 "IDMap" at offset 5: IDMap must be the first or the last component)"},
      {"OPQ16_64,IVF256,PQ16", StatusCode::kUnimplemented,
       R"(factory string "OPQ16_64,IVF256,PQ16": component 1 "OPQ16_64" at offset 0: OPQ rotation "OPQ16_64" is not supported yet (kiln reads Flat, IVF, HNSW, PQ, SQ and IDMap))"},
      {"OPQ16_,IVF256,PQ16", StatusCode::kInvalidArgument,
       R"(factory string "OPQ16_,IVF256,PQ16": component 1 "OPQ16_" at offset 0: expected OPQ<M>[_<dout>] with M and dout positive integers)"},
      {"OPQ0,PQ16", StatusCode::kInvalidArgument,
       R"(factory string "OPQ0,PQ16": component 1 "OPQ0" at offset 0: expected OPQ<M>[_<dout>] with M and dout positive integers)"},
      {"IVF64,Flat,RFlat", StatusCode::kUnimplemented,
       R"(factory string "IVF64,Flat,RFlat": component 3 "RFlat" at offset 11: Faiss component "RFlat" is not supported yet (kiln reads Flat, IVF, HNSW, PQ, SQ and IDMap))"},
      {"IDMap2,Flat", StatusCode::kUnimplemented,
       R"(factory string "IDMap2,Flat": component 1 "IDMap2" at offset 0: Faiss component "IDMap2" is not supported yet (kiln reads Flat, IVF, HNSW, PQ, SQ and IDMap))"},
      {"PCA64,Flat", StatusCode::kUnimplemented,
       R"(factory string "PCA64,Flat": component 1 "PCA64" at offset 0: Faiss component "PCA64" is not supported yet (kiln reads Flat, IVF, HNSW, PQ, SQ and IDMap))"},
      {"IVF4096_NSG32,Flat", StatusCode::kUnimplemented,
       R"(factory string "IVF4096_NSG32,Flat": component 1 "IVF4096_NSG32" at offset 0: IVF coarse quantizer "IVF4096_NSG32" is not supported yet (kiln reads Flat, IVF, HNSW, PQ, SQ and IDMap))"},
      {"IVF4096_HNSW1,Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF4096_HNSW1,Flat": component 1 "IVF4096_HNSW1" at offset 0: expected IVF<nlist>_HNSW[<M>] with M in 2..1024)"},
      {"IVF100,PQ8x", StatusCode::kInvalidArgument,
       R"(factory string "IVF100,PQ8x": component 2 "PQ8x" at offset 7: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"IVF100,PQ8x13", StatusCode::kInvalidArgument,
       R"(factory string "IVF100,PQ8x13": component 2 "PQ8x13" at offset 7: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"IVF100,PQ8x0", StatusCode::kInvalidArgument,
       R"(factory string "IVF100,PQ8x0": component 2 "PQ8x0" at offset 7: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"PQ8nP", StatusCode::kInvalidArgument,
       R"(factory string "PQ8nP": component 1 "PQ8nP" at offset 0: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"PQ0", StatusCode::kInvalidArgument,
       R"(factory string "PQ0": component 1 "PQ0" at offset 0: PQ M = 0 is outside [1, 1048576])"},
      {"PQ99999999999999999999999", StatusCode::kInvalidArgument,
       R"(factory string "PQ99999999999999999999999": component 1 "PQ99999999999999999999999" at offset 0: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"HNSW32,PQ", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32,PQ": component 2 "PQ" at offset 7: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"HNSW32_PQ", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32_PQ": component 1 "PQ" at offset 7: expected PQ<M>[x<nbits>][np] with nbits in 1..12)"},
      {"HNSW32,SQ7", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32,SQ7": component 2 "SQ7" at offset 7: expected SQ4, SQ6, SQ8, SQfp16, SQ8_direct, SQbf16, SQ8_uniform or SQ4_uniform)"},
      {"HNSW32,IVF8", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32,IVF8": component 2 "IVF8" at offset 7: expected an HNSW code: Flat, PQ<M>[x<nbits>][np] or SQ4|SQ6|SQ8|SQfp16|SQ8_direct|SQbf16)"},
      {"HNSW1", StatusCode::kInvalidArgument,
       R"(factory string "HNSW1": component 1 "HNSW1" at offset 0: expected HNSW[<M>][_<code>] with M in 2..1024)"},
      {"HNSW32x", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32x": component 1 "HNSW32x" at offset 0: expected HNSW[<M>][_<code>] with M in 2..1024)"},
      {"HNSW32_", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32_": component 1 "HNSW32_" at offset 0: expected a code after "_")"},
      {"HNSW32,Flat,SQ8", StatusCode::kInvalidArgument,
       R"(factory string "HNSW32,Flat,SQ8": component 3 "SQ8" at offset 12: unexpected component after "HNSW32,Flat")"},
      {"SQ8,Flat", StatusCode::kInvalidArgument,
       R"(factory string "SQ8,Flat": component 2 "Flat" at offset 4: unexpected component after "SQ8")"},
      {"IVF8, Flat", StatusCode::kInvalidArgument,
       R"(factory string "IVF8, Flat": component 2 " Flat" at offset 5: spaces are not allowed in factory strings)"},
      {"IVF8,Flat ", StatusCode::kInvalidArgument,
       R"(factory string "IVF8,Flat ": component 2 "Flat " at offset 5: spaces are not allowed in factory strings)"},
      {"IVF8,Flatjunk", StatusCode::kInvalidArgument,
       R"(factory string "IVF8,Flatjunk": component 2 "Flatjunk" at offset 5: expected a code after IVF<nlist>: Flat, PQ<M>[x<nbits>][np] or SQ4|SQ6|SQ8|SQfp16|SQ8_direct|SQbf16)"},
  };
  for (const auto& c : cases) {
    auto spec = ParseFactoryString(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.status().code(), c.code) << c.text;
    EXPECT_EQ(spec.status().message(), c.message);
  }
}

TEST(FactoryTest, RandomStringsNeverCrash) {
  const std::string alphabet = "IVFlatDMpHNSWQOP0123456789,_kxn ()";
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
  EXPECT_EQ(bad.status().message(), R"(index "IVF8,Flat": dimension d = 0 is outside [1, 1048576])");
  IndexSpec spec;
  spec.family = IndexFamily::kIvf;
  spec.nlist = 0;
  EXPECT_EQ(CreateIndex(spec, 4, Metric::kL2).status().code(), StatusCode::kInvalidArgument);
}

TEST(FactoryTest, ParsesQuantizerAndGraphForms) {
  const struct {
    const char* text;
    const char* canonical;
    size_t warnings;
  } cases[] = {
      {"IVF100,PQ8", "IVF100,PQ8", 1},
      {"IVF100,PQ8np", "IVF100,PQ8np", 0},
      {"IVF100,PQ8x4np", "IVF100,PQ8x4np", 0},
      {"IVF100,PQ8x12", "IVF100,PQ8x12", 1},
      {"IVF100,PQ8x8np", "IVF100,PQ8np", 0},
      {"PQ16x6np", "PQ16x6np", 0},
      {"IVF64,SQ8", "IVF64,SQ8", 0},
      {"IVF64,SQbf16", "IVF64,SQbf16", 1},
      {"SQ4", "SQ4", 0},
      {"SQ6,IDMap", "IDMap,SQ6", 0},
      {"SQfp16", "SQfp16", 0},
      {"SQ8_direct", "SQ8_direct", 0},
      {"HNSW", "HNSW32,Flat", 0},
      {"HNSW16", "HNSW16,Flat", 0},
      {"HNSW16,Flat", "HNSW16,Flat", 0},
      {"HNSW16_Flat", "HNSW16,Flat", 0},
      {"HNSW,SQ8", "HNSW32,SQ8", 0},
      {"HNSW24_SQ4", "HNSW24,SQ4", 0},
      {"HNSW32,PQ16np", "HNSW32,PQ16np", 0},
      {"IDMap,HNSW32_PQ16x4np", "IDMap,HNSW32,PQ16x4np", 0},
      {"IVF4096_HNSW32,Flat", "IVF4096_HNSW32,Flat", 0},
      {"IVF4096_HNSW,SQ8", "IVF4096_HNSW32,SQ8", 0},
  };
  for (const auto& c : cases) {
    auto spec = ParseFactoryString(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.status().ToString();
    EXPECT_EQ(spec->ToFactoryString(), c.canonical) << c.text;
    EXPECT_EQ(spec->warnings.size(), c.warnings) << c.text;
    auto again = ParseFactoryString(spec->ToFactoryString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *spec) << c.text;
  }
  const IndexSpec pq = ParseFactoryString("IVF100,PQ8x4").value();
  EXPECT_EQ(pq.family, IndexFamily::kIvf);
  EXPECT_EQ(pq.nlist, 100u);
  EXPECT_EQ(pq.codec.kind, CodecKind::kPq);
  EXPECT_EQ(pq.codec.pq_m, 8u);
  EXPECT_EQ(pq.codec.pq_nbits, 4);
  EXPECT_TRUE(pq.codec.polysemous);
  ASSERT_EQ(pq.warnings.size(), 1u);
  EXPECT_EQ(pq.warnings[0],
            R"("PQ8x4": Faiss would also train polysemous codes (no "np" suffix); kiln does not and builds it as "PQ8x4np")");
  EXPECT_FALSE(ParseFactoryString("PQ8np").value().codec.polysemous);
  const IndexSpec sq = ParseFactoryString("HNSW,SQ6").value();
  EXPECT_EQ(sq.family, IndexFamily::kHnsw);
  EXPECT_EQ(sq.hnsw_m, kDefaultHnswM);
  EXPECT_EQ(sq.codec.sq_type, quant::SqType::k6bit);
  EXPECT_EQ(ParseFactoryString("IVF8_HNSW16,Flat").value().coarse_hnsw_m, 16u);
}

TEST(FactoryTest, ValidateSpecNeedsD) {
  const struct {
    const char* text;
    size_t d;
    const char* message;  // nullptr: valid
  } cases[] = {
      {"IVF16,PQ8np", 128, nullptr},
      {"IVF16,PQ7np", 128,
       R"(index "IVF16,PQ7np": d = 128 is not a multiple of the PQ sub-quantizer count M = 7 (Faiss requires d % M == 0))"},
      {"PQ3np", 8,
       R"(index "PQ3np": d = 8 is not a multiple of the PQ sub-quantizer count M = 3 (Faiss requires d % M == 0))"},
      {"HNSW32,PQ16np", 16, nullptr},
      {"Flat", 0, R"(index "Flat": dimension d = 0 is outside [1, 1048576])"},
      {"SQ8", 2000000, R"(index "SQ8": dimension d = 2000000 is outside [1, 1048576])"},
  };
  for (const auto& c : cases) {
    const Status status = ValidateSpec(ParseFactoryString(c.text).value(), c.d);
    if (c.message == nullptr) {
      EXPECT_TRUE(status.ok()) << c.text << ": " << status.ToString();
    } else {
      EXPECT_EQ(status.message(), c.message);
    }
  }
  IndexSpec opq = ParseFactoryString("IVF16,PQ8np").value();
  opq.opq_m = 8;
  opq.opq_dout = 60;
  EXPECT_EQ(ValidateSpec(opq, 128).message(),
            R"(index "OPQ8_60,IVF16,PQ8np": OPQ output dimension 60 is not a multiple of its M = 8)");
  opq.opq_dout = 64;
  EXPECT_TRUE(ValidateSpec(opq, 128).ok());
  opq.codec.pq_m = 6;
  EXPECT_EQ(ValidateSpec(opq, 128).message(),
            R"(index "OPQ8_64,IVF16,PQ6np": d = 64 is not a multiple of the PQ sub-quantizer count M = 6 (Faiss requires d % M == 0))");
  IndexSpec ivf = ParseFactoryString("IVF16,Flat").value();
  ivf.nlist = 0;
  EXPECT_EQ(ValidateSpec(ivf, 8).message(), R"(index "IVF0,Flat": nlist = 0 is outside [1, 16777216])");
  ivf.nlist = 16;
  ivf.nprobe = 17;
  EXPECT_EQ(ValidateSpec(ivf, 8).message(), R"(index "IVF16,Flat": nprobe = 17 is outside [1, nlist = 16])");
}

TEST(FactoryTest, UnimplementedFamiliesParseButDoNotBuild) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"HNSW32,PQ8np",
       R"(index "HNSW32,PQ8np": HNSW indexes with PQ storage (HNSW<M>,PQ<m>) are not supported yet by kiln build)"},
      {"IVF256_HNSW32,Flat",
       R"(index "IVF256_HNSW32,Flat": HNSW coarse quantizers (IVF<n>_HNSW<M>) are not supported yet by kiln build)"},
  };
  for (const auto& c : cases) {
    const IndexSpec spec = ParseFactoryString(c.text).value();
    EXPECT_FALSE(IsImplemented(spec)) << c.text;
    EXPECT_EQ(CheckImplemented(spec).code(), StatusCode::kUnimplemented);
    EXPECT_EQ(CheckImplemented(spec).message(), c.message);
    auto index = CreateIndex(spec, 32, Metric::kL2);
    EXPECT_EQ(index.status().message(), c.message);
  }
  for (const char* text : {"Flat", "IVF8,Flat", "IDMap,IVF8,Flat", "Flat,IDMap", "SQ8", "PQ16np",
                           "IVF256,SQ8", "IVF16,SQfp16,IDMap",
                           "IVF256,PQ16np", "IVF64,PQ8x4,IDMap", "HNSW16", "HNSW32,Flat",
                           "IDMap,HNSW16,SQ8", "HNSW8_SQfp16"})
    EXPECT_TRUE(IsImplemented(ParseFactoryString(text).value())) << text;
  // Search defaults in the spec reach the index (and so its file).
  IndexSpec spec = ParseFactoryString("IVF8,Flat").value();
  spec.nprobe = 4;
  auto index = CreateIndex(spec, 16, Metric::kL2);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(dynamic_cast<IvfFlatIndex&>(**index).nprobe(), 4u);
  // IVF-PQ builds with the spec's nlist, M and nbits.
  auto ivfpq = CreateIndex(ParseFactoryString("IVF256,PQ16x4np").value(), 32, Metric::kL2);
  ASSERT_TRUE(ivfpq.ok()) << ivfpq.status().ToString();
  EXPECT_EQ((*ivfpq)->Describe(), "IVF256,PQ16x4");
}

}  // namespace
}  // namespace kiln::index
