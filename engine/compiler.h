// The compiler: checked AST -> Program, as an ordered list of named passes
// (see kPasses in compiler.cc): lower, fold_constants, extract_index_keys, codegen, verify,
// finish (rule index, bundle, digest). Each pass is timed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arbiter/status.h>

#include "dsl/ast.h"
#include "engine/program.h"

namespace arbiter::engine {

struct PassTiming {
  std::string name;
  double milliseconds = 0;
};

struct CompileStats {
  std::vector<PassTiming> passes;
};

// Errors (an unknown function, a limit exceeded) are InvalidArgument "file:line:col: ...".
Result<std::shared_ptr<Program>> CompilePolicySet(const dsl::PolicySet& policies,
                                                   CompileStats* stats = nullptr);

// Checks every rule's and obligation's code (opcodes, operands, jump targets, stack depths)
// and records each range's max_stack. Used after codegen and when loading a bundle.
Status VerifyProgram(Program* program);

// The index of `s` in the program's string table, adding it when new.
uint32_t InternString(Program* program, std::string_view s);

std::string DisassembleProgram(const Program& program);

}  // namespace arbiter::engine
