// The decision procedure over a Program: select candidate rules with the index, run each
// rule's bytecode, combine (default deny, forbid wins, errors skip the rule unless the package
// is fail-closed), and fill the Decision.
#pragma once

#include <arbiter/decision.h>
#include <arbiter/engine.h>

#include "engine/entity_store_impl.h"
#include "engine/program.h"
#include "engine/request_impl.h"

namespace arbiter::engine {

// Tests only: run decisions with the switch-dispatch interpreter on this thread.
void UseSwitchDispatchForTesting(bool on);

// Every rule and obligation payload of the decision draws on one budget made from
// options.budget (builtins.h, Budget).
void DecideProgram(const Program& program, const RequestImpl& request, const StoreImpl& store,
                   const DecideOptions& options, Decision* out);

}  // namespace arbiter::engine
