// What the C ABI's parts share (include/arbiter/arbiter_c.h): the engine handle, which the
// ledger calls (recorder/arbiter_ledger_c.cc) decide with, and the string and error helpers.
// Not installed.
#pragma once

#include <arbiter/arbiter.h>
#include <arbiter/arbiter_c.h>

#include <cstdlib>
#include <cstring>
#include <string>

struct arbiter_engine {
  arbiter::Engine engine;
  arbiter::EntityStore entities;
};

namespace arbiter::capi {

// A malloc'd copy, released by arbiter_string_free; NULL when out of memory.
inline char* CopyOut(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

inline void SetError(char** error, const std::string& message) {
  if (error) *error = CopyOut(message);
}

// Sets *error to the status's message and returns its code.
inline int Fail(char** error, const Status& status) {
  SetError(error, status.message());
  return static_cast<int>(status.code());
}

}  // namespace arbiter::capi
