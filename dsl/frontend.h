// The policy language front end: source text -> checked AST (dsl/ast.h), with diagnostics
// that carry stable codes (spec/errors.md) and positions, plus the canonical formatter.
// Nothing here throws; every problem in the input is a Diagnostic.
#pragma once

#include <arbiter/status.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"

namespace arbiter::dsl {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string code;  // "E0102"; the list is in spec/errors.md
  Severity severity = Severity::kError;
  std::string message;
  Span span;  // file index into the SourceSet of the load
};

struct FrontendOptions {
  // An optional schema (spec/language.md, "Schema"): a file, or its text. When both are set
  // the text wins and the path labels diagnostics.
  std::optional<std::string> schema_path;
  std::optional<std::string> schema_text;
};

struct FrontendResult {
  PolicySet policies;                   // usable only when ok()
  std::vector<Diagnostic> diagnostics;  // sorted by file, line, column
  bool ok() const;                      // no error-severity diagnostics
};

// Files or folders (a folder = every *.arbiter file below it, sorted by path). A schema given
// in the options is added to policies.sources after the policy files, so diagnostics in it
// have a file index too.
FrontendResult LoadPolicyFiles(const std::vector<std::string>& paths,
                               const FrontendOptions& options = {});
// In-memory sources (playground, tests); path is a label used in diagnostics.
FrontendResult LoadPolicySources(std::vector<SourceFile> sources,
                                 const FrontendOptions& options = {});

// "path:line:col: error[E0102]: message\n  <source line>\n  <caret>"
std::string FormatDiagnostic(const Diagnostic& diagnostic, const SourceSet& sources);
// [{"path","line","column","end_line","end_column","severity","code","message"}]
nlohmann::json DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics,
                                 const SourceSet& sources);

// The formatter: the canonical layout of a policy file (spec/language.md, "Layout").
// Comments are kept. Fails with InvalidArgument (the diagnostics, formatted) when the text
// does not parse.
Result<std::string> FormatSource(std::string_view text, std::string_view path);

}  // namespace arbiter::dsl
