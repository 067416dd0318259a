// POST /_build validation as the reference service does it, and the job id.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kiln/service/opensearch_request.h"

namespace kiln::service {
namespace {

nlohmann::json ValidRequest() {
  return nlohmann::json::parse(R"({"repository_type":"s3","container_name":"test-bucket",
    "vector_path":"vectors/1_1_25/SIRK_vectors/SIRK_target.field__3l.knnvec",
    "doc_id_path":"vectors/1_1_25/SIRK_vectors/SIRK_target.field__3l.knndid","tenant_id":"test-cluster",
    "dimension":2,"doc_count":5,"data_type":"float","engine":"faiss",
    "index_parameters":{"space_type":"l2","algorithm":"hnsw",
      "algorithm_parameters":{"m":14,"ef_construction":94,"ef_search":89}},"skip_stored_vectors":false})");
}

std::vector<ValidationError> Errors(const nlohmann::json& body) {
  std::vector<ValidationError> errors;
  ParseOpenSearchBuild(body.dump(), errors);
  return errors;
}

TEST(OpenSearchRequestTest, AcceptsTheKnnClientRequest) {
  std::vector<ValidationError> errors;
  OpenSearchBuild r = ParseOpenSearchBuild(ValidRequest().dump(), errors);
  ASSERT_TRUE(errors.empty()) << ValidationErrorBody(errors);
  EXPECT_EQ(r.container_name, "test-bucket");
  EXPECT_EQ(r.m, 14);
  EXPECT_EQ(r.ef_construction, 94);
  EXPECT_EQ(r.ef_search, 89);
  EXPECT_EQ(OpenSearchIndexKey(r.vector_path), "vectors/1_1_25/SIRK_vectors/SIRK_target.field__3l.faiss");
}

TEST(OpenSearchRequestTest, DefaultsAndLaxIntegers) {
  nlohmann::json body = {{"container_name", "b"}, {"vector_path", "a.knnvec"}, {"doc_id_path", "a.knndid"},
                         {"dimension", "128"}, {"doc_count", 10}};
  std::vector<ValidationError> errors;
  OpenSearchBuild r = ParseOpenSearchBuild(body.dump(), errors);
  ASSERT_TRUE(errors.empty()) << ValidationErrorBody(errors);
  EXPECT_EQ(r.dimension, 128);
  EXPECT_EQ(r.space_type, "l2");
  EXPECT_EQ(r.data_type, "float");
  EXPECT_EQ(r.m, 16);
  EXPECT_EQ(r.ef_construction, 100);
  EXPECT_EQ(r.tenant_id, "");
}

TEST(OpenSearchRequestTest, RejectsWhatTheReferenceRejects) {
  nlohmann::json body = ValidRequest();
  body["unknown_field"] = 1;
  auto errors = Errors(body);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "unknown_field");
  EXPECT_EQ(errors[0].type, "extra_forbidden");

  body = ValidRequest();
  body["vector_path"] = "vectors/x.bin";
  errors = Errors(body);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a path ending in .knnvec, found \"vectors/x.bin\"");

  body = ValidRequest();
  body["doc_count"] = 4;
  errors = Errors(body);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected >= 5, found 4");

  body = ValidRequest();
  body["dimension"] = 0;
  body["data_type"] = "double";
  body["index_parameters"]["space_type"] = "cosinesimil";
  errors = Errors(body);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(ValidationErrorBody(errors),
            R"({"detail":"Validation Error","errors":[{"field":"data_type","message":"expected one of float, half_float, byte, binary, found \"double\"","type":"enum"},{"field":"index_parameters.space_type","message":"expected one of l2, innerproduct, hamming, found \"cosinesimil\"","type":"enum"},{"field":"dimension","message":"expected > 0, found 0","type":"greater_than"}]})");

  body = ValidRequest();
  body.erase("container_name");
  errors = Errors(body);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].type, "missing");

  // algorithm_parameters allows extra keys, index_parameters ignores them.
  body = ValidRequest();
  body["index_parameters"]["algorithm_parameters"]["encoder"] = "x";
  body["index_parameters"]["extra"] = 1;
  EXPECT_TRUE(Errors(body).empty());

  std::vector<ValidationError> bad;
  ParseOpenSearchBuild("not json", bad);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].type, "json_invalid");
}

TEST(OpenSearchRequestTest, JobIdIsTheReferenceHash) {
  std::vector<ValidationError> errors;
  OpenSearchBuild r = ParseOpenSearchBuild(
      R"({"container_name":"b","vector_path":"a.knnvec","doc_id_path":"a.knndid","tenant_id":"t","dimension":1,"doc_count":5})",
      errors);
  ASSERT_TRUE(errors.empty());
  // sha256("a.knnvec-t")
  EXPECT_EQ(OpenSearchJobId(r), "780d2c4d51d4c037afff9f29b4983373bf5304ef735d7a36e701ca7ea4eed9e2");
}

TEST(OpenSearchRequestTest, BuildSpecPathsAndMetric) {
  std::vector<ValidationError> errors;
  nlohmann::json body = ValidRequest();
  body["index_parameters"]["space_type"] = "innerproduct";
  body["data_type"] = "byte";
  OpenSearchBuild r = ParseOpenSearchBuild(body.dump(), errors);
  auto spec = OpenSearchBuildSpec(r, "s3", "IDMap,Flat");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->source_uri, "s3://test-bucket/vectors/1_1_25/SIRK_vectors/SIRK_target.field__3l.knnvec");
  EXPECT_EQ(spec->output_uri, "s3://test-bucket/vectors/1_1_25/SIRK_vectors/SIRK_target.field__3l.faiss");
  EXPECT_TRUE(spec->index_only);
  EXPECT_EQ(spec->build.metric, Metric::kInnerProduct);
  EXPECT_EQ(spec->build.read_options.knnvec_type, KnnVecType::kByte);
  EXPECT_EQ(*spec->expected_n, 5u);
}

TEST(OpenSearchRequestTest, SkipStoredVectorsIsAcceptedAndReachesTheBuild) {
  nlohmann::json body = ValidRequest();
  body["skip_stored_vectors"] = true;
  std::vector<ValidationError> errors;
  OpenSearchBuild r = ParseOpenSearchBuild(body.dump(), errors);
  ASSERT_TRUE(errors.empty()) << ValidationErrorBody(errors);
  EXPECT_TRUE(r.skip_stored_vectors);
  auto spec = OpenSearchBuildSpec(r, "s3", "");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_TRUE(spec->build.skip_stored_vectors);
  EXPECT_EQ(spec->build.spec->ToFactoryString(), "IDMap,HNSW14,Flat");
}

TEST(OpenSearchRequestTest, BinaryBuildsABinaryHnsw) {
  nlohmann::json body = ValidRequest();
  body["data_type"] = "binary";
  body["dimension"] = 256;
  body["index_parameters"]["space_type"] = "hamming";
  std::vector<ValidationError> errors;
  OpenSearchBuild r = ParseOpenSearchBuild(body.dump(), errors);
  ASSERT_TRUE(errors.empty()) << ValidationErrorBody(errors);
  auto spec = OpenSearchBuildSpec(r, "s3", "IDMap,Flat");  // the override is for float fields
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_FALSE(spec->build.spec.has_value());
  EXPECT_EQ(spec->build.factory, "IDMap,BHNSW14");
  EXPECT_EQ(*spec->build.ef_construction, 94u);
  EXPECT_EQ(*spec->build.ef_search, 89u);
  EXPECT_EQ(spec->build.read_options.knnvec_type, KnnVecType::kBinary);
  EXPECT_EQ(*spec->build.read_options.dimension, 256u);
  // Memory: packed codes (32 bytes) twice, not 256 unpacked floats twice.
  r.doc_count = 1000;
  const uint64_t graph = 8 + (2 * 14 * 4) * 11 / 10 + 16;
  EXPECT_EQ(OpenSearchMemoryEstimate(r, ""), 1000 * (2 * 32 + graph) + (64ull << 20));
  r.data_type = "float";
  // The default HNSW-Flat takes the rows over; an override keeps two copies.
  EXPECT_EQ(OpenSearchMemoryEstimate(r, ""), 1000 * (5 * 256 + graph) + (64ull << 20));
  EXPECT_EQ(OpenSearchMemoryEstimate(r, "IDMap,Flat"), 1000 * (8 * 256 + graph) + (64ull << 20));
}

}  // namespace
}  // namespace kiln::service
