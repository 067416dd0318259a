// Human-readable structure of a Faiss index file (backs `kiln inspect PATH`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kiln/base/status.h"

namespace kiln::format {

// Parses the buffer as ReadFaissIndex does (same checks and errors, but no
// vectors are copied) and describes it, one record per block, nested records
// indented:
//   x.index: 4711 bytes
//   IxMp IndexIDMap at offset 0, 4711 bytes
//     d 16, ntotal 100, metric INNER_PRODUCT (0), is_trained 1
//     inner:
//       IwFl IndexIVFFlat at offset 41, ...
//         nlist 4, nprobe 1, direct map NoMap
//         quantizer:
//           IxFI IndexFlatIP at offset ...
//         inverted lists ilar at offset ...: code_size 64, layout full
//           list sizes: min 20, max 31, mean 25.0, empty 0 of 4
//           first list sizes: 20 31 25 24
//     id_map at offset ...: 100 ids, sorted no, range [3, 99817]
// Trailing bytes after the index are reported on a last "warning:" line.
StatusOr<std::string> DescribeFaissFile(const uint8_t* data, size_t size,
                                        std::string_view source_name);

}  // namespace kiln::format
