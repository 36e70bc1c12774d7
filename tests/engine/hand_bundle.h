// Bundles made by hand for the verifier's hostile tests: a Program assembled word by word and
// serialised exactly as bundle.cc writes it (SerializeProgram), so the digest is right and
// only the verifier stands between the bytes and the VM.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arbiter/arbiter.h>

#include "engine/opcodes.h"
#include "engine/program.h"

namespace arbiter::testing {

inline uint32_t W(engine::Op op) { return static_cast<uint32_t>(op); }

// A program with one rule, "t.r" (permit), whose condition is `code` (opcodes and their
// operand words, from code word 0) with `num_locals` locals. Constants: #0 the int -5,
// #1 the set [1, 2], #2 the entity Group::"g", #3 the string "s".
std::unique_ptr<engine::Program> OneRuleProgram(std::vector<uint32_t> code,
                                                uint32_t num_locals = 0);
// The bundle bytes of `p`, as bundle.cc serialises a program (digest included).
std::string BundleOf(const engine::Program& p);
// The program inside a compiled engine's bundle, loaded afresh so it can be patched.
std::shared_ptr<engine::Program> ProgramOf(const Engine& e);
// Recomputes the trailing SHA-256 digest after bytes of the header or payload were changed.
void FixDigest(std::string* bundle);
// Loads `bundle` and, if it loads, decides `request_json` (with and without explain) and
// disassembles it: what a hostile bundle reaching the daemon or the CLI would go through.
// Returns the load status.
Status LoadDecideDisassemble(const std::string& bundle, const std::string& request_json,
                             const EntityStore& entities);

}  // namespace arbiter::testing
