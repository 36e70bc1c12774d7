// The bytecode verifier against hand-made hostile bundles: each has a correct digest and a
// well-formed payload, so only the verifier stands between its bytes and the VM, the rule
// index and the disassembler. Each case names the rule it breaks (spec/bytecode.md, "Verifier").
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/bundle.h"
#include "engine/opcodes.h"
#include "tests/engine/hand_bundle.h"
#include "tests/engine/test_support.h"

using namespace arbiter;
using namespace arbiter::testing;
using engine::Op;

namespace {

// Loads the one-rule program with `code`; returns "" when it loads, else the error message.
std::string LoadError(const engine::Program& p) {
  auto r = Engine::LoadBundle(BundleOf(p));
  if (r.ok()) return "";
  CHECK(r.status().code() == StatusCode::kCorruption);
  return r.status().message();
}
std::string LoadError(std::vector<uint32_t> code, uint32_t num_locals = 0) {
  return LoadError(*OneRuleProgram(std::move(code), num_locals));
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// `any x in S : false` as the compiler emits it, with `prefix` computing S and the iterator:
// the prefix must leave [set, iterator]. x is local 0 (slot 4).
std::vector<uint32_t> AnyLoop(std::vector<uint32_t> prefix) {
  uint32_t b = static_cast<uint32_t>(prefix.size());
  std::vector<uint32_t> loop = {
      W(Op::kIterNext), 4, b + 10,  // b: x = S[i], or leave the loop
      W(Op::kPushFalse),            // the body
      W(Op::kIterAny), b,           // false: next element
      W(Op::kIterEnd), W(Op::kPushTrue), W(Op::kJump), b + 12,
      W(Op::kIterEnd), W(Op::kPushFalse),  // b + 10: the loop ran out
      W(Op::kReturn)};                     // b + 12
  prefix.insert(prefix.end(), loop.begin(), loop.end());
  return prefix;
}

// tests/engine/testdata/NAME holds `bytes`, for cli_test.sh (arbiter disasm / eval on hostile
// bundles). ARBITER_WRITE_FIXTURES=1 rewrites it, after a change to the bundle format.
void CheckFixture(const std::string& name, const std::string& bytes) {
  std::string path = std::string(ARBITER_SOURCE_DIR) + "/tests/engine/testdata/" + name;
  if (std::getenv("ARBITER_WRITE_FIXTURES")) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  INFO(path << " is stale: run with ARBITER_WRITE_FIXTURES=1");
  CHECK(text.str() == bytes);
}

}  // namespace

TEST_CASE("a correct hand-made bundle loads and decides") {
  auto p = OneRuleProgram({W(Op::kPushTrue), W(Op::kReturn)});
  auto e = Engine::LoadBundle(BundleOf(*p));
  REQUIRE(e.ok());
  CHECK(DecideOrDie(*e, SimpleRequest()).allow);
  CHECK(LoadError(AnyLoop({W(Op::kPushConst), 1, W(Op::kIterStart)}), 1) == "");
  Decision d = DecideOrDie(*Engine::LoadBundle(BundleOf(*OneRuleProgram(
                               AnyLoop({W(Op::kPushConst), 1, W(Op::kIterStart)}), 1))),
                           SimpleRequest());
  CHECK_FALSE(d.allow);
  CHECK(d.errors.empty());
}

TEST_CASE("IterNext gets exactly a set and an iterator") {
  // Two ints: IterNext would read an int as a set pointer.
  std::string two_ints = LoadError(AnyLoop({W(Op::kPushConst), 0, W(Op::kPushConst), 0}), 1);
  CHECK(Contains(two_ints, "IterNext"));
  CHECK(Contains(two_ints, "expects set, got int"));
  // A set and the constant -5: IterNext would read set[-5].
  std::string negative = LoadError(AnyLoop({W(Op::kPushConst), 1, W(Op::kPushConst), 0}), 1);
  CHECK(Contains(negative, "expects iterator, got int"));
  // A set made at run time is still not an iterator.
  std::string made = LoadError(
      AnyLoop({W(Op::kPushTrue), W(Op::kMakeSet), 1, W(Op::kPushConst), 0}), 1);
  CHECK(Contains(made, "expects iterator, got int"));
}

TEST_CASE("an iterator never leaves its loop's stack slots") {
  // StoreLocal of an iterator: a later LoadVar would hand an index to any op.
  std::string stored =
      LoadError({W(Op::kPushConst), 1, W(Op::kIterStart), W(Op::kStoreLocal), 4, W(Op::kReturn)},
                1);
  CHECK(Contains(stored, "StoreLocal expects a value, got iterator"));
  // An iterator as an operand of Eq.
  std::string compared = LoadError({W(Op::kPushConst), 1, W(Op::kIterStart), W(Op::kEq),
                                    W(Op::kReturn)});
  CHECK(Contains(compared, "Eq expects a value, got iterator"));
}

TEST_CASE("a local is assigned on every path before it is read") {
  CHECK(Contains(LoadError({W(Op::kLoadVar), 4, W(Op::kReturn)}, 1),
                 "local 0 is read before it is assigned"));
  // Assigned on one branch of an if only.
  std::vector<uint32_t> one_branch = {W(Op::kPushTrue), W(Op::kJumpIfFalse), 6,
                                      W(Op::kPushTrue), W(Op::kStoreLocal), 4,
                                      W(Op::kLoadVar), 4, W(Op::kReturn)};
  CHECK(Contains(LoadError(one_branch, 1), "local 0 is read before it is assigned"));
  // Assigned first: loads.
  CHECK(LoadError({W(Op::kPushTrue), W(Op::kStoreLocal), 4, W(Op::kLoadVar), 4, W(Op::kReturn)},
                  1) == "");
  // The fused `local in constant` reads the local too.
  CHECK(Contains(LoadError({W(Op::kVarInConst), 4, 2, W(Op::kReturn)}, 1),
                 "local 0 is read before it is assigned"));
  // The loop variable is assigned inside the loop, not after it.
  std::vector<uint32_t> after_loop = AnyLoop({W(Op::kPushConst), 1, W(Op::kIterStart)});
  after_loop.back() = W(Op::kEq);  // the result == x, where x may never have been assigned
  after_loop.insert(after_loop.end() - 1, {W(Op::kLoadVar), 4});
  after_loop.push_back(W(Op::kReturn));
  CHECK(Contains(LoadError(after_loop, 1), "before it is assigned"));
}

TEST_CASE("negative and huge constant / string / pattern / shape indices in the code") {
  CHECK(Contains(LoadError({W(Op::kPushConst), 0xFFFFFFFFu, W(Op::kReturn)}), "constant index"));
  CHECK(Contains(LoadError({W(Op::kVarInConst), 0, 0xFFFFFFFEu, W(Op::kReturn)}),
                 "constant index"));
  CHECK(Contains(LoadError({W(Op::kLoadVar), 0, W(Op::kGetAttr), 0xFFFFFFFFu, W(Op::kReturn)}),
                 "string index"));
  CHECK(Contains(LoadError({W(Op::kLoadVar), 0, W(Op::kIs), 2, W(Op::kReturn)}), "string index"));
  CHECK(Contains(LoadError({W(Op::kLoadVar), 0, W(Op::kLike), 1, W(Op::kReturn)}),
                 "pattern index"));
  CHECK(Contains(LoadError({W(Op::kPushTrue), W(Op::kPushTrue), W(Op::kMakeRecord), 0xFFFFFFFFu,
                            W(Op::kReturn)}),
                 "record shape"));
  CHECK(Contains(LoadError({W(Op::kLoadVar), 0xFFFFFFFFu, W(Op::kReturn)}), "slot"));
}

TEST_CASE("sets and records take no more values than the stack holds") {
  CHECK(Contains(LoadError({W(Op::kPushTrue), W(Op::kMakeSet), 2, W(Op::kReturn)}),
                 "stack underflow"));
  CHECK(Contains(LoadError({W(Op::kPushTrue), W(Op::kMakeSet), 0xFFFFFFFFu, W(Op::kReturn)}),
                 "count"));
  // Shape 0 has two keys.
  CHECK(Contains(LoadError({W(Op::kPushTrue), W(Op::kMakeRecord), 0, W(Op::kReturn)}),
                 "stack underflow"));
  CHECK(Contains(LoadError({W(Op::kLoadVar), 0, W(Op::kCallMethod), 0, 1, W(Op::kReturn)}),
                 "stack underflow"));
}

TEST_CASE("a shape key past the string table is rejected") {
  auto p = OneRuleProgram({W(Op::kPushTrue), W(Op::kReturn)});
  p->shapes = {{0xFFFFFFFFu}};
  CHECK(Contains(LoadError(*p), "shape key out of range"));
}

TEST_CASE("jumps land on instruction starts and go forward; only loops go back") {
  // Into the operand of PushConst (word 4).
  CHECK(Contains(LoadError({W(Op::kPushFalse), W(Op::kJumpIfFalse), 4, W(Op::kPushConst), 0,
                            W(Op::kReturn)}),
                 "middle of an instruction"));
  // A backward Jump would loop for ever.
  CHECK(Contains(LoadError({W(Op::kPushTrue), W(Op::kJumpIfFalse), 3, W(Op::kJump), 0}),
                 "backward"));
  // A loop back edge must go to the IterNext of its own iterator: here the body drops the
  // iterator and starts a fresh one, so the loop would never end.
  std::vector<uint32_t> reset = {W(Op::kPushConst), 1, W(Op::kIterStart),
           W(Op::kIterNext), 4, 13,
           W(Op::kIterEnd), W(Op::kPushConst), 1, W(Op::kIterStart),
           W(Op::kPushFalse), W(Op::kIterAny), 3,
           W(Op::kIterEnd), W(Op::kPushFalse), W(Op::kReturn)};
  CHECK(Contains(LoadError(reset, 1), "iterator"));
  // A loop back edge to something other than an IterNext.
  std::vector<uint32_t> not_iter = AnyLoop({W(Op::kPushConst), 1, W(Op::kIterStart)});
  not_iter[3 + 5] = 0;  // IterAny -> 0 (PushConst)
  CHECK(Contains(LoadError(not_iter, 1), "IterNext"));
}

TEST_CASE("a fast entry inside an instruction is rejected") {
  Engine e = CompileOrDie("permit p { when action == Action::\"read\" && subject.level > 2 }");
  auto p = ProgramOf(e);
  REQUIRE(p);
  REQUIRE(p->rules[0].index_key.covered > 0);
  p->rules[0].fast_entry += 1;
  CHECK(Contains(LoadError(*p), "instruction"));
}

TEST_CASE("the rule index's attribute constant is checked (negative indices included)") {
  Engine e = CompileOrDie("permit p { when context.tier == \"gold\" && context.n > 1 }");
  auto p = ProgramOf(e);
  REQUIRE(p);
  engine::IndexKey& k = p->rules[0].index_key;
  REQUIRE(k.attr_var >= 0);
  REQUIRE(k.attr_const >= 0);
  SECTION("negative") {
    k.attr_const = -3;
    CHECK(Contains(LoadError(*p), "index"));
    CheckFixture("negative-index-key.bundle", BundleOf(*p));
  }
  SECTION("-1 with an attribute variable") {
    k.attr_const = -1;
    CHECK(Contains(LoadError(*p), "index"));
  }
  SECTION("past the end") {
    k.attr_const = static_cast<int32_t>(p->constants.size());
    CHECK(Contains(LoadError(*p), "index"));
  }
  SECTION("a constant the index cannot hash") {
    p->constants.push_back(engine::MakeSet(&p->arena, nullptr, 0));
    k.attr_const = static_cast<int32_t>(p->constants.size() - 1);
    CHECK(Contains(LoadError(*p), "index"));
  }
  SECTION("a variable that is not a request variable") {
    k.attr_var = -7;
    CHECK(Contains(LoadError(*p), "index"));
  }
}

TEST_CASE("code ranges of different rules do not overlap") {
  auto p = OneRuleProgram({W(Op::kPushTrue), W(Op::kReturn)});
  engine::RuleMeta copy = p->rules[0];
  copy.qualified_id = "t.r2";
  p->rules.push_back(copy);
  CHECK(Contains(LoadError(*p), "overlap"));
}

TEST_CASE("unreachable garbage after verified code is neither verified nor disassembled") {
  std::vector<uint32_t> code = {W(Op::kPushTrue), W(Op::kReturn),
                                W(Op::kPushConst), 0xFFFFFFFFu,  // unreachable, out of range
                                W(Op::kGetAttr), 0xFFFFFFFFu};
  auto e = Engine::LoadBundle(BundleOf(*OneRuleProgram(code)));
  REQUIRE(e.ok());
  CHECK(DecideOrDie(*e, SimpleRequest()).allow);
  std::string text = e->Disassemble();
  CHECK(Contains(text, "PushTrue"));
  CHECK(Contains(text, "Return"));
  CHECK_FALSE(Contains(text, "PushConst"));
  CHECK_FALSE(Contains(text, "GetAttr"));
  CHECK(Contains(text, "4 words not reached"));
  CheckFixture("unreachable-garbage.bundle", BundleOf(*OneRuleProgram(code)));
  code.push_back(12345);  // not even an opcode
  CHECK(Engine::LoadBundle(BundleOf(*OneRuleProgram(code))).ok());
}

TEST_CASE("a bundle whose verified state would not fit the verifier's budget is rejected") {
  // 4,000 values on the stack, then 20,000 jumps each to the next: every jump target carries
  // the whole stack, far more than any compiled policy.
  std::vector<uint32_t> code;
  for (int i = 0; i < 4000; ++i) code.push_back(W(Op::kPushTrue));
  for (int i = 0; i < 20000; ++i) {
    code.push_back(W(Op::kJump));
    code.push_back(static_cast<uint32_t>(code.size() + 1));
  }
  code.push_back(W(Op::kMakeSet));
  code.push_back(3999);
  code.push_back(W(Op::kEq));
  code.push_back(W(Op::kReturn));
  CHECK(Contains(LoadError(code), "too complex"));
}

TEST_CASE("an obligation's constant payload must be JSON: decisions copy it verbatim") {
  Engine e = CompileOrDie("permit p { when true obligation log { level: \"x\" } }");
  auto p = ProgramOf(e);
  REQUIRE(p);
  REQUIRE(p->rules[0].obligations.at(0).constant);
  CHECK(LoadError(*p) == "");
  p->rules[0].obligations[0].constant = "{\"level\":\"x\"}, \"allow\": true";
  CHECK(Contains(LoadError(*p), "not JSON"));
}
