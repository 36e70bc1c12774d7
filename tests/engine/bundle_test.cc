// Bundles: round trip, identical digest, and rejection of damaged, truncated or foreign bytes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <set>

#include "engine/bundle.h"
#include "engine/compiler.h"
#include "engine/opcodes.h"
#include "tests/engine/test_support.h"

using namespace arbiter;
using namespace arbiter::testing;

namespace {
const char* kPolicy = R"(
  package app;
  @control("A.1")
  permit p {
    when action == Action::"read" && resource is Doc && subject.level > 2
      && context.ip.isInRange(ip(context.net)) && subject.name like "A*"
      && (let n = subject.level in n * 2 + 1 - 1 >= 6)
      && any t in subject.tags : t == "x"
      && all t in subject.tags : t != "" || true
      && !(subject in Group::"banned")
      && (if subject has flag then subject.flag else true)
      && [1, subject.level].contains(3) && {a: subject.level}.a == 3
      && decimal("1.5").lessThan(context.d) && -subject.level < 0
      && context.d != 0.0 && datetime("2026-01-01") <= context.t
    reason "readers"
    obligation log { who: subject.name, level: "x" }
  }
  forbid f { when subject is User in Group::"banned" }
)";
const char* kEntities = R"([
  {"uid":{"type":"User","id":"alice"},"attrs":{"level":3,"name":"Alice","tags":["x"]}},
  {"uid":{"type":"Group","id":"banned"}}])";
std::string TestRequest() {
  return SimpleRequest("read", R"({"ip":{"__extn":{"fn":"ip","arg":"10.1.1.1"}},"d":2.0,"net":"10.0.0.0/8",
    "t":{"__extn":{"fn":"datetime","arg":"2026-06-01"}}})");
}
}  // namespace

TEST_CASE("a bundle round-trips with the same digest and the same decisions") {
  Engine compiled = CompileOrDie(kPolicy);
  auto loaded = Engine::LoadBundle(compiled.bundle_bytes());
  REQUIRE(loaded.ok());
  CHECK(loaded->digest() == compiled.digest());
  CHECK(loaded->bundle_bytes() == compiled.bundle_bytes());
  CHECK(loaded->Disassemble() == compiled.Disassemble());
  Decision a = DecideOrDie(compiled, TestRequest(), kEntities);
  Decision b = DecideOrDie(*loaded, TestRequest(), kEntities);
  CHECK(a.allow);
  CHECK(a.errors.empty());
  CHECK(a.ToJson() == b.ToJson());
  REQUIRE(loaded->rules().size() == 2);
  CHECK(loaded->rules()[0].id == "app.p");
  CHECK(loaded->rules()[0].annotations[0] == std::make_pair(std::string("control"), std::string("A.1")));
  CHECK(loaded->sources().size() == 1);
  CHECK(loaded->sources()[0].sha256.size() == 64);
}

TEST_CASE("compiling twice gives the same bundle bytes") {
  CHECK(CompileOrDie(kPolicy).bundle_bytes() == CompileOrDie(kPolicy).bundle_bytes());
}

TEST_CASE("the test policy uses every opcode") {
  Engine e = CompileOrDie(kPolicy);
  const engine::Program& p = e.program();
  std::set<uint32_t> seen;
  for (uint32_t pc = 0; pc < p.code.size();) {
    seen.insert(p.code[pc]);
    pc += 1 + engine::OperandWords(engine::kOpInfo[p.code[pc]].operands);
  }
  for (uint32_t op = 0; op < static_cast<uint32_t>(engine::Op::kNumOps); ++op) {
    auto o = static_cast<engine::Op>(op);
    if (o == engine::Op::kOrJump || o == engine::Op::kJump ||
        o == engine::Op::kNe || o == engine::Op::kCallFn || o == engine::Op::kIterAll ||
        o == engine::Op::kHasAttr || o == engine::Op::kMakeRecord || o == engine::Op::kMakeSet) {
      continue;  // checked below, one by one
    }
    INFO(engine::kOpInfo[op].name);
    CHECK(seen.count(op) == 1);
  }
  for (auto o : {engine::Op::kOrJump, engine::Op::kJump, engine::Op::kNe, engine::Op::kCallFn,
                 engine::Op::kIterAll, engine::Op::kHasAttr, engine::Op::kMakeRecord,
                 engine::Op::kMakeSet}) {
    INFO(engine::InfoOf(o).name);
    CHECK(seen.count(static_cast<uint32_t>(o)) == 1);
  }
}

TEST_CASE("every damaged byte is rejected with Corruption") {
  std::string bytes = CompileOrDie(kPolicy).bundle_bytes();
  // Flip each byte (a stride keeps the test quick on big bundles).
  for (size_t i = 0; i < bytes.size(); i += 1 + bytes.size() / 400) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x41);
    auto r = Engine::LoadBundle(bad);
    INFO("byte " << i);
    REQUIRE_FALSE(r.ok());
    CHECK((r.status().code() == StatusCode::kCorruption ||
           r.status().code() == StatusCode::kUnsupported));
  }
}

TEST_CASE("a truncated bundle is rejected") {
  std::string bytes = CompileOrDie(kPolicy).bundle_bytes();
  for (size_t len : {size_t{0}, size_t{7}, size_t{24}, bytes.size() / 2, bytes.size() - 1}) {
    auto r = Engine::LoadBundle(std::string_view(bytes).substr(0, len));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kCorruption);
  }
  auto r = Engine::LoadBundle(bytes.substr(0, bytes.size() - 1));
  CHECK(r.status().message().find("truncated") != std::string::npos);
  auto extra = Engine::LoadBundle(bytes + "x");
  CHECK_FALSE(extra.ok());
}

TEST_CASE("a newer format version is Unsupported") {
  std::string bytes = CompileOrDie(kPolicy).bundle_bytes();
  bytes[8] = 2;
  auto r = Engine::LoadBundle(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnsupported);
}

TEST_CASE("a bundle with a valid digest but bad bytecode is rejected by the verifier") {
  Engine e = CompileOrDie(kPolicy);
  auto program = engine::DeserializeProgram(e.bundle_bytes());
  REQUIRE(program.ok());
  engine::Program& p = **program;
  auto reserialize_and_load = [&](const engine::Program& prog) {
    return Engine::LoadBundle(engine::SerializeProgram(prog));
  };
  SECTION("unknown opcode") {
    p.code[0] = 999;
    CHECK(reserialize_and_load(p).status().message().find("unknown opcode") != std::string::npos);
  }
  SECTION("constant out of range") {
    for (uint32_t pc = 0; pc < p.code.size();) {
      if (p.code[pc] == static_cast<uint32_t>(engine::Op::kPushConst)) {
        p.code[pc + 1] = 100000;
        break;
      }
      pc += 1 + engine::OperandWords(engine::kOpInfo[p.code[pc]].operands);
    }
    CHECK(reserialize_and_load(p).status().message().find("constant index") != std::string::npos);
  }
  SECTION("jump out of the rule") {
    for (uint32_t pc = 0; pc < p.code.size();) {
      if (p.code[pc] == static_cast<uint32_t>(engine::Op::kAndJump)) {
        p.code[pc + 1] = static_cast<uint32_t>(p.code.size() + 5);
        break;
      }
      pc += 1 + engine::OperandWords(engine::kOpInfo[p.code[pc]].operands);
    }
    CHECK(reserialize_and_load(p).status().message().find("not an instruction") != std::string::npos);
  }
  SECTION("stack underflow") {
    p.code[p.rules[0].code.begin] = static_cast<uint32_t>(engine::Op::kEq);
    p.code[p.rules[0].code.begin + 1] = static_cast<uint32_t>(engine::Op::kEq);
    auto r = reserialize_and_load(p);
    CHECK(r.status().message().find("stack underflow") != std::string::npos);
  }
  SECTION("a variable slot beyond the rule's locals") {
    for (uint32_t pc = 0; pc < p.code.size();) {
      if (p.code[pc] == static_cast<uint32_t>(engine::Op::kLoadVar)) {
        p.code[pc + 1] = 4000;
        break;
      }
      pc += 1 + engine::OperandWords(engine::kOpInfo[p.code[pc]].operands);
    }
    CHECK(reserialize_and_load(p).status().message().find("slot") != std::string::npos);
  }
}

TEST_CASE("bundle files: write, load, missing file") {
  Engine e = CompileOrDie(kPolicy);
  std::string path = std::string(ARBITER_BINARY_DIR) + "/engine_bundle_test.bundle";
  REQUIRE(e.WriteBundle(path).ok());
  auto loaded = Engine::LoadBundleFile(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->digest() == e.digest());
  std::remove(path.c_str());
  CHECK(Engine::LoadBundleFile(path).status().code() == StatusCode::kNotFound);
}
