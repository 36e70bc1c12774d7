// The figures of `arbiter audit report` (spec/audit.md, "Reports").
#include "audit/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <set>
#include <unordered_map>

#include "audit/review_cases.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"

namespace arbiter::audit {
namespace {

using ledger::StringMember;

const nlohmann::json& Member(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

void Count(OutcomeCounts* counts, std::string_view outcome) {
  if (outcome == "allow") {
    ++counts->allow;
  } else if (outcome == "deny") {
    ++counts->deny;
  } else {
    ++counts->fail_closed;
  }
}

// The members of a decision payload the report reads, pulled out with nlohmann's SAX
// interface: no document is built, so a pass over a million decisions does not allocate the
// requests' contexts it never reads.
struct DecisionFields {
  std::string decision_id;
  std::string decision;
  std::vector<std::string> controls;
  std::vector<std::string> reasons;  // the rules of `reasons`
  std::vector<std::string> errors;   // the rules of `errors`
  std::string subject_type, subject_id, action, resource_type, resource_id;
};

class DecisionSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit DecisionSax(DecisionFields* out) : out_(out) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Push(false); }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override { return Push(true); }
  bool end_array() override { return Pop(); }
  bool key(string_t& k) override {
    if (!frames_.empty()) frames_.back().key = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  bool string(string_t& value) override {
    const size_t depth = frames_.size();
    if (depth == 1) {
      const std::string& k = frames_[0].key;
      if (k == "decision_id") out_->decision_id = std::move(value);
      else if (k == "decision") out_->decision = std::move(value);
    } else if (depth == 2 && frames_[1].array && frames_[0].key == "controls") {
      out_->controls.push_back(std::move(value));
    } else if (depth == 3 && frames_[1].array && !frames_[2].array && frames_[2].key == "rule") {
      if (frames_[0].key == "reasons") out_->reasons.push_back(std::move(value));
      else if (frames_[0].key == "errors") out_->errors.push_back(std::move(value));
    } else if (depth == 3 && frames_[0].key == "request" && !frames_[1].array &&
               !frames_[2].array) {
      const std::string& member = frames_[1].key;
      const std::string& k = frames_[2].key;
      if (member == "subject") {
        if (k == "type") out_->subject_type = std::move(value);
        else if (k == "id") out_->subject_id = std::move(value);
      } else if (member == "resource") {
        if (k == "type") out_->resource_type = std::move(value);
        else if (k == "id") out_->resource_id = std::move(value);
      } else if (member == "action" && k == "name") {
        out_->action = std::move(value);
      }
    }
    return true;
  }

 private:
  struct Frame {
    bool array = false;
    std::string key;
  };
  bool Push(bool array) {
    frames_.push_back({array, {}});
    return true;
  }
  bool Pop() {
    frames_.pop_back();
    return true;
  }
  DecisionFields* out_;
  std::vector<Frame> frames_;
};

Result<DecisionFields> ReadDecision(const RawAuditEntry& e) {
  DecisionFields fields;
  DecisionSax sax(&fields);
  if (!nlohmann::json::sax_parse(e.payload, &sax)) {
    return Status::Corruption(fmt::format("decision entry {} has a payload that is not JSON", e.seq));
  }
  return fields;
}

std::string EntityName(const std::string& type, const std::string& id) {
  return id.empty() ? std::string() : fmt::format("{}::\"{}\"", type, id);
}

// "allow", "deny" or "fail_closed" (a denial with a rule in both reasons and errors);
// empty for a payload that records neither decision.
std::string OutcomeOf(const DecisionFields& d) {
  if (d.decision == "allow") return d.decision;
  if (d.decision != "deny") return std::string();
  for (const std::string& erred : d.errors) {
    if (std::find(d.reasons.begin(), d.reasons.end(), erred) != d.reasons.end()) {
      return std::string("fail_closed");
    }
  }
  return d.decision;
}

// The evidence linked to decisions: each evidence entry once, and per decision id the
// entries that name it and its latest review's expected decision.
struct EvidenceIndex {
  std::vector<EvidenceSummary> entries;
  struct Links {
    std::vector<uint32_t> evidence;  // indexes into `entries`
    std::string review_expected;     // the latest valid review's body.expected
  };
  std::unordered_map<std::string, Links> by_decision;
};

Result<EvidenceIndex> IndexEvidence(const History& history, SeqRange range) {
  EvidenceIndex index;
  SeqRange rest{range.first, history.All().last};
  ARBITER_RETURN_IF_ERROR(history.ScanRaw(rest, {"evidence"}, [&](const RawAuditEntry& raw) {
    nlohmann::json payload = nlohmann::json::parse(raw.payload, nullptr, false);
    AuditEntry e;
    e.seq = raw.seq;
    e.time = std::string(raw.time);
    e.payload = std::move(payload);
    const nlohmann::json& ids = Member(e.payload, "decision_ids");
    if (!ids.is_array() || ids.empty()) return Status::Ok();
    EvidenceSummary summary;
    summary.seq = e.seq;
    summary.time = e.time;
    summary.type = StringMember(e.payload, "type");
    summary.author = StringMember(e.payload, "author");
    const nlohmann::json& body = Member(e.payload, "body");
    // A review counts as a correction only when its body is one (CheckReviewBody).
    if (summary.type == "review" && CheckReviewBody(body).ok()) {
      summary.expected = StringMember(body, "expected");
    }
    const auto at = static_cast<uint32_t>(index.entries.size());
    for (const auto& id : ids) {
      if (!id.is_string()) continue;
      EvidenceIndex::Links& links = index.by_decision[id.get<std::string>()];
      if (links.evidence.empty() || links.evidence.back() != at) links.evidence.push_back(at);
      if (!summary.expected.empty()) links.review_expected = summary.expected;
    }
    index.entries.push_back(std::move(summary));
    return Status::Ok();
  }));
  return index;
}

// A policy entry's sources as path -> digest.
std::map<std::string, std::string> SourcesOf(const nlohmann::json& payload) {
  std::map<std::string, std::string> sources;
  const nlohmann::json& list = Member(payload, "sources");
  if (!list.is_array()) return sources;
  for (const auto& s : list) sources[StringMember(s, "path")] = StringMember(s, "digest");
  return sources;
}

PolicyChange DescribeChange(const AuditEntry& e,
                            const std::optional<std::map<std::string, std::string>>& before) {
  PolicyChange change;
  change.seq = e.seq;
  change.time = e.time;
  change.activated_by = StringMember(e.payload, "activated_by");
  change.reason = StringMember(e.payload, "reason");
  change.bundle = StringMember(e.payload, "bundle");
  change.data = StringMember(e.payload, "data");
  change.first = !before.has_value();
  const auto now = SourcesOf(e.payload);
  static const std::map<std::string, std::string> kNone;
  const auto& old = before ? *before : kNone;
  for (const auto& [path, digest] : now) {
    auto it = old.find(path);
    if (it == old.end()) {
      change.added.push_back(path);
    } else if (it->second != digest) {
      change.changed.push_back(path);
    } else {
      ++change.unchanged;
    }
  }
  for (const auto& [path, digest] : old) {
    if (!now.count(path)) change.removed.push_back(path);
  }
  return change;
}

}  // namespace

Result<ReportFigures> ComputeReport(const History& history, const ReportOptions& options,
                                    VerificationStatus verification) {
  ARBITER_RETURN_IF_ERROR(options.decisions.Validate());
  ReportFigures figures;
  figures.source = history.Describe();
  figures.generated_at = ledger::NowTime();
  figures.options = options;
  figures.verification = std::move(verification);
  ARBITER_ASSIGN_OR_RETURN(figures.range, history.Select(options.range));

  // The obligations' follow-up reads the history on its own (its own passes over decisions
  // and evidence): it runs beside the figures' passes, on a second thread (History reads are
  // const and a Ledger may be read from any number of threads).
  std::future<Result<ObligationFollowUp>> follow_up;
  if (!figures.range.empty()) {
    follow_up = std::async(std::launch::async, [&history, range = figures.range,
                                                now = options.now] {
      return FollowObligations(history, range, now);
    });
  }
  // Waits for the follow-up before any return, so it never outlives `history`.
  struct Join {
    std::future<Result<ObligationFollowUp>>* f;
    ~Join() {
      if (f->valid()) f->wait();
    }
  } join{&follow_up};

  EvidenceIndex evidence;
  if (!figures.range.empty()) {
    ARBITER_ASSIGN_OR_RETURN(evidence, IndexEvidence(history, figures.range));
  }

  std::map<std::string, ControlFigures> controls;
  std::map<std::string, RuleFigures> rules;
  std::map<std::string, std::set<std::string>> rule_controls;
  std::optional<std::map<std::string, std::string>> in_force;  // the last activation's sources
  const SeqRange all = history.All();
  const bool filtered = !options.decisions.empty();
  if (!figures.range.empty() && !all.empty()) {
    // Activations from the first entry (the one in force when the range starts is what the
    // first change in it is compared with); decisions from the range's first entry.
    SeqRange pass{all.first, figures.range.last};
    ARBITER_RETURN_IF_ERROR(history.ScanRaw(pass, {"decision", "policy"}, [&](const RawAuditEntry& e) {
      if (e.kind == "policy") {
        AuditEntry policy;
        policy.seq = e.seq;
        policy.time = std::string(e.time);
        policy.payload = nlohmann::json::parse(e.payload, nullptr, false);
        if (e.seq >= figures.range.first) {
          figures.policy_changes.push_back(DescribeChange(policy, in_force));
        }
        in_force = SourcesOf(policy.payload);
        return Status::Ok();
      }
      if (e.seq < figures.range.first) return Status::Ok();
      // The matcher `audit export` uses, on the payload text.
      if (filtered && !options.decisions.Matches(e.payload)) return Status::Ok();
      ARBITER_ASSIGN_OR_RETURN(DecisionFields fields, ReadDecision(e));
      const std::vector<std::string>& reasons = fields.reasons;
      const std::string outcome = OutcomeOf(fields);
      if (outcome.empty()) {
        return Status::Corruption(
            fmt::format("decision entry {} records neither allow nor deny", e.seq));
      }
      const std::string& id = fields.decision_id;
      const EvidenceIndex::Links* links = nullptr;
      if (auto it = evidence.by_decision.find(id); it != evidence.by_decision.end()) {
        links = &it->second;
      }
      const bool has_evidence = links != nullptr && !links->evidence.empty();
      const bool open_correction = links != nullptr && !links->review_expected.empty() &&
                                   links->review_expected != fields.decision;

      Count(&figures.totals, outcome);
      if (has_evidence) ++figures.with_evidence;
      if (open_correction) ++figures.open_corrections;

      std::vector<std::string> names;
      for (std::string& c : fields.controls) {
        if (std::find(names.begin(), names.end(), c) == names.end()) names.push_back(std::move(c));
      }
      if (names.empty()) names.emplace_back(kNoControl);
      const std::string day(e.time.substr(0, 10));
      for (const std::string& name : names) {
        ControlFigures& c = controls[name];
        Count(&c.counts, outcome);
        Count(&c.per_day[day], outcome);
        if (has_evidence) ++c.with_evidence;
        if (open_correction) ++c.open_corrections;
        if (c.listed.size() >= options.max_listed) {
          ++c.more;
          continue;
        }
        ListedDecision d;
        d.seq = e.seq;
        d.id = id;
        d.time = std::string(e.time);
        d.outcome = outcome;
        d.subject = EntityName(fields.subject_type, fields.subject_id);
        d.action = fields.action;
        d.resource = EntityName(fields.resource_type, fields.resource_id);
        d.rules = reasons;
        if (links != nullptr) {
          for (uint32_t i : links->evidence) d.evidence.push_back(evidence.entries[i]);
        }
        if (open_correction) d.corrected_to = links->review_expected;
        c.listed.push_back(std::move(d));
      }
      for (const std::string& rule : reasons) {
        Count(&rules[rule].counts, outcome);
        for (const std::string& name : names) rule_controls[rule].insert(name);
      }
      return Status::Ok();
    }));
  }
  for (auto& [name, c] : controls) {
    c.name = name;
    if (name != kNoControl) figures.controls.push_back(std::move(c));
  }
  if (auto it = controls.find(std::string(kNoControl)); it != controls.end()) {
    figures.controls.push_back(std::move(it->second));
  }
  for (auto& [name, r] : rules) {
    r.name = name;
    const auto& cs = rule_controls[name];
    r.controls.assign(cs.begin(), cs.end());
    figures.rules.push_back(std::move(r));
  }

  if (!figures.range.empty()) {
    ARBITER_ASSIGN_OR_RETURN(figures.obligations, follow_up.get());
    if (filtered) {
      // The follow-up covers every decision of the range; keep those the filter selects.
      ObligationFollowUp kept;
      kept.as_of = figures.obligations.as_of;
      for (auto& o : figures.obligations.obligations) {
        auto entry = history.Get(o.decision_seq);
        if (!entry.ok()) return entry.status();
        if (!*entry || !options.decisions.Matches((*entry)->payload.dump())) continue;
        switch (o.state) {
          case ObligationState::kOpen: ++kept.open; break;
          case ObligationState::kDischarged: ++kept.discharged; break;
          case ObligationState::kDischargedLate: ++kept.discharged_late; break;
          case ObligationState::kOverdue: ++kept.overdue; break;
        }
        kept.obligations.push_back(std::move(o));
      }
      figures.obligations = std::move(kept);
    }
    // A report lists what needs attention; `audit obligations` lists them all.
    std::vector<FollowedObligation> listed;
    for (FollowedObligation& o : figures.obligations.obligations) {
      if (o.state == ObligationState::kDischarged) continue;
      if (listed.size() < options.max_obligations) {
        listed.push_back(std::move(o));
      } else {
        ++figures.obligations_more;
      }
    }
    figures.obligations.obligations = std::move(listed);
  } else {
    figures.obligations.as_of = options.now.empty() ? ledger::NowTime() : options.now;
  }
  return figures;
}

namespace {

VerificationStatus FromVerifyReport(const ledger::VerifyReport& report) {
  VerificationStatus status;
  status.checked = true;
  status.ok = report.ok;
  status.summary = report.Summary();
  status.problem = report.problem;
  status.key_names = report.keys;
  status.entries = report.entries;
  status.checkpoints = report.checkpoints;
  status.signed_size = report.signed_size;
  status.unsigned_tail = report.unsigned_entries();
  return status;
}

}  // namespace

VerificationStatus VerifyLedgerForReport(const ledger::Ledger& ledger,
                                         const std::vector<ledger::VerifierKey>& keys) {
  VerificationStatus status;
  if (keys.empty()) {
    status.summary = std::string(
        "not verified: no --key given, so checkpoint signatures were not checked");
    status.problem = status.summary;
    status.entries = ledger.Size();
  } else {
    ledger::VerifyOptions options;
    options.trusted_keys = keys;
    status = FromVerifyReport(ledger.Verify(options));
    for (const auto& k : keys) status.keys.push_back(k.Text());
  }
  if (status.signed_size == 0) {
    // Unchecked: still say where the latest stored checkpoint stands.
    auto note = ledger.LatestCheckpoint();
    if (note.ok()) {
      size_t body_end = note->find("\n\n");
      auto body = ledger::ParseCheckpointBody(
          body_end == std::string::npos ? *note : note->substr(0, body_end + 1));
      if (body.ok()) status.signed_size = body->size;
    }
    status.unsigned_tail = ledger.Size() > status.signed_size ? ledger.Size() - status.signed_size : 0;
  }
  if (status.signed_size > 0) {
    auto last = ledger.Get(status.signed_size - 1);
    if (last.ok()) status.checkpoint_time = last->time;
  }
  return status;
}

VerificationStatus VerifyBundleForReport(const std::string& path, const History& history,
                                         const std::vector<ledger::VerifierKey>& keys) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    VerificationStatus status;
    status.checked = true;
    status.problem = fmt::format("cannot read bundle '{}'", path);
    status.summary = "FAILED: " + status.problem;
    return status;
  }
  VerificationStatus status = FromVerifyReport(ledger::VerifyExportBundle(in, keys));
  if (keys.empty()) {
    // The bundle's own key (its header's public_key) is what verified it.
    std::ifstream again(path, std::ios::binary);
    std::string header;
    std::getline(again, header);
    auto parsed = nlohmann::json::parse(header, nullptr, false);
    std::string own = StringMember(parsed, "public_key");
    if (!own.empty()) status.keys.push_back(own + " (the bundle's own key)");
  } else {
    for (const auto& k : keys) status.keys.push_back(k.Text());
  }
  if (status.signed_size > 0) {
    auto last = history.Get(status.signed_size - 1);
    if (last.ok() && *last) status.checkpoint_time = (*last)->time;
  }
  return status;
}

}  // namespace arbiter::audit
