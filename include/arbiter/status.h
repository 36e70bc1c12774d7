// Status and Result<T>: how every fallible call in Arbiter's library reports failure.
// Errors are values: nothing in the public API throws, except to report a bug in the caller,
// Result<T>::value() on an error (below). An OK Status holds no allocation.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace arbiter {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // the caller's input is malformed (bad JSON, bad policy, bad flag)
  kNotFound = 2,         // a named thing does not exist (file, entry, decision id)
  kCorruption = 3,       // stored or received bytes fail an integrity check
  kIOError = 4,          // the operating system or storage refused
  kFailedPrecondition = 5,  // the object is in the wrong state (ledger locked, not loaded)
  kUnsupported = 6,      // a newer format version or an unsupported feature
  kPermissionDenied = 7, // missing or wrong credentials
  kResourceExhausted = 8,  // a configured limit was exceeded (size, depth, count)
  kInternal = 9,         // a bug in Arbiter; please report it
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : rep_(code == StatusCode::kOk ? nullptr
                                     : std::make_shared<Rep>(Rep{code, std::move(message)})) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The human-readable reason; empty when ok().
  const std::string& message() const;
  // "Corruption: entry 12: hash chain broken", or "OK".
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null when OK, so OK costs one pointer and no allocation
};

// What Result<T>::value() (and operator* and operator->) throws on a Result that holds an
// error, which is a bug in the caller: it should have checked ok() first. what() is the
// error's text, Status::ToString() ("Not found: entry 12"), and status() the error itself.
// This is the only exception Arbiter's API throws; left uncaught, it ends the program and
// the C++ runtime prints that text.
class BadResultAccess : public std::logic_error {
 public:
  explicit BadResultAccess(Status status);
  const Status& status() const noexcept { return status_; }

 private:
  Status status_;
};

namespace internal {
[[noreturn]] void ThrowBadResultAccess(const Status& status);
}  // namespace internal

// Either a T or a non-OK Status. Access the value only after checking ok(); value() on an
// error throws BadResultAccess with the error's text (above).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    if (!ok()) [[unlikely]] internal::ThrowBadResultAccess(std::get<Status>(v_));
    return *std::get_if<T>(&v_);
  }
  const T& value() const& {
    if (!ok()) [[unlikely]] internal::ThrowBadResultAccess(std::get<Status>(v_));
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    if (!ok()) [[unlikely]] internal::ThrowBadResultAccess(std::get<Status>(v_));
    return std::move(*std::get_if<T>(&v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace arbiter

// Propagate a non-OK Status to the caller.
#define ARBITER_RETURN_IF_ERROR(expr)        \
  do {                                       \
    ::arbiter::Status _st = (expr);          \
    if (!_st.ok()) return _st;               \
  } while (0)

#define ARBITER_CONCAT_INNER_(a, b) a##b
#define ARBITER_CONCAT_(a, b) ARBITER_CONCAT_INNER_(a, b)
// ARBITER_ASSIGN_OR_RETURN(auto x, MakeX()); binds x to the value or returns the Status.
#define ARBITER_ASSIGN_OR_RETURN(lhs, expr) \
  ARBITER_ASSIGN_OR_RETURN_IMPL_(ARBITER_CONCAT_(_res_, __LINE__), lhs, expr)
#define ARBITER_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
