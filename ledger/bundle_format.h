// What the export bundle's writer (ledger/export.cc) and its verifier (ledger/verify_bundle.cc)
// share: the format's name and versions, proof paths as JSON, the decision filter as the
// header states it, and which entries a bundle selects (spec/ledger-format.md, "Export").
#pragma once

#include <arbiter/ledger.h>

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

namespace arbiter::ledger::bundle {

inline constexpr std::string_view kFormat = "arbiter-ledger-bundle";
// Version 2: every seq of the bundle's range has a line (entries outside a kind filter as
// "omitted" stubs), and the end line states the range, so removed entries are detected.
// Version 3: the header carries the key chain (every rotation before the checkpoint's size,
// with its inclusion proof), so the key the auditor trusted first verifies the bundle.
// Version 4: the header states a decision filter, and dependency lines after the range carry
// the policy, data and evidence entries the selected decisions depend on, wherever they lie.
// Versions 2 and 3 are still read (as bundles with no rotation, no filter, no dependencies).
inline constexpr int kVersion = 4;
inline constexpr int kOldestVersion = 2;
// The first bytes of every key entry: the key chain scan skips other entries unparsed.
inline constexpr std::string_view kKeyEntryPrefix = "{\"kind\":\"key\",";
// The same for evidence entries (the dependency scan).
inline constexpr std::string_view kEvidenceEntryPrefix = "{\"kind\":\"evidence\",";

// The kinds of a dependency line (`"dependency":"<kind>"`); each equals the entry's kind.
inline constexpr std::string_view kPolicy = "policy";
inline constexpr std::string_view kData = "data";
inline constexpr std::string_view kEvidence = "evidence";

nlohmann::json ProofJson(const std::vector<Hash>& path);
Result<std::vector<Hash>> ProofFromJson(const nlohmann::json& proof);

// A key entry's payload is a rotation (`"action":"rotate"`).
bool IsRotation(std::string_view payload);

// The header's `filter` member: an object holding the members of `filter` that are set
// (lists as arrays of strings, the others as strings); {} for no filter.
nlohmann::json FilterToJson(const DecisionFilter& filter);
// The reverse, refusing unknown members, wrong types and values Validate() refuses.
Result<DecisionFilter> FilterFromJson(const nlohmann::json& json);

// Whether a bundle (or jsonl/csv export) with this kind and decision filter selects an entry:
// with a decision filter, decisions matching it; otherwise entries of `kind` (empty: any).
bool Selects(std::string_view kind, const DecisionFilter& filter, std::string_view entry_kind,
             std::string_view payload);

}  // namespace arbiter::ledger::bundle
