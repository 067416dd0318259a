// The IVF base shared by IVF-Flat, IVF-SQ (and IVF-PQ): a coarse quantizer (a
// FlatIndex of nlist k-means centroids) partitions the vectors into nlist
// inverted lists of (code, id) entries; a search scans the nprobe lists whose
// centroids are closest to the query. Faiss equivalent: IndexIVF.
//
// A subclass supplies the encoder and the list scanner:
//   TrainEncoder  trains the codec after the coarse quantizer (optional)
//   EncodeBlock   encodes n prepared vectors given their list numbers
//                 (residual to the list's centroid or not: the subclass decides)
//   MakeScanner   a per-thread object computing distances from one query to
//                 the codes of one list at a time
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kiln/index/flat_index.h"
#include "kiln/index/index.h"
#include "kiln/index/inverted_lists.h"
#include "kiln/index/ivf_train_params.h"

namespace kiln::index {

// Distances from one query to the codes of one inverted list at a time. One
// scanner per thread; SetQuery, then SetList before each list's codes.
class IvfListScanner {
 public:
  virtual ~IvfListScanner() = default;
  // query: d prepared floats, valid until the next SetQuery.
  virtual void SetQuery(const float* query) = 0;
  // coarse: the quantizer's value for (query, list_no): squared L2 distance
  // or inner product with the centroid.
  virtual void SetList(size_t list_no, float coarse) = 0;
  // out[j] = squared L2 distance (L2) or inner product (similarities) of the
  // query to the vector of code j, for n consecutive codes of the list.
  virtual void Scan(const uint8_t* codes, size_t n, float* out) = 0;
};

class IvfIndex : public Index {
 public:
  size_t ntotal() const override { return ntotal_; }
  bool is_trained() const override { return quantizer_ != nullptr && EncoderTrained(); }

  // k-means of the coarse centroids on x (n >= nlist, else InvalidArgument
  // naming both), then TrainEncoder. Progress: phase "k-means".
  // FailedPrecondition if the index already holds vectors.
  Status Train(const float* x, size_t n, const ExecContext& ctx) override;
  // Assigns each vector to its nearest list, encodes it and appends it there;
  // entries of a list keep input order whatever the thread count. Progress:
  // "add". On cancellation the blocks added so far stay (ntotal counts them).
  Status Add(const float* x, size_t n, const ExecContext& ctx) override;
  // Scans min(params.nprobe, nlist) lists per query.
  Status Search(const float* queries, size_t nq, size_t k, const SearchParams& params,
                float* distances, idx_t* labels, const ExecContext& ctx) const override;

  size_t nlist() const { return lists_.nlist(); }
  // nprobe recorded in (and read from) Faiss files: the default a Faiss
  // reader searches with. kiln's Search uses SearchParams::nprobe.
  size_t nprobe() const { return nprobe_; }
  void set_nprobe(size_t nprobe) { nprobe_ = nprobe; }
  // Bytes per stored code.
  size_t code_size() const { return lists_.code_size(); }
  const IvfTrainParams& train_params() const { return train_params_; }

  // The coarse quantizer (nlist centroids); null before training.
  const FlatIndex* quantizer() const { return quantizer_.get(); }
  const InvertedLists& lists() const { return lists_; }

 protected:
  // d, nlist and code_size must be at least 1.
  IvfIndex(size_t d, Metric metric, size_t nlist, size_t code_size, IvfTrainParams params);

  // For readers: installs a trained quantizer and filled lists after
  // checking them against this index (InvalidArgument naming the values).
  Status SetParts(std::unique_ptr<FlatIndex> quantizer, InvertedLists lists, size_t ntotal,
                  size_t nprobe);

  // Trains the encoder on n prepared training vectors once the coarse
  // quantizer exists. Default: nothing to train.
  virtual Status TrainEncoder(const float* x, size_t n, const ExecContext& ctx);
  virtual bool EncoderTrained() const { return true; }
  // Codes of n prepared vectors x whose lists are list_nos (all valid): a
  // pointer to n·code_size bytes, either into *buffer or (when the code is
  // the vector itself) into x.
  virtual const uint8_t* EncodeBlock(const float* x, const idx_t* list_nos, size_t n,
                                     std::vector<uint8_t>* buffer,
                                     const ExecContext& ctx) const = 0;
  virtual std::unique_ptr<IvfListScanner> MakeScanner() const = 0;

  // Helpers for subclasses. List number of each of the n prepared rows x.
  Status AssignLists(const float* x, size_t n, idx_t* list_nos, const ExecContext& ctx) const;
  // out = x - centroid[list_no] for n rows.
  void ComputeResiduals(const float* x, const idx_t* list_nos, size_t n, float* out,
                        const ExecContext& ctx) const;

  // The vectors an encoder trains on (Faiss's train_residual): at most
  // `max_vectors` of the n rows of x, sampled with `seed`, replaced by their
  // residuals to the nearest centroid when `residual`. Returns x itself or
  // `storage`; n becomes the number of rows returned.
  StatusOr<const float*> EncoderTrainingSet(const float* x, size_t& n, size_t max_vectors,
                                            uint64_t seed, bool residual,
                                            std::vector<float>& storage,
                                            const ExecContext& ctx) const;

 private:
  // Top-k of one prepared query over the given probed lists.
  void ScanLists(IvfListScanner& scanner, const float* query, const float* coarse,
                 const idx_t* probes, size_t nprobe, size_t k, float* scratch, float* distances,
                 idx_t* labels) const;

  IvfTrainParams train_params_;
  std::unique_ptr<FlatIndex> quantizer_;
  InvertedLists lists_;
  size_t ntotal_ = 0;
  size_t nprobe_ = 1;
};

}  // namespace kiln::index
