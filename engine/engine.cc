// The public Engine: compiling through the dsl front end, loading bundles, deciding.
#include <arbiter/engine.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/bundle.h"
#include "engine/compiler.h"
#include "engine/decide.h"
#include "engine/program.h"

#if __has_include("dsl/frontend.h")
#include "dsl/frontend.h"
#define ARBITER_HAVE_FRONTEND 1
#else
#define ARBITER_HAVE_FRONTEND 0
#endif

namespace arbiter {

std::string CompileResult::FormattedDiagnostics() const {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += d.formatted;
    if (!out.empty() && out.back() != '\n') out += '\n';
  }
  return out;
}

Engine::Engine(std::shared_ptr<const engine::Program> program) : program_(std::move(program)) {}

namespace {

#if ARBITER_HAVE_FRONTEND
CompileResult FinishCompile(dsl::FrontendResult front) {
  CompileResult result;
  const dsl::SourceSet empty;
  const dsl::SourceSet& sources = front.policies.sources ? *front.policies.sources : empty;
  nlohmann::json json = dsl::DiagnosticsToJson(front.diagnostics, sources);
  for (size_t i = 0; i < front.diagnostics.size(); ++i) {
    const nlohmann::json& j = json.at(i);
    Diagnostic d;
    d.path = j.value("path", "");
    d.line = j.value("line", 0u);
    d.column = j.value("column", 0u);
    d.end_line = j.value("end_line", 0u);
    d.end_column = j.value("end_column", 0u);
    d.severity = j.value("severity", "error");
    d.code = j.value("code", "");
    d.message = j.value("message", "");
    d.formatted = dsl::FormatDiagnostic(front.diagnostics[i], sources);
    result.diagnostics.push_back(std::move(d));
  }
  if (!front.ok()) {
    size_t errors = 0;
    for (const auto& d : front.diagnostics) errors += d.severity == dsl::Severity::kError;
    result.status = Status::InvalidArgument("policies have " + std::to_string(errors) +
                                            " error(s)");
    return result;
  }
  auto program = engine::CompilePolicySet(front.policies);
  if (!program.ok()) {
    result.status = program.status();
    return result;
  }
  result.engine.emplace(std::move(program).value());
  return result;
}

dsl::FrontendOptions ToFrontend(const CompileOptions& o) {
  dsl::FrontendOptions f;
  f.schema_path = o.schema_path;
  f.schema_text = o.schema_text;
  return f;
}
#endif

}  // namespace

CompileResult Engine::Compile(const std::vector<std::string>& paths, const CompileOptions& options) {
#if ARBITER_HAVE_FRONTEND
  try {
    return FinishCompile(dsl::LoadPolicyFiles(paths, ToFrontend(options)));
  } catch (const std::exception& e) {
    CompileResult r;
    r.status = Status::Internal(std::string("compiling failed: ") + e.what());
    return r;
  }
#else
  (void)paths;
  (void)options;
  CompileResult r;
  r.status = Status::Unsupported("this build has no policy front end");
  return r;
#endif
}

CompileResult Engine::CompileSources(std::vector<SourceText> sources, const CompileOptions& options) {
#if ARBITER_HAVE_FRONTEND
  std::vector<dsl::SourceFile> files;
  for (auto& s : sources) files.push_back(dsl::SourceFile{std::move(s.path), std::move(s.text)});
  try {
    return FinishCompile(dsl::LoadPolicySources(std::move(files), ToFrontend(options)));
  } catch (const std::exception& e) {
    CompileResult r;
    r.status = Status::Internal(std::string("compiling failed: ") + e.what());
    return r;
  }
#else
  (void)sources;
  (void)options;
  CompileResult r;
  r.status = Status::Unsupported("this build has no policy front end");
  return r;
#endif
}

Result<Engine> Engine::LoadBundle(std::string_view bytes) {
  auto program = engine::DeserializeProgram(bytes);
  if (!program.ok()) return program.status();
  return Engine(std::move(program).value());
}

Result<Engine> Engine::LoadBundleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open bundle");
  std::stringstream buf;
  buf << in.rdbuf();
  auto engine = LoadBundle(buf.str());
  if (!engine.ok()) {
    return Status(engine.status().code(), path + ": " + engine.status().message());
  }
  return engine;
}

const std::string& Engine::bundle_bytes() const { return program_->bundle; }

Status Engine::WriteBundle(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError(path + ": cannot open for writing");
  out.write(program_->bundle.data(), static_cast<std::streamsize>(program_->bundle.size()));
  out.close();
  if (!out) return Status::IOError(path + ": write failed");
  return Status::Ok();
}

const std::string& Engine::digest() const { return program_->digest; }
const std::vector<RuleInfo>& Engine::rules() const { return program_->rule_infos; }
const std::vector<SourceDigest>& Engine::sources() const { return program_->sources; }
const std::vector<SourceText>& Engine::source_texts() const { return program_->source_texts; }

void Engine::Controls(const Decision& decision, std::vector<std::string_view>* out) const {
  out->clear();
  auto add = [&](std::string_view rule) {
    auto it = program_->rule_by_id.find(rule);
    if (it == program_->rule_by_id.end()) return;
    for (const std::string& c : program_->rule_controls[it->second]) out->push_back(c);
  };
  for (const DecisionReason& r : decision.reasons) add(r.rule);
  for (const DecisionObligation& o : decision.obligations) add(o.rule);
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}
std::string Engine::Disassemble() const { return engine::DisassembleProgram(*program_); }

Status Engine::Decide(const Request& request, const EntityStore& entities,
                      const DecideOptions& options, Decision* out) const {
  engine::DecideProgram(*program_, request.impl(), entities.impl(), options, out);
  return Status::Ok();
}

Result<Decision> Engine::DecideJson(std::string_view request_json, const EntityStore& entities,
                                    const DecideOptions& options) const {
  ARBITER_ASSIGN_OR_RETURN(Request request, Request::FromJson(request_json));
  Decision d;
  ARBITER_RETURN_IF_ERROR(Decide(request, entities, options, &d));
  return d;
}

}  // namespace arbiter
