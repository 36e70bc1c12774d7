#include "audit/replay.h"

#include <arbiter/entities.h>
#include <fmt/format.h>

#include "ledger/json_fields.h"

#include <algorithm>
#include <memory>
#include <set>
#include <unordered_map>

#include "common/encoding.h"
#include "recorder/privacy.h"

namespace arbiter::audit {

namespace {

std::vector<std::string> RulesOf(const nlohmann::json& reasons) {
  std::vector<std::string> rules;
  if (!reasons.is_array()) return rules;
  for (const auto& r : reasons) {
    if (r.is_object()) rules.push_back(ledger::StringMember(r, "rule"));
  }
  return rules;
}

std::vector<std::string> StringsOf(const nlohmann::json& array) {
  std::vector<std::string> out;
  if (!array.is_array()) return out;
  for (const auto& v : array) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// "Type:id" of an AuthZEN entity object; "?" when it has no string type and id.
std::string EntityLabel(const nlohmann::json& request, const char* member) {
  auto it = request.find(member);
  if (it == request.end() || !it->is_object()) return "?";
  if (std::string_view(member) == "action") return ledger::StringMember(*it, "name");
  return ledger::StringMember(*it, "type") + ":" + ledger::StringMember(*it, "id");
}

// The recorded policy sets and data versions, gathered from the entries before and in the
// range, and the engines and entity stores built from them on first use.
class Recorded {
 public:
  void NotePolicy(const AuditEntry& e) {
    const std::string bundle = ledger::StringMember(e.payload, "bundle");
    const std::string bytes = ledger::StringMember(e.payload, "bundle_base64");
    if (!bundle.empty() && !bytes.empty()) bundles_.try_emplace(bundle, bytes);
    if (!bundle.empty()) activation_data_[bundle] = ledger::StringMember(e.payload, "data");
  }
  void NoteData(const AuditEntry& e) {
    const std::string digest = ledger::StringMember(e.payload, "data");
    auto entities = e.payload.find("entities");
    if (!digest.empty() && entities != e.payload.end()) data_.try_emplace(digest, entities->dump());
  }
  // The data digest the latest activation of `bundle` named ("" when none; nullopt when the
  // bundle's activation was not seen).
  std::optional<std::string> ActivationData(const std::string& bundle) const {
    auto it = activation_data_.find(bundle);
    if (it == activation_data_.end()) return std::nullopt;
    return it->second;
  }

  // The engine of a recorded bundle, or why there is none.
  const Engine* EngineFor(const std::string& digest, std::string* why) {
    if (auto it = engines_.find(digest); it != engines_.end()) return it->second.get();
    auto bytes = bundles_.find(digest);
    if (bytes == bundles_.end()) {
      *why = "its policy bundle is not recorded (no policy entry holds its bytes)";
      return nullptr;
    }
    auto decoded = Base64Decode(bytes->second);
    if (!decoded) {
      *why = "its policy entry's bundle_base64 is not base64";
      return nullptr;
    }
    auto engine = Engine::LoadBundle(
        std::string_view(reinterpret_cast<const char*>(decoded->data()), decoded->size()));
    if (!engine.ok()) {
      *why = "its recorded bundle does not load: " + engine.status().message();
      return nullptr;
    }
    if (engine->digest() != digest) {
      *why = "its recorded bundle has another digest";
      return nullptr;
    }
    auto& slot = engines_[digest];
    slot = std::make_unique<Engine>(std::move(engine).value());
    return slot.get();
  }

  const EntityStore* DataFor(const std::string& digest, std::string* why) {
    if (digest.empty()) return &empty_;
    if (auto it = stores_.find(digest); it != stores_.end()) return it->second.get();
    auto text = data_.find(digest);
    if (text == data_.end()) {
      *why = "its entity data is not recorded (no data entry holds it)";
      return nullptr;
    }
    auto store = EntityStore::FromJson(text->second, "recorded data " + digest);
    if (!store.ok()) {
      *why = "its recorded entity data does not load: " + store.status().message();
      return nullptr;
    }
    auto& slot = stores_[digest];
    slot = std::make_unique<EntityStore>(std::move(store).value());
    return slot.get();
  }

 private:
  std::unordered_map<std::string, std::string> bundles_;          // digest → base64 bytes
  std::unordered_map<std::string, std::string> data_;             // digest → entity JSON
  std::unordered_map<std::string, std::string> activation_data_;  // bundle → data digest
  std::unordered_map<std::string, std::unique_ptr<Engine>> engines_;
  std::unordered_map<std::string, std::unique_ptr<EntityStore>> stores_;
  EntityStore empty_;
};

// The request a decision entry recorded, as JSON text, or why it cannot be had.
std::optional<std::string> RecordedRequest(const AuditEntry& e,
                                           const ledger::PrivacyStore* private_store,
                                           std::string* why) {
  const nlohmann::json& p = e.payload;
  if (p.contains("request_masked")) {
    *why = "values in its request are masked (record mode full with masks)";
    return std::nullopt;
  }
  if (auto it = p.find("request"); it != p.end() && it->is_object()) return it->dump();
  if (p.contains("request_encrypted")) {
    if (private_store == nullptr) {
      *why = "its request is encrypted (give the private store to open it)";
      return std::nullopt;
    }
    ledger::StoredEntry stored;
    stored.seq = e.seq;
    stored.kind = e.kind;
    stored.time = e.time;
    stored.raw = e.raw;
    stored.entry_hash = ledger::LeafHash(e.raw);
    auto revealed = recorder::RevealEntry(stored, *private_store);
    if (!revealed.ok()) {
      *why = "its encrypted request does not open: " + revealed.status().message();
      return std::nullopt;
    }
    if (revealed->contains("request")) return (*revealed)["request"].dump();
    *why = "its request was erased (audit erase)";
    return std::nullopt;
  }
  if (p.contains("request_commitment") || p.contains("request_digest")) {
    *why = "only a digest of its request is recorded";
    return std::nullopt;
  }
  *why = "it records no request";
  return std::nullopt;
}

void AddToGroup(std::map<std::string, ImpactGroup>* groups, const std::string& name,
                bool allow_to_deny) {
  ImpactGroup& g = (*groups)[name];
  g.name = name;
  ++g.changed;
  ++(allow_to_deny ? g.allow_to_deny : g.deny_to_allow);
}

std::vector<ImpactGroup> Ranked(std::map<std::string, ImpactGroup> groups) {
  std::vector<ImpactGroup> out;
  for (auto& [name, g] : groups) out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(),
                   [](const ImpactGroup& a, const ImpactGroup& b) { return a.changed > b.changed; });
  return out;
}

// Controls of each rule id, from the engines' rule annotations.
void AddRuleControls(const Engine& engine, std::map<std::string, std::vector<std::string>>* out) {
  for (const RuleInfo& rule : engine.rules()) {
    if (out->count(rule.id)) continue;
    std::vector<std::string> controls;
    for (const auto& [key, value] : rule.annotations) {
      if (key == "control") controls.push_back(value);
    }
    (*out)[rule.id] = std::move(controls);
  }
}

std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "0%";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

nlohmann::json OutcomeJson(const ReplayOutcome& o) {
  return {{"decision", o.decision}, {"rules", o.rules}, {"controls", o.controls}};
}

}  // namespace

uint64_t ReplayReport::not_replayable_count() const {
  uint64_t n = 0;
  for (const auto& [why, count] : not_replayable) n += count;
  return n;
}

Result<ReplayReport> Replay(const History& history, const ReplayOptions& options) {
  ReplayReport report;
  report.candidate = options.candidate != nullptr;
  if (options.candidate) report.candidate_bundle = options.candidate->digest();
  report.source = history.Describe();
  ARBITER_ASSIGN_OR_RETURN(report.range, history.Select(options.range));
  if (options.last_decisions > 0 && !report.range.empty()) {
    // Walk back from the end of the range to the last_decisions-th decision.
    uint64_t found = 0;
    uint64_t seq = report.range.last;
    for (;; --seq) {
      ARBITER_ASSIGN_OR_RETURN(std::optional<AuditEntry> e, history.Get(seq));
      if (e && e->kind == "decision" && ++found == options.last_decisions) break;
      if (seq == report.range.first) break;
    }
    report.range.first = seq;
  }
  const std::set<std::string> wanted(options.decision_ids.begin(), options.decision_ids.end());
  Recorded recorded;
  std::map<std::string, ImpactGroup> by_rule, by_control;
  std::map<std::string, std::vector<std::string>> rule_controls;
  if (options.candidate) AddRuleControls(*options.candidate, &rule_controls);
  std::vector<std::string_view> controls_scratch;
  std::set<std::string> ids_seen;

  // One pass from the first entry held to the end of the range: policy and data entries fill
  // `recorded` (a decision's policy and data always come before it), decisions in the range
  // are decided again.
  SeqRange pass{history.All().first, report.range.last};
  if (report.range.empty()) pass = SeqRange{1, 0};
  Status scanned = history.Scan(pass, {"policy", "data", "decision"}, [&](const AuditEntry& e) {
    if (e.kind == "policy") {
      recorded.NotePolicy(e);
      return Status::Ok();
    }
    if (e.kind == "data") {
      recorded.NoteData(e);
      return Status::Ok();
    }
    if (e.seq < report.range.first) return Status::Ok();
    const std::string decision_id = ledger::StringMember(e.payload, "decision_id");
    if (!wanted.empty() && !wanted.count(decision_id)) return Status::Ok();
    ids_seen.insert(decision_id);
    ++report.decisions;
    std::string why;
    auto skip = [&](const std::string& reason) {
      ++report.not_replayable[reason];
      return Status::Ok();
    };
    std::optional<std::string> request = RecordedRequest(e, options.private_store, &why);
    if (!request) return skip(why);
    const std::string bundle = ledger::StringMember(e.payload, "bundle");
    const Engine* engine = recorded.EngineFor(bundle, &why);
    if (!engine) return skip(why);
    const EntityStore* data = options.candidate ? options.candidate_data : nullptr;
    if (data == nullptr) {
      if (!e.payload.contains("data")) {
        // Written before decisions named their data: replayable only when its activation
        // had no data either.
        std::optional<std::string> activation = recorded.ActivationData(bundle);
        if (activation && !activation->empty()) {
          return skip(
              "it does not name the entity data it saw (recorded before data versions were)");
        }
      }
      data = recorded.DataFor(ledger::StringMember(e.payload, "data"), &why);
      if (!data) return skip(why);
    }
    const Engine& decider = options.candidate ? *options.candidate : *engine;
    auto decided = decider.DecideJson(*request, *data);
    if (!decided.ok()) return skip("its request does not decode: " + decided.status().message());
    ++report.replayed;
    nlohmann::json now = nlohmann::json::parse(decided->ToJson());

    ReplayDifference diff;
    diff.seq = e.seq;
    diff.decision_id = decision_id;
    diff.time = e.time;
    nlohmann::json request_json = nlohmann::json::parse(*request, nullptr, false);
    diff.subject = EntityLabel(request_json, "subject");
    diff.action = EntityLabel(request_json, "action");
    diff.resource = EntityLabel(request_json, "resource");
    diff.recorded.decision = ledger::StringMember(e.payload, "decision");
    diff.recorded.rules = RulesOf(e.payload.value("reasons", nlohmann::json::array()));
    diff.recorded.controls = StringsOf(e.payload.value("controls", nlohmann::json::array()));
    diff.replayed.decision = decided->allow ? "allow" : "deny";
    diff.replayed.rules = RulesOf(now["reasons"]);
    decider.Controls(*decided, &controls_scratch);
    diff.replayed.controls.assign(controls_scratch.begin(), controls_scratch.end());

    if (!options.candidate) {
      auto member = [](const nlohmann::json& j, const char* key) {
        auto it = j.find(key);
        return it == j.end() ? nlohmann::json::array() : *it;
      };
      if (diff.recorded.decision != diff.replayed.decision) diff.what.push_back("decision");
      for (const char* part : {"reasons", "obligations", "errors"}) {
        if (member(e.payload, part) != member(now, part)) diff.what.push_back(part);
      }
      if (e.payload.contains("controls") && diff.recorded.controls != diff.replayed.controls) {
        diff.what.push_back("controls");
      }
      if (diff.what.empty()) {
        ++report.same;
        return Status::Ok();
      }
      ++report.differ;
      if (report.examples.size() < options.max_examples) report.examples.push_back(std::move(diff));
      return Status::Ok();
    }

    // What-if: a decision changes when allow flips to deny or back.
    if (diff.recorded.decision == diff.replayed.decision) {
      ++report.same;
      if (diff.recorded.rules != diff.replayed.rules) ++report.reasons_changed;
      return Status::Ok();
    }
    const bool to_deny = diff.replayed.decision == "deny";
    ++report.differ;
    ++(to_deny ? report.allow_to_deny : report.deny_to_allow);
    diff.what.push_back("decision");
    // The rules that account for the change: those that decide now and did not, or did and
    // no longer do.
    std::set<std::string> before(diff.recorded.rules.begin(), diff.recorded.rules.end());
    std::set<std::string> after(diff.replayed.rules.begin(), diff.replayed.rules.end());
    std::set<std::string> rules;
    for (const auto& r : before) {
      if (!after.count(r)) rules.insert(r);
    }
    for (const auto& r : after) {
      if (!before.count(r)) rules.insert(r);
    }
    AddRuleControls(*engine, &rule_controls);
    for (const auto& r : rules) AddToGroup(&by_rule, r, to_deny);
    std::set<std::string> controls(diff.recorded.controls.begin(), diff.recorded.controls.end());
    controls.insert(diff.replayed.controls.begin(), diff.replayed.controls.end());
    for (const auto& c : controls) AddToGroup(&by_control, c, to_deny);
    if (report.examples.size() < options.max_examples) report.examples.push_back(std::move(diff));
    return Status::Ok();
  });
  ARBITER_RETURN_IF_ERROR(scanned);
  for (const auto& id : wanted) {
    if (!ids_seen.count(id)) {
      return Status::NotFound(fmt::format("decision {} is not in the {} selected", id,
                                          report.range.empty() ? "(empty) range" : "range"));
    }
  }
  report.by_rule = Ranked(std::move(by_rule));
  for (ImpactGroup& g : report.by_rule) {
    if (auto it = rule_controls.find(g.name); it != rule_controls.end()) g.controls = it->second;
  }
  report.by_control = Ranked(std::move(by_control));
  return report;
}

std::string ReplayReport::ToText() const {
  std::string out;
  std::string range_text =
      range.empty() ? "no entries" : fmt::format("seq {}..{}", range.first, range.last);
  if (!candidate) {
    out += fmt::format("replay of {}: {}, {} decision{}\n", source, range_text, decisions,
                       decisions == 1 ? "" : "s");
    out += fmt::format("{} of {} reproduced", same, decisions);
    if (differ > 0) out += fmt::format("; {} differ{} from the record", differ, differ == 1 ? "s" : "");
  } else {
    out += fmt::format("what-if: candidate {} against {} recorded decision{} ({}, {})\n",
                       candidate_bundle, decisions, decisions == 1 ? "" : "s", source, range_text);
    out += fmt::format("would change: {} of {} decided again ({})", differ, replayed,
                       Percent(differ, replayed));
    if (differ > 0) {
      out += fmt::format(": allow -> deny {}, deny -> allow {}", allow_to_deny, deny_to_allow);
    }
    if (reasons_changed > 0) {
      out += fmt::format("; {} more keep their decision, decided by other rules", reasons_changed);
    }
  }
  out += "\n";
  if (!not_replayable.empty()) {
    out += fmt::format("not replayable: {}\n", not_replayable_count());
    for (const auto& [why, count] : not_replayable) out += fmt::format("  {:>6}  {}\n", count, why);
  }
  if (candidate && !by_rule.empty()) {
    out += "by rule:\n";
    out += fmt::format("  {:>7}  {:>10}  {:>10}  {}\n", "changed", "allow>deny", "deny>allow", "rule [controls]");
    for (const ImpactGroup& g : by_rule) {
      out += fmt::format("  {:>7}  {:>10}  {:>10}  {}{}\n", g.changed, g.allow_to_deny,
                         g.deny_to_allow, g.name,
                         g.controls.empty() ? "" : " [" + Join(g.controls, ", ") + "]");
    }
  }
  if (candidate && !by_control.empty()) {
    out += "by control:\n";
    for (const ImpactGroup& g : by_control) {
      out += fmt::format("  {:>7}  {:>10}  {:>10}  {}\n", g.changed, g.allow_to_deny,
                         g.deny_to_allow, g.name);
    }
  }
  if (!examples.empty()) {
    out += differ > examples.size()
               ? fmt::format("the first {} of {} differences:\n", examples.size(), differ)
               : std::string("differences:\n");
    for (const ReplayDifference& d : examples) {
      out += fmt::format("  seq {} {} ({}): {} {} {}\n", d.seq, d.decision_id, d.time, d.subject,
                         d.action, d.resource);
      out += fmt::format("    recorded {} by [{}]; {} {} by [{}]", d.recorded.decision,
                         Join(d.recorded.rules, ", "), candidate ? "candidate" : "replayed",
                         d.replayed.decision, Join(d.replayed.rules, ", "));
      if (!candidate) out += "; differs in " + Join(d.what, ", ");
      out += "\n";
    }
  }
  return out;
}

std::string ReplayReport::ToJson() const {
  nlohmann::json j;
  j["mode"] = candidate ? "candidate" : "reproduce";
  j["candidate_bundle"] = candidate ? nlohmann::json(candidate_bundle) : nlohmann::json(nullptr);
  j["source"] = source;
  j["range"] = range.empty() ? nlohmann::json(nullptr)
                             : nlohmann::json{{"first", range.first}, {"last", range.last}};
  j["decisions"] = decisions;
  j["replayed"] = replayed;
  j["same"] = same;
  j["differ"] = differ;
  j["reproduced_all"] = reproduced_all();
  if (candidate) {
    j["allow_to_deny"] = allow_to_deny;
    j["deny_to_allow"] = deny_to_allow;
    j["reasons_changed"] = reasons_changed;
  }
  nlohmann::json skipped = nlohmann::json::object();
  for (const auto& [why, count] : not_replayable) skipped[why] = count;
  j["not_replayable"] = {{"count", not_replayable_count()}, {"reasons", std::move(skipped)}};
  auto groups = [](const std::vector<ImpactGroup>& list, bool with_controls) {
    nlohmann::json out = nlohmann::json::array();
    for (const ImpactGroup& g : list) {
      nlohmann::json item = {{"name", g.name},
                             {"changed", g.changed},
                             {"allow_to_deny", g.allow_to_deny},
                             {"deny_to_allow", g.deny_to_allow}};
      if (with_controls) item["controls"] = g.controls;
      out.push_back(std::move(item));
    }
    return out;
  };
  j["by_rule"] = groups(by_rule, true);
  j["by_control"] = groups(by_control, false);
  nlohmann::json examples_json = nlohmann::json::array();
  for (const ReplayDifference& d : examples) {
    examples_json.push_back({{"seq", d.seq},
                             {"decision_id", d.decision_id},
                             {"time", d.time},
                             {"subject", d.subject},
                             {"action", d.action},
                             {"resource", d.resource},
                             {"recorded", OutcomeJson(d.recorded)},
                             {"replayed", OutcomeJson(d.replayed)},
                             {"differs_in", d.what}});
  }
  j["differences"] = std::move(examples_json);
  return j.dump(2) + "\n";
}

}  // namespace arbiter::audit
