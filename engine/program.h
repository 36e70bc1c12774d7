// A compiled policy set: constants, strings, bytecode per rule, rule metadata and the rule
// index. Built by the compiler or read from a bundle; immutable afterwards and shared by every
// thread that decides with it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <arbiter/engine.h>

#include "engine/arena.h"
#include "engine/builtins.h"
#include "engine/rule_index.h"
#include "engine/value.h"

namespace arbiter::engine {

enum class RuleEffect : uint8_t { kPermit, kForbid };

// A piece of code: [begin, end) in Program::code, with the stack depth it needs.
struct CodeRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t max_stack = 0;
};

struct ObligationMeta {
  std::string name;
  bool advice = false;
  bool has_payload = false;
  CodeRange code;                       // evaluates the payload record
  std::optional<std::string> constant;  // the payload's JSON when it is a constant
};

// A top-level conjunct of a condition, for the explain trace.
struct ConjunctMeta {
  uint32_t line = 0;
  std::string text;  // the source text, shortened
};

struct RuleMeta {
  std::string qualified_id;
  std::string id;
  std::string package;
  RuleEffect effect = RuleEffect::kPermit;
  bool fail_closed = false;
  std::optional<std::string> reason;
  std::vector<std::pair<std::string, std::string>> annotations;
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t num_locals = 0;
  CodeRange code;  // the condition
  // Where to start when the rule index verified the covered leading conjuncts (IndexKey::covered):
  // the Mark of the first uncovered conjunct, or a `PushTrue; Return` stub when all are covered.
  uint32_t fast_entry = 0;
  std::vector<ObligationMeta> obligations;
  std::vector<ConjunctMeta> conjuncts;
  IndexKey index_key;
};

struct Program {
  Arena arena;                         // owns every constant object
  std::vector<Value> constants;        // deduplicated
  std::vector<std::string> strings;    // attribute names, entity types (deduplicated)
  std::vector<std::string> pattern_texts;  // like globs as written, for the bundle
  std::vector<LikePattern> patterns;
  std::vector<std::vector<uint32_t>> shapes;  // record key lists (string indices)
  std::vector<uint32_t> code;
  std::vector<RuleMeta> rules;
  std::vector<SourceDigest> sources;
  // The texts `sources` were compiled from (same order). Not part of the bundle: empty for a
  // program loaded from one.
  std::vector<SourceText> source_texts;
  uint32_t max_locals = 0;             // over all rules (kFirstLocalSlot not included)
  uint32_t max_stack = 0;

  // Views of `strings` and the record shapes, made by FinishProgram once strings are final.
  std::vector<std::string_view> string_views;
  std::vector<std::vector<std::string_view>> shape_views;

  RuleIndex index;
  std::string bundle;  // serialized form (bundle.cc)
  std::string digest;  // "sha256:<hex>" of bundle
  std::vector<RuleInfo> rule_infos;
  // Each rule's @control annotation values in source order (parallel to `rules`), and the
  // rule index of each qualified id: what Engine::Controls reads to put controls on the record.
  std::vector<std::vector<std::string>> rule_controls;
  std::unordered_map<std::string_view, uint32_t> rule_by_id;
  // Per code word, set by the verifier: 1 where it proved a reachable instruction starts. The
  // disassembler shows only those; words no entry reaches were never checked. (Last, so the
  // fields the decision path reads keep their places.)
  std::vector<uint8_t> verified_starts;
};

// Fills rule_infos, builds the index and serializes the bundle and digest: the steps shared
// by compiling and loading.
Status FinishProgram(Program* program, bool serialize);

}  // namespace arbiter::engine
