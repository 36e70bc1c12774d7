// Compile policies (or load a compiled bundle) once, then decide many times. An Engine is
// immutable and cheap to copy (copies share the compiled program); Decide is const, takes no
// locks and may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arbiter/decision.h>
#include <arbiter/entities.h>
#include <arbiter/request.h>
#include <arbiter/status.h>

namespace arbiter {

namespace engine {
struct Program;
}

// A compiler diagnostic, as the dsl front end reports it.
struct Diagnostic {
  std::string path;
  uint32_t line = 0, column = 0, end_line = 0, end_column = 0;
  std::string severity;  // "error" | "warning"
  std::string code;      // "E0102"
  std::string message;
  std::string formatted;  // "path:line:col: error[E0102]: message\n  <source>\n  ^"
};

struct CompileOptions {
  std::optional<std::string> schema_path;
  std::optional<std::string> schema_text;
};

struct SourceText {
  std::string path;  // a label used in diagnostics
  std::string text;
};

struct RuleInfo {
  std::string id;      // qualified: "package.rule"
  std::string effect;  // "permit" | "forbid"
  std::vector<std::pair<std::string, std::string>> annotations;
  std::optional<std::string> reason;
  std::string file;
  uint32_t line = 0;
};

struct SourceDigest {
  std::string path;
  std::string sha256;  // hex of the file's bytes
};

// How much work one decision may do (spec/language.md, "Evaluation budget"). A decision that
// needs more gets an evaluation error naming the budget in every rule that ran out, so a
// fail-closed forbid denies. 0 means the default (common/limits.h: Limits::eval_steps and
// Limits::eval_bytes), which is what the daemon uses.
struct EvalBudget {
  uint64_t steps = 0;  // quantifier iterations, elements built or scanned, 16-byte text chunks
  uint64_t bytes = 0;  // bytes of sets, records and other values built while deciding
};

struct DecideOptions {
  bool explain = false;
  EvalBudget budget = {};
};

struct CompileResult;

class Engine {
 public:
  // Policy files or folders (a folder = every *.arbiter file below it, sorted).
  static CompileResult Compile(const std::vector<std::string>& paths,
                               const CompileOptions& options = {});
  static CompileResult CompileSources(std::vector<SourceText> sources,
                                      const CompileOptions& options = {});
  // A bundle written by bundle_bytes()/WriteBundle(). A corrupt, truncated or foreign bundle
  // is rejected (Corruption / Unsupported) and never run.
  static Result<Engine> LoadBundle(std::string_view bytes);
  static Result<Engine> LoadBundleFile(const std::string& path);

  const std::string& bundle_bytes() const;
  Status WriteBundle(const std::string& path) const;
  // "sha256:<hex>" of the bundle bytes; identical for a compiled and a loaded engine.
  const std::string& digest() const;
  const std::vector<RuleInfo>& rules() const;
  const std::vector<SourceDigest>& sources() const;
  // The policy texts this engine was compiled from, in the order of sources(); empty for an
  // engine loaded from a bundle (a bundle keeps its sources' digests, not their text).
  const std::vector<SourceText>& source_texts() const;
  // The `@control` annotation values of the rules that determined `decision` (its reasons,
  // which are also the rules of its obligations), sorted, without repeats: the controls a
  // recorded decision falls under. `decision` must come from this engine (or a copy). Clears
  // and refills *out; the views live as long as the engine.
  void Controls(const Decision& decision, std::vector<std::string_view>* out) const;
  // Human-readable bytecode listing with rule ids and source lines.
  std::string Disassemble() const;

  // Decides `request` against `entities`, refilling `*out`. Thread-safe; see decision.h for
  // the lifetime of what *out points to.
  Status Decide(const Request& request, const EntityStore& entities, const DecideOptions& options,
                Decision* out) const;
  // Convenience: parse the request JSON and decide (allocates).
  Result<Decision> DecideJson(std::string_view request_json, const EntityStore& entities,
                              const DecideOptions& options = {}) const;

  // For the engine's own tools (disasm, tests).
  explicit Engine(std::shared_ptr<const engine::Program> program);
  const engine::Program& program() const { return *program_; }

 private:
  std::shared_ptr<const engine::Program> program_;
};

struct CompileResult {
  std::optional<Engine> engine;          // set when compilation succeeded
  std::vector<Diagnostic> diagnostics;   // errors and warnings, sorted by position
  Status status;                         // OK, or why there is no engine
  bool ok() const { return status.ok(); }
  // Every diagnostic's `formatted` text, one after the other.
  std::string FormattedDiagnostics() const;
};

}  // namespace arbiter
