// The C ABI (include/arbiter/arbiter_c.h) over the C++ API: engines, decisions, version and
// status names. The ledger calls are in recorder/arbiter_ledger_c.cc (the engine does not
// depend on the ledger). Nothing may throw across it.
#include <arbiter/arbiter_c.h>

#include <optional>
#include <string>
#include <vector>

#include <arbiter/arbiter.h>

#include "engine/arbiter_c_internal.h"

#ifndef ARBITER_LIBRARY_VERSION
#error "ARBITER_LIBRARY_VERSION is defined by engine/CMakeLists.txt"
#endif

using arbiter::capi::CopyOut;
using arbiter::capi::SetError;

namespace {

arbiter_engine* Finish(arbiter::Engine engine, const char* entities_json, char** error) {
  arbiter::EntityStore store;
  if (entities_json) {
    auto loaded = arbiter::EntityStore::FromJson(entities_json, "<entities>");
    if (!loaded.ok()) {
      SetError(error, loaded.status().message());
      return nullptr;
    }
    store = std::move(loaded).value();
  }
  return new arbiter_engine{std::move(engine), std::move(store)};
}

int Decide(const arbiter_engine* engine, const char* request_json, bool explain,
           char** decision_json, char** error) {
  if (decision_json) *decision_json = nullptr;
  if (error) *error = nullptr;
  if (!engine || !request_json) {
    SetError(error, "engine and request must not be NULL");
    return -1;
  }
  try {
    auto request = arbiter::Request::FromJson(request_json, "<request>");
    if (!request.ok()) {
      SetError(error, request.status().message());
      return -1;
    }
    arbiter::DecideOptions options;
    options.explain = explain;
    thread_local arbiter::Decision decision;
    arbiter::Status st = engine->engine.Decide(*request, engine->entities, options, &decision);
    if (!st.ok()) {
      SetError(error, st.ToString());
      return -1;
    }
    if (decision_json) *decision_json = CopyOut(decision.ToJson());
    return decision.allow ? 1 : 0;
  } catch (const std::exception& e) {
    SetError(error, e.what());
    return -1;
  }
}

}  // namespace

extern "C" {

arbiter_engine* arbiter_engine_open(const char* const* paths, size_t num_paths,
                                    const char* entities_json, char** error) {
  return arbiter_engine_open_with_schema(paths, num_paths, nullptr, nullptr, entities_json,
                                         error);
}

arbiter_engine* arbiter_engine_open_with_schema(const char* const* paths, size_t num_paths,
                                                const char* schema_path, const char* schema_text,
                                                const char* entities_json, char** error) {
  if (error) *error = nullptr;
  if (!paths && num_paths > 0) {
    SetError(error, "paths must not be NULL");
    return nullptr;
  }
  try {
    std::vector<std::string> list;
    for (size_t i = 0; i < num_paths; ++i) list.emplace_back(paths[i] ? paths[i] : "");
    arbiter::CompileOptions options;
    if (schema_path) options.schema_path = schema_path;
    if (schema_text) options.schema_text = schema_text;
    arbiter::CompileResult result = arbiter::Engine::Compile(list, options);
    if (!result.ok()) {
      SetError(error, result.FormattedDiagnostics() + result.status.message());
      return nullptr;
    }
    return Finish(std::move(*result.engine), entities_json, error);
  } catch (const std::exception& e) {
    SetError(error, e.what());
    return nullptr;
  }
}

arbiter_engine* arbiter_engine_open_bundle(const char* bundle_path, const char* entities_json,
                                           char** error) {
  if (error) *error = nullptr;
  try {
    auto engine = arbiter::Engine::LoadBundleFile(bundle_path ? bundle_path : "");
    if (!engine.ok()) {
      SetError(error, engine.status().ToString());
      return nullptr;
    }
    return Finish(std::move(engine).value(), entities_json, error);
  } catch (const std::exception& e) {
    SetError(error, e.what());
    return nullptr;
  }
}

int arbiter_decide(const arbiter_engine* engine, const char* request_json, char** decision_json,
                   char** error) {
  return Decide(engine, request_json, /*explain=*/false, decision_json, error);
}

int arbiter_decide_explain(const arbiter_engine* engine, const char* request_json,
                           char** decision_json, char** error) {
  return Decide(engine, request_json, /*explain=*/true, decision_json, error);
}

const char* arbiter_version(void) { return ARBITER_LIBRARY_VERSION; }

const char* arbiter_status_name(int code) {
  if (code < 0 || code > static_cast<int>(arbiter::StatusCode::kInternal)) return "Unknown";
  // StatusCodeName's views are of string literals, so NUL-terminated.
  return arbiter::StatusCodeName(static_cast<arbiter::StatusCode>(code)).data();
}

const char* arbiter_engine_digest(const arbiter_engine* engine) {
  return engine ? engine->engine.digest().c_str() : "";
}

void arbiter_engine_free(arbiter_engine* engine) { delete engine; }
void arbiter_string_free(char* s) { std::free(s); }

}  // extern "C"
