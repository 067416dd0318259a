#include "kiln/dataset/npy_format.h"

#include <cstring>
#include <optional>

#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// Printable excerpt of untrusted text for messages.
std::string Printable(std::string_view text, size_t max_chars = 120) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max_chars; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

// A recursive-descent parser for the subset of Python literals that .npy
// headers use: a dict with string keys; string, bool and int-tuple values.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, size_t base_offset, const std::string& path)
      : text_(text), base_(base_offset), path_(path) {}

  StatusOr<NpyHeader> Parse() {
    NpyHeader header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    KILN_RETURN_IF_ERROR(Expect('{', "'{'"));
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      std::string key;
      KILN_RETURN_IF_ERROR(ParseString(&key));
      KILN_RETURN_IF_ERROR(Expect(':', "':'"));
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') {
          return DataLossError("{}: structured dtypes (descr is a list) are not supported; expected a "
                               "plain dtype such as '<f4'", path_);
        }
        KILN_RETURN_IF_ERROR(ParseString(&header.descr));
        seen_descr = true;
      } else if (key == "fortran_order") {
        KILN_RETURN_IF_ERROR(ParseBool(&header.fortran_order));
        seen_order = true;
      } else if (key == "shape") {
        KILN_RETURN_IF_ERROR(ParseShape(&header.shape));
        seen_shape = true;
      } else {
        return Error(fmt::format("a known key ('descr', 'fortran_order', 'shape'), found '{}'",
                                 Printable(key)));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != '}') return Error("',' or '}'");
    }
    if (!seen_descr || !seen_order || !seen_shape) {
      return DataLossError("{}: .npy header lacks '{}': {}", path_,
                           !seen_descr ? "descr" : (!seen_order ? "fortran_order" : "shape"),
                           Printable(text_));
    }
    return header;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  Status Error(std::string_view expected) const {
    std::string found = pos_ < text_.size() ? fmt::format("'{}'", Printable(text_.substr(pos_, 1)))
                                            : std::string("the end of the header");
    return DataLossError("{}: malformed .npy header at byte offset {}: expected {}, found {} (header: {})",
                         path_, base_ + pos_, expected, found, Printable(text_));
  }
  Status Expect(char c, std::string_view what) {
    SkipSpace();
    if (Peek() != c) return Error(what);
    ++pos_;
    return OkStatus();
  }
  Status ParseString(std::string* out) {
    SkipSpace();
    char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("a quoted string");
    size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) return Error("a closing quote");
    *out = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return OkStatus();
  }
  Status ParseBool(bool* out) {
    if (text_.substr(pos_, 4) == "True") {
      *out = true;
      pos_ += 4;
    } else if (text_.substr(pos_, 5) == "False") {
      *out = false;
      pos_ += 5;
    } else {
      return Error("True or False");
    }
    return OkStatus();
  }
  Status ParseShape(std::vector<size_t>* out) {
    if (Peek() != '(') return Error("'(' starting the shape tuple");
    ++pos_;
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (Peek() < '0' || Peek() > '9') return Error("a non-negative integer in the shape");
      size_t value = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        if (!CheckedMul(value, 10, &value) || __builtin_add_overflow(value, size_t(Peek() - '0'), &value)) {
          return Error("a shape dimension that fits 64 bits");
        }
        ++pos_;
      }
      if (Peek() == 'L') ++pos_;  // Python 2 long suffix
      out->push_back(value);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        return Error("',' or ')' in the shape tuple");
      }
    }
    ++pos_;
    return OkStatus();
  }

  std::string_view text_;
  size_t base_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

std::string FormatShape(const std::vector<size_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

StatusOr<NpyHeader> ParseNpyHeader(const uint8_t* data, size_t size, const std::string& path) {
  if (size < kMagicSize || std::memcmp(data, kMagic, kMagicSize) != 0) {
    std::string found;
    for (size_t i = 0; i < size && i < kMagicSize; ++i) found += fmt::format("\\x{:02x}", data[i]);
    return DataLossError("{}: not an .npy file: bad magic at byte offset 0 (expected \\x93NUMPY, found '{}')",
                         path, found.empty() ? std::string("an empty file") : found);
  }
  if (size < 8) return DataLossError("{}: truncated .npy header: file is {} bytes, version at byte offset 6", path, size);
  const unsigned major = data[6], minor = data[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    return DataLossError("{}: unsupported .npy format version {}.{} at byte offset 6 (supported: 1.0, 2.0, 3.0)",
                         path, major, minor);
  }
  const size_t length_size = major == 1 ? 2 : 4;
  if (size < 8 + length_size) {
    return DataLossError("{}: truncated .npy header: file is {} bytes, header length needs {}", path, size,
                         8 + length_size);
  }
  const size_t header_len = major == 1 ? LoadU16Le(data + 8) : LoadU32Le(data + 8);
  const size_t header_start = 8 + length_size;
  if (header_len > size - header_start) {
    return DataLossError(
        "{}: .npy header length {} (at byte offset 8) runs past the end of the file: header would end at byte "
        "{}, file is {} bytes",
        path, header_len, header_start + header_len, size);
  }
  std::string_view text(reinterpret_cast<const char*>(data + header_start), header_len);
  KILN_ASSIGN_OR_RETURN(NpyHeader header, HeaderParser(text, header_start, path).Parse());
  header.data_offset = header_start + header_len;
  return header;
}

std::string FormatNpyHeader(std::string_view descr, const std::vector<size_t>& shape) {
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, FormatShape(shape));
  // Pad with spaces so the payload starts at a multiple of 64; end with '\n'.
  size_t preamble = 10;
  size_t total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  if (total - preamble > 0xffff) {
    preamble = 12;
    total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  }
  const size_t header_len = total - preamble;
  dict.append(header_len - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicSize);
  out += static_cast<char>(preamble == 10 ? 1 : 2);
  out += '\0';
  for (size_t i = 0; i < preamble - 8; ++i) out += static_cast<char>((header_len >> (8 * i)) & 0xff);
  out += dict;
  return out;
}

}  // namespace kiln::dataset_internal
