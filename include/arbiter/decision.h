// The answer to a request. A Decision is meant to be reused: Engine::Decide clears and refills
// it, keeping its capacity, so deciding in a loop allocates nothing after warm-up on the common
// path (no errors, no obligations with computed payloads, no explain).
//
// Lifetime: the string_views point into the Engine that produced the decision; they stay valid
// while that Engine (or any copy of it) is alive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter {

struct DecisionReason {
  std::string_view rule;     // qualified rule id, "package.rule"
  std::string_view message;  // the rule's `reason` text, "" when it has none
};

struct DecisionObligation {
  std::string_view name;
  std::string_view rule;
  bool advice = false;       // advice is informational; obligations must be enforced
  std::string payload_json;  // a JSON object, or "null" when the rule gave no payload
};

struct DecisionError {
  std::string_view rule;
  std::string message;  // e.g. "integer overflow: 9223372036854775807 + 1"
};

// One line of the --explain trace: a rule and what became of it.
struct ExplainStep {
  std::string_view rule;
  std::string_view effect;  // "permit" | "forbid"
  std::string_view outcome;  // "matched" | "not_matched" | "error" | "skipped"
  std::string detail;        // why: the false condition, the error, or the index miss
  std::string_view file;
  uint32_t line = 0;
};

struct Decision {
  bool allow = false;
  // A deny that only a `@fail_closed` package's erroring forbid rules produced (section 7 of
  // spec/language.md): "we could not evaluate", not "the policy said no". `errors` says why.
  bool fail_closed = false;
  std::vector<DecisionReason> reasons;  // the determining rules, in policy order
  std::vector<DecisionObligation> obligations;
  std::vector<DecisionError> errors;    // rules whose condition raised an error
  std::vector<std::string_view> matched;  // every rule whose condition was true (coverage)
  std::string_view bundle;              // "sha256:<hex>" of the bundle that decided
  bool explained = false;
  std::vector<ExplainStep> explain;     // filled when DecideOptions::explain

  void Clear();
  // {"decision":"allow"|"deny","reasons":[{"rule","message"}],"obligations":[{"name","rule",
  //  "advice","payload"}],"errors":[{"rule","message"}],"bundle":"sha256:..."} plus
  // "fail_closed":true when it failed closed and "explain":[...] when explained. Exactly what
  // `arbiter eval` prints.
  std::string ToJson() const;
  void AppendJson(std::string* out) const;
};

}  // namespace arbiter
