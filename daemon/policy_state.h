// The policies the daemon decides with: a compiled Engine plus the entity data, loaded from
// disk (start-up, SIGHUP) or sent to the admin API. A PolicyState is immutable; the daemon
// swaps whole states atomically, and a request keeps the state it started with alive until it
// is answered, so in-flight requests finish on the old version.
#pragma once

#include <arbiter/engine.h>
#include <arbiter/entities.h>
#include <arbiter/ledger.h>
#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::daemon {

struct PolicyState {
  Engine engine;
  EntityStore entities;
  uint64_t activation_seq = 0;  // the ledger entry that recorded this activation
  std::string data_digest;      // ledger::EntityDataDigest of the entity data; empty: none given
  // The entity data as one JSON array (files merged), what the ledger's `data` entry for
  // data_digest holds; empty: none given.
  std::string data_json;
};

// Where policies come from on disk.
struct PolicyFiles {
  std::vector<std::string> policy_paths;  // files or folders of *.arbiter
  std::string bundle_path;                // or a compiled bundle
  std::vector<std::string> schema_paths;  // optional; several are merged (dsl::MergeSchemaFiles)
  std::vector<std::string> data_paths;    // entity JSON files, merged
};

// A load that failed: a message and, for compile errors, the structured diagnostics.
struct PolicyLoadError {
  Status status;
  std::vector<Diagnostic> diagnostics;
  std::string formatted;  // all diagnostics as compiler text, for the log
};

struct PolicyLoad {
  std::shared_ptr<PolicyState> state;  // null on failure
  PolicyLoadError error;
};

PolicyLoad LoadPolicyFiles(const PolicyFiles& files);

// Entity JSON files (each an array of entities) merged into one store. The same entity in two
// files is kept once when both copies are identical, and is an error when they differ.
Result<EntityStore> LoadEntityFiles(const std::vector<std::string>& paths);
// The same merge, as the text of one JSON array of entities.
Result<std::string> MergeEntityFiles(const std::vector<std::string>& paths);


// The activation in force according to the ledger: the latest policy entry, or the one the
// latest start entry points at, whichever comes last. Found by reading back from the end,
// at most `scan_limit` entries; nullopt when there is none within them.
struct ActivationInForce {
  uint64_t seq = 0;           // the policy entry
  std::string bundle_digest;  // its "bundle"
  std::string data_digest;    // its "data" (empty: none recorded)
  bool bundle_recorded = false;  // it holds the bundle's bytes (what replay decides with)
};
Result<std::optional<ActivationInForce>> FindActivationInForce(const ledger::Ledger& ledger,
                                                                uint64_t scan_limit);

// [{path,line,column,end_line,end_column,severity,code,message}] as the playground shows them.
nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

}  // namespace arbiter::daemon
