#include "daemon/policy_state.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>

#include "common/encoding.h"
#include "common/sha256.h"
#include "dsl/frontend.h"
#include "dsl/schema.h"
#include "dsl/schema_merge.h"

namespace arbiter::daemon {

Result<EntityStore> LoadEntityFiles(const std::vector<std::string>& paths) {
  if (paths.empty()) return EntityStore();
  if (paths.size() == 1) return EntityStore::FromFile(paths[0]);
  ARBITER_ASSIGN_OR_RETURN(std::string merged, MergeEntityFiles(paths));
  return EntityStore::FromJson(merged, "<merged entity data>");
}

Result<std::string> MergeEntityFiles(const std::vector<std::string>& paths) {
  nlohmann::json merged = nlohmann::json::array();
  std::map<std::string, nlohmann::json> seen;  // uid → entity, to drop identical duplicates
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("cannot read entity data '{}'", path));
    std::stringstream text;
    text << in.rdbuf();
    // Parse each file alone first so its errors carry its own name and position.
    auto alone = EntityStore::FromJson(text.str(), path);
    if (!alone.ok()) return alone.status();
    nlohmann::json array = nlohmann::json::parse(text.str(), nullptr, false);
    if (!array.is_array()) {
      return Status::InvalidArgument(fmt::format("{}: entity data must be a JSON array", path));
    }
    for (auto& entity : array) {
      std::string uid = entity.is_object() && entity.contains("uid") ? entity["uid"].dump() : "";
      if (auto it = seen.find(uid); !uid.empty() && it != seen.end()) {
        if (it->second == entity) continue;
        return Status::InvalidArgument(
            fmt::format("{}: entity {} differs from its copy in an earlier data file", path, uid));
      }
      if (!uid.empty()) seen.emplace(uid, entity);
      merged.push_back(std::move(entity));
    }
  }
  return merged.dump();
}

PolicyLoad LoadPolicyFiles(const PolicyFiles& files) {
  PolicyLoad load;
  auto entities = LoadEntityFiles(files.data_paths);
  if (!entities.ok()) {
    load.error.status = entities.status();
    return load;
  }
  std::optional<Engine> engine;
  if (!files.bundle_path.empty()) {
    auto loaded = Engine::LoadBundleFile(files.bundle_path);
    if (!loaded.ok()) {
      load.error.status = loaded.status();
      return load;
    }
    engine.emplace(std::move(loaded).value());
  } else {
    CompileOptions options;
    if (files.schema_paths.size() == 1) {
      options.schema_path = files.schema_paths[0];
    } else if (files.schema_paths.size() > 1) {
      auto merged = dsl::MergeSchemaFiles(files.schema_paths);
      if (!merged.ok()) {
        load.error.status = merged.status();
        return load;
      }
      options.schema_path =
          "<schema merged from " + std::to_string(files.schema_paths.size()) + " files>";
      options.schema_text = std::move(merged).value();
    }
    CompileResult compiled = Engine::Compile(files.policy_paths, options);
    if (!compiled.ok() || !compiled.engine) {
      load.error.status = compiled.status.ok() ? Status::Internal("no engine") : compiled.status;
      load.error.diagnostics = compiled.diagnostics;
      load.error.formatted = compiled.FormattedDiagnostics();
      return load;
    }
    engine = std::move(compiled.engine);
  }
  std::string data_digest;
  std::string data_json;
  if (!files.data_paths.empty()) {
    auto merged = MergeEntityFiles(files.data_paths);
    if (!merged.ok()) {
      load.error.status = merged.status();
      return load;
    }
    auto digest = ledger::EntityDataDigest(*merged);
    if (!digest.ok()) {
      load.error.status = digest.status();
      return load;
    }
    data_digest = std::move(digest).value();
    data_json = std::move(merged).value();
  }
  load.state = std::make_shared<PolicyState>(PolicyState{std::move(*engine),
                                                         std::move(entities).value(), 0,
                                                         std::move(data_digest),
                                                         std::move(data_json)});
  return load;
}

Result<std::optional<ActivationInForce>> FindActivationInForce(const ledger::Ledger& ledger,
                                                                uint64_t scan_limit) {
  auto text = [](const nlohmann::json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                 : std::string();
  };
  const uint64_t size = ledger.Size();
  for (uint64_t back = 0; back < size && back < scan_limit; ++back) {
    const uint64_t seq = size - 1 - back;
    ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry entry, ledger.Get(seq));
    if (entry.kind != "policy" && entry.kind != "start") continue;
    nlohmann::json payload = entry.ToJson()["payload"];
    uint64_t policy_seq = seq;
    if (entry.kind == "start") {
      if (!payload.is_object() || !payload["activation"].is_number_unsigned() ||
          payload["activation"].get<uint64_t>() >= seq) {
        return Status::Corruption(fmt::format("start entry {} is malformed", seq));
      }
      policy_seq = payload["activation"].get<uint64_t>();
      ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry policy, ledger.Get(policy_seq));
      if (policy.kind != "policy") {
        return Status::Corruption(
            fmt::format("start entry {} points at entry {}, not an activation", seq, policy_seq));
      }
      payload = policy.ToJson()["payload"];
    }
    return std::optional<ActivationInForce>(
        ActivationInForce{policy_seq, text(payload, "bundle"), text(payload, "data"),
                          payload.is_object() && payload.contains("bundle_base64")});
  }
  return std::optional<ActivationInForce>();
}

nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"path", d.path},
                   {"line", d.line},
                   {"column", d.column},
                   {"end_line", d.end_line},
                   {"end_column", d.end_column},
                   {"severity", d.severity},
                   {"code", d.code},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace arbiter::daemon
