// The C ABI (include/arbiter/arbiter_c.h) over the C++ API. Nothing may throw across it.
#include <arbiter/arbiter_c.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <arbiter/arbiter.h>

struct arbiter_engine {
  arbiter::Engine engine;
  arbiter::EntityStore entities;
};

namespace {

char* CopyOut(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

void SetError(char** error, const std::string& message) {
  if (error) *error = CopyOut(message);
}

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

}  // namespace

extern "C" {

arbiter_engine* arbiter_engine_open(const char* const* paths, size_t num_paths,
                                    const char* entities_json, char** error) {
  if (error) *error = nullptr;
  try {
    std::vector<std::string> list;
    for (size_t i = 0; i < num_paths; ++i) list.emplace_back(paths[i] ? paths[i] : "");
    arbiter::CompileResult result = arbiter::Engine::Compile(list);
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
    thread_local arbiter::Decision decision;
    arbiter::Status st = engine->engine.Decide(*request, engine->entities, {}, &decision);
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

const char* arbiter_engine_digest(const arbiter_engine* engine) {
  return engine ? engine->engine.digest().c_str() : "";
}

void arbiter_engine_free(arbiter_engine* engine) { delete engine; }
void arbiter_string_free(char* s) { std::free(s); }

}  // extern "C"
