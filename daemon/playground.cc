#include "daemon/playground.h"

#include <arbiter/decision.h>
#include <arbiter/engine.h>
#include <arbiter/request.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/review_cases.h"
#include "daemon/json_input.h"
#include "daemon/policy_state.h"
#include "daemon/responses.h"
#include "daemon/service.h"
#include "daemon/static_files.h"
#include "daemon/what_if.h"
#include "recorder/recorder.h"

namespace arbiter::daemon {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace

Result<Playground::ScratchLedger> Playground::NewScratch() {
  auto key = ledger::SigningKey::Generate("arbiter-playground");
  if (!key.ok()) return key.status();
  std::string verifier_key = key->VerifierText();
  ledger::LedgerOptions ledger_options;
  ledger_options.durability = ledger::Durability::kNone;
  ledger_options.signing_key = std::make_shared<const ledger::SigningKey>(std::move(key).value());
  ledger_options.checkpoint_every_entries = 1;
  auto scratch = ledger::Ledger::OpenWithStorage(ledger::NewMemoryStorage(), ledger_options);
  if (!scratch.ok()) return scratch.status();
  return ScratchLedger{std::shared_ptr<ledger::Ledger>(std::move(scratch).value()),
                       std::move(verifier_key)};
}

Result<std::unique_ptr<Playground>> Playground::Create(PlaygroundOptions options) {
  std::unique_ptr<Playground> playground(new Playground(std::move(options)));
  auto scratch = NewScratch();
  if (!scratch.ok()) return scratch.status();
  playground->scratch_ = std::move(scratch).value();
  playground->scratch_used_ = std::chrono::steady_clock::now();
  return playground;
}

Result<Playground::ScratchLedger> Playground::Scratch(bool for_append) {
  std::lock_guard lock(scratch_mutex_);
  const Limits& limits = options_.limits;
  bool full = for_append && scratch_.ledger->Size() >= limits.playground_ledger_entries;
  auto now = std::chrono::steady_clock::now();
  bool idle = now - scratch_used_ >= std::chrono::seconds(limits.playground_ledger_age_s);
  if (full || idle) {
    auto fresh = NewScratch();
    if (!fresh.ok()) return fresh.status();
    (void)scratch_.ledger->Close();  // requests still holding it see a closed ledger, not freed memory
    scratch_ = std::move(fresh).value();
  }
  if (for_append) scratch_used_ = now;
  return scratch_;
}

void Playground::Close() {
  std::lock_guard lock(scratch_mutex_);
  if (scratch_.ledger) (void)scratch_.ledger->Close();
}

void Playground::HandleExamples(HttpRequest&, Reply reply) {
  nlohmann::json examples = nlohmann::json::array();
  std::error_code ec;
  std::vector<fs::path> packs;
  for (const auto& entry : fs::directory_iterator(options_.stdlib_dir, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "playground-request.json")) {
      packs.push_back(entry.path());
    }
  }
  std::sort(packs.begin(), packs.end());
  for (const auto& pack : packs) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(pack, ec)) {
      std::string name = entry.path().filename().string();
      if (name.ends_with(".arbiter") && !name.ends_with("_test.arbiter")) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    std::string policy;
    for (const auto& file : files) {
      if (auto text = ReadFile(file)) {
        if (!policy.empty()) policy += "\n";
        policy += *text;
      }
    }
    examples.push_back({{"name", pack.filename().string()},
                        {"policy", policy},
                        {"entities", ReadFile(pack / "entities.json").value_or("[]")},
                        {"request", ReadFile(pack / "playground-request.json").value_or("{}")}});
  }
  reply(JsonResponse(200, examples));
}

void Playground::HandleEvaluate(HttpRequest& req, Reply reply) {
  nlohmann::json body;
  JsonInputError error;
  if (!ParseJsonBody(Sv(req[http::field::content_type]), req.body(), &body, &error)) {
    return reply(ErrorResponse(error.status, error.code, error.message));
  }
  auto text_of = [&](const char* name, std::string* out) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  std::string policy, entities_text, request_text;
  if (!body.is_object() || !text_of("policy", &policy) || !text_of("entities", &entities_text) ||
      !text_of("request", &request_text)) {
    return reply(ErrorResponse(400, "invalid_request",
                               R"(body must be {"policy": text, "entities": text, "request": text})"));
  }
  nlohmann::json res = {{"ok", false},
                        {"diagnostics", nlohmann::json::array()},
                        {"decision", nullptr},
                        {"disassembly", nullptr},
                        {"receipt", nullptr},
                        {"input_errors", nlohmann::json::array()}};
  CompileResult compiled = Engine::CompileSources({{"policy.arbiter", policy}});
  res["diagnostics"] = DiagnosticsJson(compiled.diagnostics);
  EntityStore entities;
  if (!entities_text.empty()) {
    auto store = EntityStore::FromJson(entities_text, "entities");
    if (store.ok()) {
      entities = std::move(store).value();
    } else {
      res["input_errors"].push_back({{"where", "entities"}, {"message", store.status().message()}});
    }
  }
  std::optional<Request> request;
  nlohmann::json request_json;
  JsonInputError request_error;
  if (!ParseJsonText(request_text, &request_json, &request_error)) {
    res["input_errors"].push_back({{"where", "request"}, {"message", request_error.message}});
  } else {
    auto parsed = Request::FromJson(request_text, "request");
    if (parsed.ok()) {
      request.emplace(std::move(parsed).value());
    } else {
      res["input_errors"].push_back({{"where", "request"}, {"message", parsed.status().message()}});
    }
  }
  if (!compiled.ok() || !compiled.engine) return reply(JsonResponse(200, res));
  res["disassembly"] = compiled.engine->Disassemble();
  if (!res["input_errors"].empty() || !request) return reply(JsonResponse(200, res));

  Decision decision;
  DecideOptions options;
  options.explain = true;
  Status st = compiled.engine->Decide(*request, entities, options, &decision);
  if (!st.ok()) {
    res["input_errors"].push_back({{"where", "request"}, {"message", st.message()}});
    return reply(JsonResponse(200, res));
  }
  res["decision"] = nlohmann::json::parse(decision.ToJson());
  // The scratch ledger records what the daemon's would: the data and the policy the
  // decision names (once per distinct content), then the decision with its controls.
  auto scratch = Scratch(/*for_append=*/true);
  if (scratch.ok()) {
    ledger::Ledger& scratch_ledger = *scratch->ledger;
    std::string data_digest;
    Status recorded = Status::Ok();
    if (!entities_text.empty()) {
      auto data = recorder::EnsureDataRecorded(scratch_ledger, entities_text);
      if (data.ok()) data_digest = std::move(data).value();
      recorded = data.status();
    }
    if (recorded.ok()) {
      recorded = recorder::EnsurePolicyRecorded(scratch_ledger, *compiled.engine, "playground",
                                                data_digest)
                     .status();
    }
    recorder::DecisionRecordOptions record_options;
    record_options.engine = &*compiled.engine;
    record_options.data_digest = data_digest;
    auto built = recorder::MakeDecisionRecord(decision, request_text, record_options);
    if (recorded.ok() && built.ok()) {
      auto receipt = scratch_ledger.Append(std::move(built).value());
      if (receipt.ok()) res["receipt"] = nlohmann::json::parse(ReceiptJson(*receipt));
    }
  }
  res["ok"] = true;
  reply(JsonResponse(200, res));
}

void Playground::HandleCheckpoint(HttpRequest&, Reply reply) {
  auto scratch = Scratch(false);
  if (!scratch.ok()) return reply(ErrorResponse(503, "no_scratch", scratch.status().ToString()));
  auto note = scratch->ledger->LatestCheckpoint();
  if (!note.ok()) {
    return reply(ErrorResponse(404, "no_checkpoint", "the scratch ledger is empty"));
  }
  reply(TextResponse(200, std::move(note).value()));
}

void Playground::HandleProof(HttpRequest& req, Reply reply) {
  auto seq_text = QueryParam(Sv(req.target()), "seq");
  if (!seq_text || seq_text->empty() || seq_text->size() > 19 ||
      seq_text->find_first_not_of("0123456789") != std::string::npos) {
    return reply(ErrorResponse(400, "invalid_request", "seq must be a decimal sequence number"));
  }
  uint64_t seq = std::stoull(*seq_text);
  auto scratch = Scratch(false);
  if (!scratch.ok()) return reply(ErrorResponse(503, "no_scratch", scratch.status().ToString()));
  if (seq >= scratch->ledger->Size()) {
    return reply(ErrorResponse(404, "not_found", fmt::format("no entry {}", seq)));
  }
  // Every scratch entry is checkpointed as it is appended (checkpoint_every_entries 1).
  auto proof = scratch->ledger->InclusionProof(seq);
  if (!proof.ok()) return reply(ErrorResponse(503, "no_proof", proof.status().ToString()));
  reply(TextResponse(200, std::move(proof).value()));
}

namespace {

// A decimal query parameter ("from", "size"): nullopt when absent; false when malformed.
bool SeqParam(std::string_view target, std::string_view name, std::optional<uint64_t>* out) {
  auto text = QueryParam(target, name);
  if (!text) return true;
  if (text->empty() || text->size() > 19 || text->find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = std::stoull(*text);
  return true;
}

}  // namespace

void Playground::HandleEntries(HttpRequest& req, Reply reply) {
  std::optional<uint64_t> from, size;
  if (!SeqParam(Sv(req.target()), "from", &from) || !SeqParam(Sv(req.target()), "size", &size)) {
    return reply(ErrorResponse(400, "invalid_request",
                               "from and size must be decimal sequence numbers"));
  }
  auto scratch = Scratch(false);
  if (!scratch.ok()) return reply(ErrorResponse(503, "no_scratch", scratch.status().ToString()));
  const ledger::Ledger& scratch_ledger = *scratch->ledger;
  // The page verifies one checkpoint: every page of one verification names its size, so
  // entries appended meanwhile change nothing it reads (entries and checkpoints never change).
  auto note = size ? scratch_ledger.CheckpointAt(*size) : scratch_ledger.LatestCheckpoint();
  if (!note.ok()) {
    if (note.status().code() != StatusCode::kNotFound) {
      return reply(ErrorResponse(503, "no_checkpoint", note.status().ToString()));
    }
    return reply(ErrorResponse(404, "no_checkpoint",
                               size ? fmt::format("the scratch ledger has no checkpoint of size {}"
                                                  " (it may have been replaced)",
                                                  *size)
                                    : std::string("the scratch ledger is empty")));
  }
  auto key = ledger::VerifierKey::Parse(scratch->verifier_key);
  if (!key.ok()) return reply(ErrorResponse(500, "no_key", key.status().ToString()));
  auto text = ledger::OpenNote(*note, std::span<const ledger::VerifierKey>(&*key, 1));
  if (!text.ok()) return reply(ErrorResponse(500, "bad_checkpoint", text.status().ToString()));
  auto body = ledger::ParseCheckpointBody(*text);
  if (!body.ok()) return reply(ErrorResponse(500, "bad_checkpoint", body.status().ToString()));
  const uint64_t tree_size = body->size;
  // A page holds entries (and their proofs) until it passes Limits::http_body_bytes, the
  // size of a request the daemon takes; at least one entry, so every page makes progress.
  nlohmann::json entries = nlohmann::json::array();
  size_t bytes = 0;
  uint64_t seq = from.value_or(0);
  for (; seq < tree_size && (entries.empty() || bytes < options_.limits.http_body_bytes); ++seq) {
    auto entry = scratch_ledger.Get(seq);
    if (!entry.ok()) return reply(ErrorResponse(503, "no_entry", entry.status().ToString()));
    auto proof = scratch_ledger.InclusionProof(seq, tree_size);
    if (!proof.ok()) return reply(ErrorResponse(503, "no_proof", proof.status().ToString()));
    bytes += entry->raw.size() + proof->size();
    entries.push_back({{"seq", seq}, {"raw", std::move(entry->raw)}, {"proof", *std::move(proof)}});
  }
  reply(JsonResponse(200, {{"size", tree_size},
                           {"checkpoint", *std::move(note)},
                           {"public_key", scratch->verifier_key},
                           {"entries", std::move(entries)},
                           {"next", seq < tree_size ? nlohmann::json(seq) : nlohmann::json()}}));
}

void Playground::HandleWhatIf(HttpRequest& req, Reply reply) {
  nlohmann::json body;
  JsonInputError error;
  if (!ParseJsonBody(Sv(req[http::field::content_type]), req.body(), &body, &error)) {
    return reply(ErrorResponse(error.status, error.code, error.message));
  }
  auto policy = body.is_object() ? body.find("policy") : body.end();
  if (!body.is_object() || policy == body.end() || !policy->is_string()) {
    return reply(ErrorResponse(400, "invalid_request", R"(body must be {"policy": text})"));
  }
  CompileResult compiled = Engine::CompileSources({{"policy.arbiter", policy->get<std::string>()}});
  if (!compiled.ok() || !compiled.engine) {
    return reply(JsonResponse(200, {{"ok", false},
                                    {"diagnostics", DiagnosticsJson(compiled.diagnostics)},
                                    {"impact", nullptr}}));
  }
  auto scratch = Scratch(false);
  if (!scratch.ok()) return reply(ErrorResponse(503, "no_scratch", scratch.status().ToString()));
  // The same bound as the daemon's dry run: the last Limits::whatif_decisions decisions.
  auto impact = WhatIfImpact(*scratch->ledger, *compiled.engine, nullptr,
                             options_.limits.whatif_decisions);
  if (!impact.ok()) return reply(ErrorResponse(503, "replay_failed", impact.status().ToString()));
  reply(JsonResponse(200, {{"ok", true},
                           {"diagnostics", DiagnosticsJson(compiled.diagnostics)},
                           {"bundle", compiled.engine->digest()},
                           {"impact", std::move(impact).value()}}));
}

void Playground::HandleReview(HttpRequest& req, Reply reply, const Principal& principal) {
  nlohmann::json body;
  JsonInputError error;
  if (!ParseJsonBody(Sv(req[http::field::content_type]), req.body(), &body, &error)) {
    return reply(ErrorResponse(error.status, error.code, error.message));
  }
  auto id = body.is_object() ? body.find("decision_id") : body.end();
  if (!body.is_object() || id == body.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return reply(ErrorResponse(
        400, "invalid_request",
        R"(body must be {"decision_id": id, "expected": "allow"|"deny", "reason": text})"));
  }
  ledger::EvidenceRecord evidence;
  evidence.type = "review";
  // Who authenticated and the roles the auth file gives them, as /v1/evidence records them.
  evidence.author = principal.name;
  if (principal.authenticated) evidence.author_roles = principal.roles;
  evidence.decision_ids = {id->get<std::string>()};
  for (const char* member : {"expected", "reason"}) {
    if (auto it = body.find(member); it != body.end()) evidence.body[member] = *it;
  }
  // The same check as a review posted to /v1/evidence (spec/audit.md).
  Status review = audit::CheckReviewBody(evidence.body);
  if (!review.ok()) return reply(ErrorResponse(400, "invalid_request", review.message()));
  auto record = evidence.ToRecord();
  if (!record.ok()) return reply(ErrorResponse(400, "invalid_request", record.status().message()));
  auto scratch = Scratch(/*for_append=*/true);
  if (!scratch.ok()) return reply(ErrorResponse(503, "no_scratch", scratch.status().ToString()));
  auto has = scratch->ledger->HasDecision(evidence.decision_ids[0]);
  if (!has.ok()) return reply(ErrorResponse(503, "no_scratch", has.status().ToString()));
  if (!*has) {
    return reply(ErrorResponse(404, "unknown_decision",
                               fmt::format("no decision with id '{}' in the scratch ledger",
                                           evidence.decision_ids[0])));
  }
  auto receipt = scratch->ledger->Append(std::move(record).value());
  if (!receipt.ok()) return reply(ErrorResponse(503, "no_scratch", receipt.status().ToString()));
  reply(JsonResponse(201, {{"decision_id", evidence.decision_ids[0]},
                           {"receipt", {{"seq", receipt->seq}, {"entry_hash", receipt->entry_hash}}}}));
}

void Playground::AddRoutes(Router& router, ApiGuard& guard) {
  using V = http::verb;
  guard.Add(router, V::get, "/playground", [this](HttpRequest&, Reply reply, const Principal&) {
    reply(ServeStaticFile(options_.page_dir, "index.html"));
  });
  guard.AddPrefix(router, V::get, "/playground/",
                  [this](HttpRequest& req, Reply reply, const Principal&) {
                    std::string_view path = TargetPath(Sv(req.target()));
                    reply(ServeStaticFile(options_.page_dir,
                                          path.substr(std::string_view("/playground/").size())));
                  });
  auto bind = [this](void (Playground::*fn)(HttpRequest&, Reply)) {
    return [this, fn](HttpRequest& req, Reply reply, const Principal&) {
      (this->*fn)(req, std::move(reply));
    };
  };
  guard.Add(router, V::get, "/v1/playground/examples", bind(&Playground::HandleExamples));
  // A compile and a scratch-ledger append: off the I/O threads that answer decisions.
  guard.AddBlocking(router, V::post, "/v1/playground/evaluate",
                    bind(&Playground::HandleEvaluate));
  guard.Add(router, V::get, "/v1/playground/ledger/checkpoint",
            bind(&Playground::HandleCheckpoint));
  guard.AddBlocking(router, V::get, "/v1/playground/ledger/proof",
                    bind(&Playground::HandleProof));
  // Reads of the whole scratch ledger, a replay, an append: all off the I/O threads.
  guard.AddBlocking(router, V::get, "/v1/playground/ledger/entries",
                    bind(&Playground::HandleEntries));
  guard.AddBlocking(router, V::post, "/v1/playground/whatif", bind(&Playground::HandleWhatIf));
  guard.AddBlocking(router, V::post, "/v1/playground/ledger/review",
                    [this](HttpRequest& req, Reply reply, const Principal& principal) {
                      HandleReview(req, std::move(reply), principal);
                    });
}

}  // namespace arbiter::daemon
