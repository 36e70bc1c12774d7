// The bytecode interpreter. Dispatch is computed-goto on GCC/Clang and a switch elsewhere (or
// when ARBITER_VM_SWITCH is defined); both run the same instruction bodies.
#pragma once

#include <cstdint>

#include "engine/builtins.h"
#include "engine/program.h"

namespace arbiter::engine {

// Runs `range` with request variables and locals in `vars` and a stack of at least
// range.max_stack values. On success stores the returned value in *result; on an evaluation
// error fills ctx.error and returns false. *mark receives the last top-level conjunct entered.
bool Execute(const Program& program, const CodeRange& range, const EvalContext& ctx, Value* vars,
             Value* stack, Value* result, uint32_t* mark);

}  // namespace arbiter::engine
