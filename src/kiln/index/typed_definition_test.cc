#include "kiln/index/typed_definition.h"

#include <gtest/gtest.h>

#include "kiln/index/factory.h"

namespace kiln::index {
namespace {

TEST(TypedDefinitionTest, MapsToFaissEquivalents) {
  const struct {
    const char* type;
    TypedParams params;
    const char* factory;
  } cases[] = {
      {"FLAT", {}, "Flat"},
      {"flat", {{"metric_type", "IP"}}, "Flat"},
      {"IVFFLAT", {}, "IVF1024,Flat"},
      {"IvfFlat", {{"ncentroids", "8"}}, "IVF8,Flat"},
      {"IVFPQ", {}, "IVF1024,PQ16np"},
      {"IVFPQ", {{"ncentroids", "256"}, {"M", "32"}, {"bit_size", "4"}}, "IVF256,PQ32x4np"},
      {"IVFPQ", {{"m", "8"}}, "IVF1024,PQ8np"},
      {"IVFSQ", {}, "IVF1024,SQ8"},
      {"IVFSQ", {{"ncentroids", "256"}, {"bit_size", "'4bit'"}}, "IVF256,SQ4"},
      {"IVFSQ", {{"bit_size", "\"QT_FP16\""}}, "IVF1024,SQfp16"},
      {"IVFSQ", {{"bit_size", "8bit_direct"}}, "IVF1024,SQ8_direct"},
      {"IVFSQ", {{"bit_size", "6bit"}}, "IVF1024,SQ6"},
      {"IVFSQ", {{"bit_size", "8bit_uniform"}}, "IVF1024,SQ8_uniform"},
      {"HNSWFLAT", {}, "HNSW16,Flat"},
      {"HNSWFLAT", {{"m", "48"}, {"ef_c", "200"}}, "HNSW48,Flat"},
      {"HNSWSQ", {{"bit_size", "4bit_uniform"}}, "HNSW16,SQ4_uniform"},
  };
  for (const auto& c : cases) {
    auto spec = ParseTypedDefinition(c.type, c.params);
    ASSERT_TRUE(spec.ok()) << c.type << ": " << spec.status().ToString();
    EXPECT_EQ(spec->ToFactoryString(), c.factory) << c.type;
    // The Faiss equivalent parses back to the same structure.
    auto parsed = ParseFactoryString(spec->ToFactoryString());
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->codec, spec->codec);
    EXPECT_TRUE(parsed->warnings.empty());
  }
}

TEST(TypedDefinitionTest, RecordsDefaultsAndMetric) {
  const IndexSpec ivf = ParseTypedDefinition("IVFFLAT", {}).value();
  EXPECT_EQ(ivf.nlist, 1024u);
  EXPECT_EQ(ivf.nprobe, 1u);
  EXPECT_FALSE(ivf.metric.has_value());
  EXPECT_FALSE(ivf.ef_search.has_value());
  const IndexSpec ivf2 =
      ParseTypedDefinition("IVFFLAT", {{"NCENTROIDS", " 64 "}, {"nprobe", "'8'"}, {"Metric_Type", "cosine"}})
          .value();
  EXPECT_EQ(ivf2.nlist, 64u);
  EXPECT_EQ(ivf2.nprobe, 8u);
  EXPECT_EQ(ivf2.metric, Metric::kCosine);
  const IndexSpec hnsw = ParseTypedDefinition("HNSWFLAT", {}).value();
  EXPECT_EQ(hnsw.family, IndexFamily::kHnsw);
  EXPECT_EQ(hnsw.hnsw_m, 16u);
  EXPECT_EQ(hnsw.ef_construction, 100u);
  EXPECT_EQ(hnsw.ef_search, 50u);
  EXPECT_FALSE(hnsw.nprobe.has_value());
  const IndexSpec hnsw_sq =
      ParseTypedDefinition("HNSWSQ", {{"m", "8"}, {"ef_c", "16"}, {"ef_s", "1024"}, {"metric_type", "L2"}})
          .value();
  EXPECT_EQ(hnsw_sq.hnsw_m, 8u);
  EXPECT_EQ(hnsw_sq.ef_construction, 16u);
  EXPECT_EQ(hnsw_sq.ef_search, 1024u);
  EXPECT_EQ(hnsw_sq.codec.sq_type, quant::SqType::k8bit);
  EXPECT_EQ(hnsw_sq.metric, Metric::kL2);
  const IndexSpec pq = ParseTypedDefinition("IVFPQ", {}).value();
  EXPECT_EQ(pq.codec.pq_m, 16u);
  EXPECT_EQ(pq.codec.pq_nbits, 8);
  EXPECT_FALSE(pq.codec.polysemous);
  EXPECT_EQ(ParseTypedDefinition("FLAT", {{"metric_type", "Ip"}}).value().metric, Metric::kInnerProduct);
  // IVFFLAT, HNSWFLAT and HNSWSQ build.
  EXPECT_TRUE(IsImplemented(ivf));
  EXPECT_TRUE(IsImplemented(hnsw));
  EXPECT_TRUE(IsImplemented(hnsw_sq));
}

TEST(TypedDefinitionTest, ExactErrorTexts) {
  const struct {
    const char* type;
    TypedParams params;
    StatusCode code;
    const char* message;
  } cases[] = {
      {"IVFFLATX", {}, StatusCode::kInvalidArgument,
       R"(index type "IVFFLATX": expected one of FLAT, IVFFLAT, IVFPQ, IVFSQ, HNSWFLAT, HNSWSQ or AUTO)"},
      {"MSTG", {}, StatusCode::kUnimplemented,
       R"(index type MSTG: not supported by kiln (MSTG and SCANN are MyScale's own; try AUTO))"},
      {"IVFFLAT", {{"nlist", "8"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: unknown parameter "nlist" (valid: ncentroids, nprobe, metric_type))"},
      {"FLAT", {{"ncentroids", "8"}}, StatusCode::kInvalidArgument,
       R"(index type FLAT: unknown parameter "ncentroids" (valid: metric_type))"},
      {"IVFFLAT", {{"ncentroids", "8"}, {"NCentroids", "9"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: parameter ncentroids given twice)"},
      {"IVFFLAT", {{"ncentroids", "abc"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: ncentroids = "abc": expected an integer in 1..1048576)"},
      {"IVFFLAT", {{"ncentroids", "0"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: ncentroids = "0": expected an integer in 1..1048576)"},
      {"IVFFLAT", {{"ncentroids", "-5"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: ncentroids = "-5": expected an integer in 1..1048576)"},
      {"IVFFLAT", {{"ncentroids", "99999999999999999999999"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: ncentroids = "99999999999999999999999": expected an integer in 1..1048576)"},
      {"IVFFLAT", {{"ncentroids", "8"}, {"nprobe", "9"}}, StatusCode::kInvalidArgument,
       R"(index type IVFFLAT: nprobe = 9 exceeds ncentroids = 8)"},
      {"IVFPQ", {{"bit_size", "13"}}, StatusCode::kInvalidArgument,
       R"(index type IVFPQ: bit_size = "13": expected an integer in 2..12)"},
      {"IVFSQ", {{"bit_size", "3bit"}}, StatusCode::kInvalidArgument,
       R"(index type IVFSQ: bit_size = "3bit": expected one of 8bit, 6bit, 4bit, 8bit_uniform, 8bit_direct, 4bit_uniform, QT_fp16)"},
      {"HNSWFLAT", {{"m", "4"}}, StatusCode::kInvalidArgument,
       R"(index type HNSWFLAT: m = "4": expected an integer in 8..128)"},
      {"HNSWFLAT", {{"ef_s", "2000"}}, StatusCode::kInvalidArgument,
       R"(index type HNSWFLAT: ef_s = "2000": expected an integer in 16..1024)"},
      {"HNSWSQ", {{"metric_type", "hamming"}}, StatusCode::kInvalidArgument,
       R"(index type HNSWSQ: metric_type = "hamming": expected L2, Cosine or IP)"},
  };
  for (const auto& c : cases) {
    auto spec = ParseTypedDefinition(c.type, c.params);
    ASSERT_FALSE(spec.ok()) << c.type;
    EXPECT_EQ(spec.status().code(), c.code) << c.type;
    EXPECT_EQ(spec.status().message(), c.message);
  }
  // d % M is checked with the data's dimension.
  const IndexSpec pq = ParseTypedDefinition("IVFPQ", {{"M", "12"}}).value();
  EXPECT_EQ(ValidateSpec(pq, 128).message(),
            R"(index "IVF1024,PQ12np": d = 128 is not a multiple of the PQ sub-quantizer count M = 12 (Faiss requires d % M == 0))");
}

TEST(TypedDefinitionTest, ParamAssignment) {
  EXPECT_EQ(ParseParamAssignment("ncentroids=8").value(), std::make_pair(std::string("ncentroids"), std::string("8")));
  EXPECT_EQ(ParseParamAssignment(" bit_size = '4bit' ").value(),
            std::make_pair(std::string("bit_size"), std::string("'4bit'")));
  EXPECT_EQ(ParseParamAssignment("x=").value().second, "");
  EXPECT_EQ(ParseParamAssignment("ncentroids").status().message(),
            R"(parameter "ncentroids": expected key=value)");
  EXPECT_EQ(ParseParamAssignment("=8").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln::index
