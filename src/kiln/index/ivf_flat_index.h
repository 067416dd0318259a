// IVF-Flat: a coarse quantizer (a FlatIndex of nlist k-means centroids)
// partitions the vectors into nlist inverted lists that store the raw
// vectors; a search scans the nprobe lists whose centroids are closest to
// the query. Faiss equivalent: IndexIVFFlat ("IVF<nlist>,Flat").
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "kiln/index/flat_index.h"
#include "kiln/index/index.h"
#include "kiln/index/inverted_lists.h"
#include "kiln/index/ivf_train_params.h"

namespace kiln::index {

class IvfFlatIndex final : public Index {
 public:
  // d and nlist must be at least 1.
  IvfFlatIndex(size_t d, Metric metric, size_t nlist, IvfTrainParams params = {});
  // Assembles a trained index from its parts (for readers). InvalidArgument
  // unless quantizer holds lists.nlist() centroids of dimension d with the
  // same metric, lists.code_size() == 4·d and ntotal == lists.total_size().
  static StatusOr<std::unique_ptr<IvfFlatIndex>> FromParts(Metric metric,
                                                           std::unique_ptr<FlatIndex> quantizer,
                                                           InvertedLists lists, size_t ntotal,
                                                           size_t nprobe);

  size_t ntotal() const override { return ntotal_; }
  bool is_trained() const override { return quantizer_ != nullptr; }
  std::string Describe() const override;

  // k-means on x (n >= nlist, else InvalidArgument naming both). Progress:
  // phase "k-means". FailedPrecondition if the index already holds vectors.
  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  // Assigns each vector to its nearest list and appends it there; entries of
  // a list keep input order whatever the thread count. Progress: "add".
  // On cancellation the blocks added so far stay (ntotal counts them).
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  // Scans min(params.nprobe, nlist) lists per query.
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  size_t nlist() const { return lists_.nlist(); }
  // nprobe recorded in (and read from) Faiss files: the default a Faiss
  // reader searches with. kiln's Search uses SearchParams::nprobe.
  size_t nprobe() const { return nprobe_; }
  void set_nprobe(size_t nprobe) { nprobe_ = nprobe; }
  // Bytes per stored code: 4·d (raw float32 vectors).
  size_t code_size() const { return d() * sizeof(float); }
  const IvfTrainParams& train_params() const { return train_params_; }

  // The coarse quantizer (nlist centroids); null before training.
  const FlatIndex* quantizer() const { return quantizer_.get(); }
  const InvertedLists& lists() const { return lists_; }

 private:
  // list number of each of the n prepared rows x.
  Status AssignLists(const float* x, size_t n, idx_t* list_nos, const ExecContext& ctx) const;
  // Top-k of one prepared query over the given probed lists.
  void ScanLists(const float* query, const idx_t* probes, size_t nprobe, size_t k, float* scratch,
                 float* distances, idx_t* labels) const;

  IvfTrainParams train_params_;
  std::unique_ptr<FlatIndex> quantizer_;
  InvertedLists lists_;
  size_t ntotal_ = 0;
  size_t nprobe_ = 1;
};

}  // namespace kiln::index
