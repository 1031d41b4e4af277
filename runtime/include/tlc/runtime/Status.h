//===- Status.h - errors returned across the runtime API --------*- C++ -*-===//
//
// The runtime never throws across its API and never aborts on bad input:
// every fallible call returns a Status (or StatusOr<T>) with a message that
// says what was wrong with which input.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_STATUS_H
#define TLC_RUNTIME_STATUS_H

#include <optional>
#include <string>
#include <utility>

namespace tlc::runtime {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument, ///< the caller's input is wrong (shape, dtype, format)
  kNotFound,        ///< a file or a named tensor does not exist
  kDataLoss,        ///< a file is truncated or corrupt
  kUnimplemented,   ///< valid, but not supported by this build
  kInternal,        ///< a bug in tlc
  kIoError,         ///< the operating system refused a read or write
};

/// The name of a status code, e.g. "INVALID_ARGUMENT".
const char *statusCodeName(StatusCode code);

class [[nodiscard]] Status {
public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool isOk() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return isOk(); }
  StatusCode code() const { return code_; }
  const std::string &message() const { return message_; }
  /// "INVALID_ARGUMENT: message", or "OK".
  std::string toString() const;

private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status dataLoss(std::string message) {
  return Status(StatusCode::kDataLoss, std::move(message));
}
inline Status notFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status ioError(std::string message) {
  return Status(StatusCode::kIoError, std::move(message));
}

/// A value or the Status that explains its absence.
template <typename T> class [[nodiscard]] StatusOr {
public:
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) {}

  bool isOk() const { return value_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status &status() const { return status_; }
  T &value() & { return *value_; }
  const T &value() const & { return *value_; }
  T &&value() && { return std::move(*value_); }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  T &operator*() & { return *value_; }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace tlc::runtime

#endif // TLC_RUNTIME_STATUS_H
