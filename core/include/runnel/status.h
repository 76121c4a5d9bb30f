#pragma once
// Status and Result<T>: how every fallible runnel function reports failure.
// Our code does not throw; an error is a value carrying a code and a message for a human.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace runnel {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad configuration or bad input from a user
  kNotFound,            // a file, plugin or key that does not exist
  kAlreadyExists,       // a duplicate name
  kUnavailable,         // retryable: connect, timeout, 5xx, 429
  kResourceExhausted,   // backpressure: a queue or budget is full
  kDataLoss,            // a corrupt buffer, checkpoint or frame
  kCancelled,           // the operation was stopped (shutdown)
  kDeadlineExceeded,    // a deadline passed before the work was done
  kFailedPrecondition,  // the system is not in a state where this can run
  kInternal,            // a bug
};

std::string_view StatusCodeName(StatusCode code);

// Thread-compatible value type. A default-constructed Status is OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Returns a copy with "prefix: " put in front of the message.
  Status WithPrefix(std::string_view prefix) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Status from errno, e.g. ErrnoStatus("open /var/log/x", errno) -> "open /var/log/x: No such file".
Status ErrnoStatus(std::string_view what, int err);

// A value or the Status saying why there is none.
template <typename T>
using Result = std::expected<T, Status>;

inline std::unexpected<Status> Err(Status s) { return std::unexpected<Status>(std::move(s)); }

namespace internal {
// What RUNNEL_ASSIGN_OR_RETURN returns: converts to a Status or to any Result<T>.
struct PropagatedError {
  Status status;
  operator Status() && { return std::move(status); }  // NOLINT(google-explicit-constructor)
  template <typename T>
  operator Result<T>() && {  // NOLINT(google-explicit-constructor)
    return std::unexpected<Status>(std::move(status));
  }
};
}  // namespace internal

}  // namespace runnel

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define RUNNEL_RETURN_IF_ERROR(expr)                                         \
  do {                                                                       \
    ::runnel::Status runnel_status_ = (expr);                                \
    if (!runnel_status_.ok()) {                                              \
      return ::runnel::internal::PropagatedError{std::move(runnel_status_)}; \
    }                                                                        \
  } while (0)

#define RUNNEL_CONCAT_INNER(a, b) a##b
#define RUNNEL_CONCAT(a, b) RUNNEL_CONCAT_INNER(a, b)

// RUNNEL_ASSIGN_OR_RETURN(auto x, MakeX()): x is the value; returns the error from a function
// returning Status or Result<U>.
#define RUNNEL_ASSIGN_OR_RETURN(lhs, expr) \
  RUNNEL_ASSIGN_OR_RETURN_IMPL(RUNNEL_CONCAT(runnel_result_, __LINE__), lhs, expr)
#define RUNNEL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                    \
  auto tmp = (expr);                                                    \
  if (!tmp.has_value()) {                                               \
    return ::runnel::internal::PropagatedError{std::move(tmp).error()}; \
  }                                                                     \
  lhs = std::move(*tmp)
