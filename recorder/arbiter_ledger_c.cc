// The C ABI's ledger calls (include/arbiter/arbiter_c.h): open a ledger, decide and record,
// close, verify. A library of its own (arbiter_ledger_c) above the engine, the ledger and the
// recorder, so that the engine's C calls need none of them. Nothing may throw across it.
#include <arbiter/arbiter.h>
#include <arbiter/arbiter_c.h>
#include <arbiter/ledger.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "engine/arbiter_c_internal.h"
#include "recorder/recorder.h"

struct arbiter_ledger {
  std::unique_ptr<arbiter::ledger::Ledger> ledger;
  std::mutex mu;                    // guards `activated`
  std::set<std::string> activated;  // bundle digests whose activation is known to be recorded
};

namespace {

using arbiter::Status;
using arbiter::capi::CopyOut;
using arbiter::capi::Fail;
using arbiter::capi::SetError;

constexpr int kOk = ARBITER_OK;

int Internal(char** error, const std::exception& e) {
  return Fail(error, Status::Internal(e.what()));
}

// Records the engine's bundle activation once per ledger handle (the ledger itself skips a
// bundle it already holds, across handles and processes). Under the lock throughout, so two
// threads deciding with a new bundle do not both record its activation.
Status EnsureActivated(arbiter_ledger* l, const arbiter::Engine& engine) {
  std::lock_guard<std::mutex> lock(l->mu);
  if (l->activated.count(engine.digest())) return Status::Ok();
  auto seq = arbiter::recorder::EnsurePolicyRecorded(*l->ledger, engine, "arbiter C API");
  if (!seq.ok()) return seq.status();
  l->activated.insert(engine.digest());
  return Status::Ok();
}

}  // namespace

extern "C" {

int arbiter_ledger_open(const char* dir, const char* key_file, arbiter_ledger** ledger,
                        char** error) {
  if (error) *error = nullptr;
  if (ledger) *ledger = nullptr;
  if (!dir || !key_file || !ledger) {
    return Fail(error, Status::InvalidArgument("dir, key_file and ledger must not be NULL"));
  }
  try {
    arbiter::ledger::LedgerOptions options;
    options.key_file = key_file;
    auto opened = arbiter::ledger::Ledger::Open(dir, std::move(options));
    if (!opened.ok()) return Fail(error, opened.status());
    *ledger = new arbiter_ledger{std::move(opened).value(), {}, {}};
    return kOk;
  } catch (const std::exception& e) {
    return Internal(error, e);
  }
}

int arbiter_ledger_record_decision(arbiter_ledger* ledger, const arbiter_engine* engine,
                                   const char* request_json, int* allow, char** decision_json,
                                   char** receipt_json, char** error) {
  if (allow) *allow = 0;
  if (decision_json) *decision_json = nullptr;
  if (receipt_json) *receipt_json = nullptr;
  if (error) *error = nullptr;
  if (!ledger || !engine || !request_json) {
    return Fail(error, Status::InvalidArgument("ledger, engine and request must not be NULL"));
  }
  try {
    auto request = arbiter::Request::FromJson(request_json, "<request>");
    if (!request.ok()) return Fail(error, request.status());
    arbiter::Decision decision;
    Status st = engine->engine.Decide(*request, engine->entities, {}, &decision);
    if (!st.ok()) return Fail(error, st);
    st = EnsureActivated(ledger, engine->engine);
    if (!st.ok()) return Fail(error, st);
    auto receipt = arbiter::recorder::RecordDecision(*ledger->ledger, decision, request_json);
    if (!receipt.ok()) return Fail(error, receipt.status());
    if (receipt_json) {
      nlohmann::ordered_json r = {{"seq", receipt->seq},
                                  {"entry_hash", receipt->entry_hash},
                                  {"decision_id", receipt->decision_id}};
      *receipt_json = CopyOut(r.dump());
    }
    if (decision_json) *decision_json = CopyOut(decision.ToJson());
    if (allow) *allow = decision.allow ? 1 : 0;
    return kOk;
  } catch (const std::exception& e) {
    return Internal(error, e);
  }
}

int arbiter_ledger_close(arbiter_ledger* ledger, char** error) {
  if (error) *error = nullptr;
  if (!ledger) return kOk;
  int code = kOk;
  try {
    Status st = ledger->ledger->Close();
    if (!st.ok()) code = Fail(error, st);
  } catch (const std::exception& e) {
    code = Internal(error, e);
  }
  delete ledger;
  return code;
}

int arbiter_ledger_verify(const char* dir, const char* public_key_file, char** report_json,
                          char** error) {
  if (report_json) *report_json = nullptr;
  if (error) *error = nullptr;
  if (!dir || !public_key_file) {
    return Fail(error, Status::InvalidArgument("dir and public_key_file must not be NULL"));
  }
  try {
    auto key = arbiter::ledger::VerifierKey::LoadFile(public_key_file);
    if (!key.ok()) return Fail(error, key.status());
    auto opened = arbiter::ledger::Ledger::OpenReadOnly(dir);
    if (!opened.ok()) return Fail(error, opened.status());
    arbiter::ledger::VerifyOptions options;
    options.trusted_keys.push_back(std::move(key).value());
    arbiter::ledger::VerifyReport report = (*opened)->Verify(options);
    if (report_json) *report_json = CopyOut(report.ToJson());
    if (!report.ok) {
      SetError(error, report.Summary());
      return ARBITER_CORRUPTION;
    }
    return kOk;
  } catch (const std::exception& e) {
    return Internal(error, e);
  }
}

}  // extern "C"
