// The front end's entry points: read files, run the stages in order (lexical scan, parse,
// lower, cross-file checks, type check), collect and sort diagnostics.
#include "dsl/frontend.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "dsl/checker.h"
#include "dsl/lower.h"
#include "dsl/parser.h"
#include "dsl/schema.h"
#include "dsl/source_text.h"

namespace arbiter::dsl {

bool FrontendResult::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(),
                      [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

namespace {

namespace fs = std::filesystem;

// Parses and lowers one policy file into `out`; returns false when it had errors.
void LoadOne(FileId file, const SourceFile& source, PolicySet* out,
             std::vector<Diagnostic>* diagnostics) {
  LineIndex index(source.text);
  DiagnosticSink sink(file, index, diagnostics);
  if (source.text.size() > kMaxSourceBytes) {
    sink.Error("E0501", 0, 0,
               "file too large: " + std::to_string(source.text.size()) +
                   " bytes (the limit is " + std::to_string(kMaxSourceBytes) + " bytes)");
    return;
  }
  CstFile cst;
  if (!ScanLexical(source.text, sink, &cst.comments)) return;
  ParsePolicyText(source.text, &cst, sink);
  if (cst.decls.empty() && sink.error_count() == 0) {
    sink.Error("E0111", 0, 0,
               source.text.empty() ? "empty policy file: expected a package, rule or test"
                                   : "policy file has no declarations (only comments or "
                                     "whitespace): expected a package, rule or test");
    return;
  }
  LowerFile(cst, source.text, sink, out);
}

std::string Where(const SourceSet& sources, const Span& span) {
  return sources.files[span.file].path + ":" + std::to_string(span.line) + ":" +
         std::to_string(span.column);
}

// Checks across files: qualified rule ids and test names are unique; the rules a test
// expects exist.
void CheckSet(const PolicySet& set, std::vector<Diagnostic>* diagnostics) {
  std::unordered_map<std::string, const Rule*> rules;
  for (const Rule& rule : set.rules) {
    auto [it, inserted] = rules.emplace(rule.qualified_id, &rule);
    if (!inserted) {
      Span at = rule.span;
      diagnostics->push_back({"E0205", Severity::kError,
                              "duplicate rule id `" + rule.qualified_id +
                                  "` (first defined at " + Where(*set.sources, it->second->span) +
                                  ")",
                              at});
    }
  }
  std::unordered_map<std::string, const TestCase*> tests;
  for (const TestCase& test : set.tests) {
    std::string key = test.package + "." + test.name;
    auto [it, inserted] = tests.emplace(key, &test);
    if (!inserted) {
      diagnostics->push_back({"E0207", Severity::kError,
                              "duplicate test name `" + test.name + "` (first defined at " +
                                  Where(*set.sources, it->second->span) + ")",
                              test.span});
    }
    for (const auto* ids : {&test.expect_reasons, &test.expect_errors}) {
      if (!*ids) continue;
      for (const std::string& id : **ids) {
        if (!rules.count(id)) {
          diagnostics->push_back({"E0208", Severity::kError,
                                  "test `" + test.name + "` expects unknown rule `" + id + "`",
                                  test.span});
        }
      }
    }
  }
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::InvalidArgument(path + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::ostringstream data;
  // Read at most one byte past the limit: the size check reports the rest.
  std::string buffer(1 << 16, '\0');
  size_t total = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    data.write(buffer.data(), got);
    total += static_cast<size_t>(got);
    if (total > kMaxSourceBytes) break;
  }
  if (in.bad()) return Status::IOError("cannot read " + path);
  return data.str();
}

void SortDiagnostics(std::vector<Diagnostic>* diagnostics) {
  std::stable_sort(diagnostics->begin(), diagnostics->end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.span.file, a.span.line, a.span.column) <
                            std::tie(b.span.file, b.span.line, b.span.column);
                   });
}

}  // namespace

FrontendResult LoadPolicySources(std::vector<SourceFile> sources,
                                 const FrontendOptions& options) {
  FrontendResult result;
  auto set = std::make_shared<SourceSet>();
  set->files = std::move(sources);
  const size_t policy_files = set->files.size();

  std::optional<Schema> schema;
  if (options.schema_text || options.schema_path) {
    SourceFile schema_file;
    schema_file.path = options.schema_path.value_or("<schema>");
    if (options.schema_text) {
      schema_file.text = *options.schema_text;
    } else {
      auto text = ReadFile(*options.schema_path);
      if (!text.ok()) {
        set->files.push_back(std::move(schema_file));
        result.diagnostics.push_back({"E0100", Severity::kError, text.status().message(),
                                      Span{static_cast<FileId>(set->files.size() - 1)}});
      } else {
        schema_file.text = std::move(*text);
      }
    }
    if (result.diagnostics.empty()) {
      set->files.push_back(std::move(schema_file));
      FileId id = static_cast<FileId>(set->files.size() - 1);
      set->schema = id;
      schema = ParseSchema(id, set->files.back().text, &result.diagnostics);
    }
  }

  result.policies.sources = set;
  for (size_t i = 0; i < policy_files; ++i) {
    LoadOne(static_cast<FileId>(i), set->files[i], &result.policies, &result.diagnostics);
  }
  CheckSet(result.policies, &result.diagnostics);
  CheckTypes(result.policies, schema ? &*schema : nullptr, &result.diagnostics);
  SortDiagnostics(&result.diagnostics);
  return result;
}

FrontendResult LoadPolicyFiles(const std::vector<std::string>& paths,
                               const FrontendOptions& options) {
  std::vector<SourceFile> sources;
  std::vector<Diagnostic> read_errors;
  auto add = [&](const std::string& path) {
    auto text = ReadFile(path);
    sources.push_back({path, text.ok() ? std::move(*text) : std::string()});
    if (!text.ok()) {
      read_errors.push_back({"E0100", Severity::kError, text.status().message(),
                             Span{static_cast<FileId>(sources.size() - 1), 0, 0, 0, 0}});
    }
  };
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".arbiter") {
          files.push_back(it->path().string());
        }
      }
    } else {
      files.push_back(path);
    }
  }
  // Files in the order of their absolute paths, whatever the order of the arguments, so the
  // rules (and the bundle built from them) come out the same however the files were named.
  auto absolute = [](const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(fs::path(path), ec);
    return (ec ? fs::path(path) : p).lexically_normal().generic_string();
  };
  std::vector<std::pair<std::string, std::string>> keyed;
  for (const std::string& f : files) keyed.emplace_back(absolute(f), f);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, f] : keyed) add(f);
  // Files that could not be read are kept (empty) so the diagnostics have a path; they must
  // not also be reported as empty files.
  std::vector<bool> unreadable(sources.size(), false);
  for (const auto& d : read_errors) unreadable[d.span.file] = true;
  FrontendResult result;
  if (read_errors.empty()) return LoadPolicySources(std::move(sources), options);
  std::vector<SourceFile> readable;
  std::vector<FileId> map;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!unreadable[i]) readable.push_back(sources[i]);
  }
  result = LoadPolicySources(std::move(readable), options);
  // Put the unreadable files back at the end of the source set with their errors.
  auto set = std::make_shared<SourceSet>(*result.policies.sources);
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!unreadable[i]) continue;
    set->files.push_back({sources[i].path, ""});
    for (auto& d : read_errors) {
      if (d.span.file == i) {
        Diagnostic moved = d;
        moved.span.file = static_cast<FileId>(set->files.size() - 1);
        moved.message = "cannot read " + sources[i].path + ": " + d.message;
        result.diagnostics.push_back(std::move(moved));
      }
    }
  }
  result.policies.sources = set;
  SortDiagnostics(&result.diagnostics);
  return result;
}

std::string FormatDiagnostic(const Diagnostic& d, const SourceSet& sources) {
  const SourceFile* file = d.span.file < sources.files.size() ? &sources.files[d.span.file]
                                                              : nullptr;
  std::string out = file ? file->path : "<unknown>";
  if (d.span.line > 0) {
    out += ":" + std::to_string(d.span.line) + ":" + std::to_string(d.span.column);
  }
  out += d.severity == Severity::kError ? ": error[" : ": warning[";
  out += d.code + "]: " + d.message;
  if (file && d.span.line > 0) {
    LineIndex index(file->text);
    std::string_view line = index.Line(d.span.line);
    // Keep the caret line aligned under tabs; clip very long lines.
    constexpr size_t kMaxShown = 200;
    size_t col = d.span.column - 1;
    size_t start = col > kMaxShown / 2 && line.size() > kMaxShown ? col - kMaxShown / 2 : 0;
    std::string_view shown = line.substr(std::min(start, line.size()), kMaxShown);
    std::string caret;
    for (size_t i = start; i < col && i < line.size(); ++i) caret += line[i] == '\t' ? '\t' : ' ';
    caret += '^';
    auto [end_line, end_col] = index.LineCol(d.span.end);
    if (end_line == d.span.line && end_col > d.span.column + 1) {
      caret.append(std::min<size_t>(end_col - d.span.column - 1, kMaxShown), '~');
    }
    out += "\n  ";
    out += shown;
    out += "\n  " + caret;
  }
  return out;
}

nlohmann::json DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics,
                                 const SourceSet& sources) {
  nlohmann::json out = nlohmann::json::array();
  std::map<FileId, std::unique_ptr<LineIndex>> indexes;
  for (const Diagnostic& d : diagnostics) {
    const bool known = d.span.file < sources.files.size();
    uint32_t end_line = d.span.line, end_column = d.span.column;
    if (known && d.span.line > 0) {
      auto& index = indexes[d.span.file];
      if (!index) index = std::make_unique<LineIndex>(sources.files[d.span.file].text);
      std::tie(end_line, end_column) = index->LineCol(d.span.end);
    }
    out.push_back({{"path", known ? sources.files[d.span.file].path : ""},
                   {"line", d.span.line},
                   {"column", d.span.column},
                   {"end_line", end_line},
                   {"end_column", end_column},
                   {"severity", d.severity == Severity::kError ? "error" : "warning"},
                   {"code", d.code},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace arbiter::dsl
