// Errors as values. Every fallible function that crosses a layer boundary
// returns Status or StatusOr<T>; messages carry the values involved (file,
// offset, expected, found). Kernels never return Status: inputs are validated
// once at the algorithm entry.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace kiln {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad user input: CLI flag, factory string, file contents
  kNotFound,            // file, key, job or table missing
  kAlreadyExists,
  kFailedPrecondition,  // valid request in the wrong state (e.g. search before train)
  kOutOfRange,
  kDataLoss,            // truncated or corrupt input
  kResourceExhausted,   // memory budget
  kCancelled,
  kUnavailable,         // retryable: remote store or database not reachable
  kPermissionDenied,
  kUnimplemented,       // understood but not supported yet
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: message" (or "OK").
  std::string ToString() const;
  // Returns a copy whose message is "context: message".
  Status WithContext(std::string_view context) const;
  // Marks a deliberately ignored error; grep for it in review.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }

// Factories taking fmt-style format strings: InvalidArgumentError("d={} expected > 0", d).
#define KILN_DEFINE_STATUS_FACTORY(Name, Code)                                  \
  template <typename... Args>                                                   \
  Status Name(fmt::format_string<Args...> format, Args&&... args) {             \
    return Status(StatusCode::Code, fmt::format(format, std::forward<Args>(args)...)); \
  }
KILN_DEFINE_STATUS_FACTORY(InvalidArgumentError, kInvalidArgument)
KILN_DEFINE_STATUS_FACTORY(NotFoundError, kNotFound)
KILN_DEFINE_STATUS_FACTORY(AlreadyExistsError, kAlreadyExists)
KILN_DEFINE_STATUS_FACTORY(FailedPreconditionError, kFailedPrecondition)
KILN_DEFINE_STATUS_FACTORY(OutOfRangeError, kOutOfRange)
KILN_DEFINE_STATUS_FACTORY(DataLossError, kDataLoss)
KILN_DEFINE_STATUS_FACTORY(ResourceExhaustedError, kResourceExhausted)
KILN_DEFINE_STATUS_FACTORY(CancelledError, kCancelled)
KILN_DEFINE_STATUS_FACTORY(UnavailableError, kUnavailable)
KILN_DEFINE_STATUS_FACTORY(PermissionDeniedError, kPermissionDenied)
KILN_DEFINE_STATUS_FACTORY(UnimplementedError, kUnimplemented)
KILN_DEFINE_STATUS_FACTORY(InternalError, kInternal)
#undef KILN_DEFINE_STATUS_FACTORY

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : rep_(std::move(status)) {  // NOLINT(implicit)
    if (std::get<Status>(rep_).ok()) std::abort();      // an OK status carries no value: a bug
  }
  StatusOr(T value) : rep_(std::move(value)) {}  // NOLINT(implicit)

  bool ok() const { return std::holds_alternative<T>(rep_); }
  Status status() const { return ok() ? Status() : std::get<Status>(rep_); }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<StatusOr*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<StatusOr*>(this)->Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<StatusOr*>(this)->Checked(); }

 private:
  T& Checked() {
    if (!ok()) {
      fmt::print(stderr, "StatusOr::value() on error: {}\n", std::get<Status>(rep_).ToString());
      std::abort();
    }
    return std::get<T>(rep_);
  }
  std::variant<Status, T> rep_;
};

}  // namespace kiln

#define KILN_STATUS_CONCAT_INNER(a, b) a##b
#define KILN_STATUS_CONCAT(a, b) KILN_STATUS_CONCAT_INNER(a, b)

#define KILN_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::kiln::Status kiln_status_ = (expr);        \
    if (!kiln_status_.ok()) return kiln_status_; \
  } while (0)

#define KILN_ASSIGN_OR_RETURN(lhs, expr) \
  KILN_ASSIGN_OR_RETURN_IMPL(KILN_STATUS_CONCAT(kiln_statusor_, __LINE__), lhs, expr)
#define KILN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
