// The ScalarQuantizer block shared by the IxSQ and IwSq writers and readers
// (internal to kiln_format).
#pragma once

#include "kiln/base/byte_sink.h"
#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/records.h"
#include "kiln/quant/sq/scalar_quantizer.h"

namespace kiln::format {

// write_sq.cc.
Status WriteSqBlock(const quant::ScalarQuantizer& sq, ByteSink& sink);
// read_sq.cc: parses the block, checking d against the header and code_size
// and the trained length against the qtype.
StatusOr<SqBlock> ParseSqBlock(FaissReader& reader, const FaissIndexHeader& header);
// The quantizer of a parsed block (DataLoss/Unimplemented naming offsets).
StatusOr<quant::ScalarQuantizer> BuildSqBlock(const SqBlock& block, const FaissReader& reader);

}  // namespace kiln::format
