// The reference evaluator: a direct tree walk over the checked AST with no compiler, no
// bytecode, no constant folding and no rule index. Slow and obvious on purpose; it is the
// oracle the VM is checked against (tests/engine/differential_test.cc). It shares only the
// primitive operations (builtins.h) with the VM.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <arbiter/engine.h>

#include "dsl/ast.h"
#include "engine/entity_store_impl.h"
#include "engine/request_impl.h"

namespace arbiter::engine {

struct ReferenceDecision {
  bool allow = false;
  bool fail_closed = false;  // Decision::fail_closed
  std::vector<std::string> reasons;  // determining rules, in policy order
  std::vector<std::pair<std::string, std::string>> errors;  // (rule, message)
  std::vector<std::string> matched;
};

// Charges the evaluation budget at the same operations as the VM (spec/language.md), one
// budget for the whole decision. The VM does less work for the same decision (constants folded
// at compile time, rules the index skips), never more, so a decision within `budget` here is
// within it in the VM; near the limit the VM may succeed where the oracle ran out.
ReferenceDecision ReferenceDecide(const dsl::PolicySet& policies, const RequestImpl& request,
                                  const StoreImpl& store, const EvalBudget& budget = {});

}  // namespace arbiter::engine
