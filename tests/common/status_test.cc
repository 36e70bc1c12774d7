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

TEST_CASE("Result::value() on an error throws BadResultAccess with the error's text") {
  auto r = Half(3);
  REQUIRE_FALSE(r.ok());
  // Every way of reaching the value: lvalue, const lvalue, rvalue, operator* and ->.
  CHECK_THROWS_WITH(r.value(), "Invalid argument: odd");
  const auto& cr = r;
  CHECK_THROWS_WITH(cr.value(), "Invalid argument: odd");
  CHECK_THROWS_WITH(*r, "Invalid argument: odd");
  CHECK_THROWS_WITH(Half(5).value(), "Invalid argument: odd");
  Result<std::string> s = Status::NotFound("entry 12");
  CHECK_THROWS_WITH(s->size(), "Not found: entry 12");
  try {
    (void)std::move(s).value();
    FAIL("value() on an error returned");
  } catch (const BadResultAccess& e) {
    CHECK(e.status().code() == StatusCode::kNotFound);
    CHECK(e.status().message() == "entry 12");
  }
  // A std::logic_error: a bug in the caller, caught by a handler for std::exception.
  CHECK_THROWS_AS(r.value(), std::logic_error);
  // On a value, nothing changes.
  Result<std::string> v = std::string("x");
  CHECK(v.value() == "x");
  CHECK(v->size() == 1);
  CHECK(std::move(v).value() == "x");
}
