// Turns what the engine produces into ledger records: a Decision plus its request into a
// decision record, an Engine's policy set into a policy-activation record.
#pragma once

#include <arbiter/arbiter.h>
#include <arbiter/ledger.h>

#include <functional>
#include <string>
#include <string_view>

namespace arbiter::recorder {

class RequestPrivacy;  // recorder/privacy.h

struct DecisionRecordOptions {
  std::string decision_id;           // empty: the ledger's record assigns a random id
  bool request_digest_only = false;  // record the request's digest instead of the request
  // Who asked (the daemon's authenticated principal, spec/ledger-format.md); empty: the
  // record has no "principal" member. Must outlive the call.
  std::string_view principal;
  // How the request is recorded (spec/ledger-format.md, "Record modes and erasure"); null:
  // in full, on the fast path. Must outlive the call.
  const RequestPrivacy* privacy = nullptr;
  // The engine that made the decision: the record names the `@control` values of the rules
  // that decided (Engine::Controls). Null: no "controls" member. Must outlive the call.
  const Engine* engine = nullptr;
  // "sha256:<hex>" of the entity data the decision was made against (the digest of a `data`
  // entry, EnsureDataRecorded); empty: no "data" member. Must outlive the call.
  std::string_view data_digest = {};
};

// `request_json` is the request as received (AuthZEN JSON). The record holds the decision
// exactly as `arbiter eval` prints it (reasons, obligations, errors, bundle), without explain.
Result<ledger::Record> MakeDecisionRecord(const Decision& decision, std::string_view request_json,
                                          const DecisionRecordOptions& options = {});

// A bundle activation: the engine's bundle digest and bytes (what replay decides with), its
// sources (digest, path, and text when the engine was compiled from text), and the digest of
// the entity data activated with it ("sha256:<hex>"; empty: none).
Result<ledger::Record> MakePolicyRecord(const Engine& engine, std::string activated_by,
                                        std::string reason = "", std::string data_digest = "");

// Appends the engine's policy-activation record unless this bundle was already activated in
// the ledger by an entry that holds its bytes. Returns the seq of its activation entry.
Result<uint64_t> EnsurePolicyRecorded(ledger::Ledger& ledger, const Engine& engine,
                                      const std::string& activated_by,
                                      const std::string& data_digest = "");

// Appends a `data` entry holding `entities_json` (a JSON array of entities) unless one with
// the same content is recorded already. Returns the data digest ("sha256:<hex>") that
// decisions and activations against this data name.
Result<std::string> EnsureDataRecorded(ledger::Ledger& ledger, std::string_view entities_json);

// Records a decision (blocking until durable).
Result<ledger::Receipt> RecordDecision(ledger::Ledger& ledger, const Decision& decision,
                                       std::string_view request_json,
                                       const DecisionRecordOptions& options = {});

// Asynchronous form for servers: `done` runs on the ledger's writer thread once the entry is
// durable (or failed). A record that cannot be built fails `done` at once.
void RecordDecisionAsync(ledger::Ledger& ledger, const Decision& decision,
                         std::string_view request_json, const DecisionRecordOptions& options,
                         std::function<void(Result<ledger::Receipt>)> done);

}  // namespace arbiter::recorder
