#include "kiln/storage/object_store/object_store.h"

#include <fmt/format.h>

namespace kiln::storage {

std::string ObjectRef::ToString(std::string_view scheme) const {
  return fmt::format("{}://{}/{}", scheme, bucket, key);
}

StatusOr<std::unique_ptr<PartAssembly>> ObjectStore::StartAssembly(const ObjectRef& object, const CancelToken*) {
  return UnimplementedError("{}: the {} store cannot assemble objects from parts", object.ToString(scheme()),
                            scheme());
}

Status ValidateObjectRef(const ObjectRef& object) {
  if (object.bucket.empty() || object.bucket.size() > 63)
    return InvalidArgumentError("bucket \"{}\": expected 1..63 characters", object.bucket);
  for (char c : object.bucket) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                    (c >= 'A' && c <= 'Z');
    if (!ok) return InvalidArgumentError("bucket \"{}\": character '{}' is not allowed", object.bucket, c);
  }
  if (object.bucket == "." || object.bucket == "..")
    return InvalidArgumentError("bucket \"{}\" is not allowed", object.bucket);
  const std::string& key = object.key;
  if (key.empty()) return InvalidArgumentError("object key is empty");
  if (key.size() > 1024) return InvalidArgumentError("object key is {} bytes, at most 1024 allowed", key.size());
  if (key.front() == '/') return InvalidArgumentError("object key \"{}\" must not start with '/'", key);
  if (key.find('\0') != std::string::npos || key.find('\\') != std::string::npos)
    return InvalidArgumentError("object key \"{}\" contains NUL or backslash", key);
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    const std::string_view segment(key.data() + start, end - start);
    if (segment == "." || segment == "..")
      return InvalidArgumentError("object key \"{}\" contains a \"{}\" segment", key, segment);
    start = end + 1;
  }
  return OkStatus();
}

StatusOr<ObjectUri> ParseObjectUri(std::string_view uri) {
  const size_t sep = uri.find("://");
  if (sep == std::string_view::npos)
    return InvalidArgumentError("\"{}\": expected s3://bucket/key or file://bucket/key", uri);
  ObjectUri out;
  out.scheme = std::string(uri.substr(0, sep));
  if (out.scheme != "s3" && out.scheme != "file")
    return InvalidArgumentError("\"{}\": scheme \"{}\" is not supported (s3, file)", uri, out.scheme);
  const std::string_view rest = uri.substr(sep + 3);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos)
    return InvalidArgumentError("\"{}\": expected {}://bucket/key", uri, out.scheme);
  out.ref.bucket = std::string(rest.substr(0, slash));
  out.ref.key = std::string(rest.substr(slash + 1));
  KILN_RETURN_IF_ERROR(ValidateObjectRef(out.ref).WithContext(std::string(uri)));
  return out;
}

}  // namespace kiln::storage
