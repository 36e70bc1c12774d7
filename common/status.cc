#include "arbiter/status.h"

namespace arbiter {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "Invalid argument";
    case StatusCode::kNotFound: return "Not found";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IO error";
    case StatusCode::kFailedPrecondition: return "Failed precondition";
    case StatusCode::kUnsupported: return "Unsupported";
    case StatusCode::kPermissionDenied: return "Permission denied";
    case StatusCode::kResourceExhausted: return "Resource exhausted";
    case StatusCode::kInternal: return "Internal error";
  }
  return "Unknown";
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += rep_->message;
  return out;
}

BadResultAccess::BadResultAccess(Status status)
    : std::logic_error(status.ToString()), status_(std::move(status)) {}

namespace internal {
void ThrowBadResultAccess(const Status& status) { throw BadResultAccess(status); }
}  // namespace internal

}  // namespace arbiter
