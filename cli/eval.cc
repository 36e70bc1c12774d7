// `arbiter eval`: decide one request and print the decision JSON.
#include <cstdio>

#include <arbiter/ledger.h>

#include "cli/command.h"
#include "cli/policy_source.h"
#include "recorder/recorder.h"

namespace arbiter::cli {
namespace {

// The flags of `arbiter eval`, kept in one struct so other parts can add theirs (the ledger
// adds --ledger/--key) next to these.
struct EvalFlags {
  PolicySourceFlags policies;
  std::string data;
  std::string request = "-";
  bool explain = false;
  bool fail_on_deny = false;
  std::string ledger;  // record the decision (and the bundle's first activation) here
  std::string key;     // the ledger's signing key file
};

// Records the decision before it is printed: when the ledger cannot be written the command
// fails (fail closed) rather than hand out an unrecorded decision.
bool RecordInLedger(const EvalFlags& f, const Engine& engine, const Decision& decision,
                    const std::string& request_json) {
  ledger::LedgerOptions options;
  options.key_file = f.key;
  auto ledger = ledger::Ledger::Open(f.ledger, options);
  if (!ledger.ok()) {
    std::fprintf(stderr, "error: ledger: %s\n", ledger.status().message().c_str());
    return false;
  }
  // The data and the policy the decision names come first, each once per distinct content.
  std::string data_digest;
  if (!f.data.empty()) {
    std::optional<std::string> data_json = ReadInput(f.data);
    if (!data_json) return false;
    auto data = recorder::EnsureDataRecorded(**ledger, *data_json);
    if (!data.ok()) {
      std::fprintf(stderr, "error: ledger: %s\n", data.status().message().c_str());
      return false;
    }
    data_digest = std::move(data).value();
  }
  auto policy = recorder::EnsurePolicyRecorded(**ledger, engine, "arbiter eval", data_digest);
  if (!policy.ok()) {
    std::fprintf(stderr, "error: ledger: %s\n", policy.status().message().c_str());
    return false;
  }
  recorder::DecisionRecordOptions record_options;
  record_options.engine = &engine;
  record_options.data_digest = data_digest;
  auto receipt = recorder::RecordDecision(**ledger, decision, request_json, record_options);
  if (!receipt.ok()) {
    std::fprintf(stderr, "error: ledger: %s\n", receipt.status().message().c_str());
    return false;
  }
  Status closed = (*ledger)->Close();
  if (!closed.ok()) {
    std::fprintf(stderr, "error: ledger: %s\n", closed.message().c_str());
    return false;
  }
  std::fprintf(stderr, "recorded: seq %llu, entry_hash %s, decision_id %s\n",
               static_cast<unsigned long long>(receipt->seq), receipt->entry_hash.c_str(),
               receipt->decision_id.c_str());
  return true;
}

int RunEval(const EvalFlags& f) {
  std::optional<Engine> engine = f.policies.Load();
  if (!engine) return kExitFailure;
  std::optional<EntityStore> entities = LoadEntities(f.data);
  if (!entities) return kExitFailure;
  std::optional<LoadedRequest> request = LoadRequest(f.request);
  if (!request) return kExitFailure;
  Decision decision;
  DecideOptions options;
  options.explain = f.explain;
  Status st = engine->Decide(request->request, *entities, options, &decision);
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    return kExitFailure;
  }
  if (!f.ledger.empty() && !RecordInLedger(f, *engine, decision, request->text)) return kExitFailure;
  std::string json = decision.ToJson();
  json += '\n';
  std::fputs(json.c_str(), stdout);
  return f.fail_on_deny && !decision.allow ? kExitDenied : kExitOk;
}

std::function<int()> SetupEval(CLI::App& parent) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* cmd = parent.add_subcommand("eval", "Decide one request and print the decision as JSON");
  flags->policies.Add(cmd);
  cmd->add_option("-d,--data", flags->data, "Entity data (JSON)");
  cmd->add_option("-i,--input", flags->request, "The request (AuthZEN JSON); - for stdin")
      ->capture_default_str();
  cmd->add_flag("--explain", flags->explain, "Add a trace of every rule and why it (did not) match");
  cmd->add_flag("--fail-on-deny", flags->fail_on_deny, "Exit 2 when the decision is deny");
  auto* key = cmd->add_option("--key", flags->key, "The ledger's signing key file (NAME.key)");
  cmd->add_option("--ledger", flags->ledger,
                  "Record the decision (and the bundle's first activation) in this ledger "
                  "directory before printing it")
      ->needs(key);
  return [flags] { return RunEval(*flags); };
}

ARBITER_COMMAND("eval", SetupEval);

}  // namespace
}  // namespace arbiter::cli
