// Inverted lists of an IVF index (Faiss ArrayInvertedLists): nlist lists,
// each an ordered sequence of entries (code, id). A code is code_size bytes:
// for IVF-Flat the raw float32 vector (code_size = 4·d).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kiln/base/types.h"

namespace kiln::index {

class InvertedLists {
 public:
  InvertedLists(size_t nlist, size_t code_size);

  size_t nlist() const { return lists_.size(); }
  size_t code_size() const { return code_size_; }
  size_t list_size(size_t list_no) const { return lists_[list_no].ids.size(); }
  // Entries over all lists.
  size_t total_size() const;
  // Number of lists holding at least one entry.
  size_t nonempty_lists() const;

  // list_size(list_no)·code_size bytes. The storage comes from operator new,
  // so it is aligned for float and IVF-Flat may read it as float rows.
  const uint8_t* codes(size_t list_no) const { return lists_[list_no].codes.data(); }
  const idx_t* ids(size_t list_no) const { return lists_[list_no].ids.data(); }

  // Appends n entries to the end of list list_no: n·code_size bytes of codes
  // and n int64 ids, both copied byte-wise (any alignment: readers pass
  // pointers straight into a file).
  void Append(size_t list_no, size_t n, const void* codes, const void* ids);
  void Reserve(size_t list_no, size_t n);

 private:
  struct List {
    std::vector<uint8_t> codes;
    std::vector<idx_t> ids;
  };
  size_t code_size_;
  std::vector<List> lists_;
};

}  // namespace kiln::index
