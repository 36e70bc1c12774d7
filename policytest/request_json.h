// A test's request, written in the language as a constant record, turned into the AuthZEN
// JSON a client would send (spec/testing.md), so tests go through the same request parsing
// as production traffic.
#pragma once

#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include "dsl/ast.h"

namespace arbiter::policytest {

// Literals, sets and records map to JSON; entity references to {"__entity":{"type","id"}};
// decimals and calls of ip/decimal/datetime/duration on a string literal to
// {"__extn":{"fn","arg"}}; a negated integer literal to a negative number. Anything else
// (a variable, an operator, a method call) is InvalidArgument naming its line and column.
Result<nlohmann::json> ConstantToJson(const dsl::Expr& expr);

}  // namespace arbiter::policytest
