// The bytecode interpreter. Dispatch is computed-goto on GCC/Clang and a switch elsewhere (or
// when ARBITER_VM_SWITCH is defined); both run the same instruction bodies.
#pragma once

#include <cstdint>

#include "engine/builtins.h"
#include "engine/program.h"

namespace arbiter::engine {

// Runs the code at `entry` with request variables and locals in `vars` and a stack of at least
// the range's max_stack values. On success stores the returned value in *result; on an evaluation
// error fills ctx.error and returns false. *mark receives the last top-level conjunct entered.
// `entry` is range.begin, or a rule's fast_entry. ctx.budget must be set: the loops and
// builders charge it, and running past it is an evaluation error (ErrorKind::kBudget).
bool Execute(const Program& program, uint32_t entry, const EvalContext& ctx, Value* vars,
             Value* stack, Value* result, uint32_t* mark);
// The same interpreter with switch dispatch (the portable fallback), for tests.
bool ExecuteSwitch(const Program& program, uint32_t entry, const EvalContext& ctx, Value* vars,
                   Value* stack, Value* result, uint32_t* mark);

}  // namespace arbiter::engine
