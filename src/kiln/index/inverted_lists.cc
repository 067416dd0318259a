#include "kiln/index/inverted_lists.h"

#include <cstring>

#include "kiln/base/check.h"

namespace kiln::index {

InvertedLists::InvertedLists(size_t nlist, size_t code_size)
    : code_size_(code_size), lists_(nlist) {}

size_t InvertedLists::total_size() const {
  size_t total = 0;
  for (const List& l : lists_) total += l.ids.size();
  return total;
}

size_t InvertedLists::nonempty_lists() const {
  size_t count = 0;
  for (const List& l : lists_) count += l.ids.empty() ? 0 : 1;
  return count;
}

void InvertedLists::Append(size_t list_no, size_t n, const void* codes, const void* ids) {
  KILN_DCHECK(list_no < lists_.size());
  if (n == 0) return;
  List& l = lists_[list_no];
  const size_t old_bytes = l.codes.size();
  l.codes.resize(old_bytes + n * code_size_);
  std::memcpy(l.codes.data() + old_bytes, codes, n * code_size_);
  const size_t old_ids = l.ids.size();
  l.ids.resize(old_ids + n);
  std::memcpy(l.ids.data() + old_ids, ids, n * sizeof(idx_t));
}

void InvertedLists::Reserve(size_t list_no, size_t n) {
  List& l = lists_[list_no];
  l.codes.reserve(n * code_size_);
  l.ids.reserve(n);
}

}  // namespace kiln::index
