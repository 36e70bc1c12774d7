#include <catch2/catch.hpp>

#include "arbiter/status.h"

using namespace arbiter;

static Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

static Result<int> Quarter(int x) {
  ARBITER_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST_CASE("Status is OK by default and carries code and message otherwise") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.ToString() == "OK");
  Status bad = Status::Corruption("entry 3");
  CHECK_FALSE(bad.ok());
  CHECK(bad.code() == StatusCode::kCorruption);
  CHECK(bad.ToString() == "Corruption: entry 3");
}

TEST_CASE("Result propagates errors through ARBITER_ASSIGN_OR_RETURN") {
  CHECK(Quarter(8).value() == 2);
  auto r = Quarter(6);
  CHECK_FALSE(r.ok());
  CHECK(r.status().message() == "odd");
}
