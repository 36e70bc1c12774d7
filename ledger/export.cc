// Ledger::Export: JSON Lines, CSV, or a self-verifying bundle (spec/ledger-format.md,
// "Export"; ledger/verify_bundle.cc checks bundles). Streams entry by entry: memory use does
// not grow with the ledger (beyond the digests the selected decisions name: one per policy
// activation and data version they used).
#include <arbiter/ledger.h>

#include <map>
#include <ostream>
#include <set>

#include "common/encoding.h"
#include "ledger/bundle_format.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JsonString(const nlohmann::json& p, const char* key) {
  if (!p.is_object() || !p.contains(key)) return "";
  const auto& v = p[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

Status EntryCorruption(uint64_t seq, const Status& st) {
  return Status::Corruption("entry " + std::to_string(seq) + ": " + st.message());
}

// What the selected decisions depend on, gathered while the range streams: the policy and
// data digests they name, and the digests the policy and data entries held in full provide
// (those need no dependency line).
struct Needs {
  std::set<std::string> policies, data;
  std::set<std::string> held_policies, held_data;
  uint64_t decisions = 0;

  void Note(const EntryView& view) {
    if (view.kind != "decision" && view.kind != "policy" && view.kind != "data") return;
    nlohmann::json p = nlohmann::json::parse(view.payload, nullptr, false);
    if (view.kind == "decision") {
      ++decisions;
      if (std::string d = StringMember(p, "bundle"); !d.empty()) policies.insert(std::move(d));
      if (std::string d = StringMember(p, "data"); !d.empty()) data.insert(std::move(d));
    } else if (view.kind == "policy") {
      if (std::string d = StringMember(p, "bundle"); !d.empty()) held_policies.insert(std::move(d));
    } else if (std::string d = StringMember(p, "data"); !d.empty()) {
      held_data.insert(std::move(d));
    }
  }
};

}  // namespace

Result<RangeBound> ParseRangeBound(const std::string& text, std::string_view what) {
  RangeBound b;
  if (text.empty()) return b;
  b.set = true;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 19) return Status::InvalidArgument(std::string(what) + ": sequence number too large");
    b.is_seq = true;
    b.seq = std::stoull(text);
    return b;
  }
  // An RFC 3339 UTC time or a prefix of one ("2026-11-26", "2026-11-26T10:00").
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (text.size() > kShape.size()) {
    return Status::InvalidArgument(std::string(what) + ": '" + text +
                                   "' is neither a sequence number nor a UTC time like "
                                   "2026-11-26T10:00:00Z");
  }
  std::string t = text;
  if (t.back() == 'Z' && t.size() < kShape.size()) t.pop_back();  // "...:00Z" → prefix
  for (size_t i = 0; i < t.size(); ++i) {
    bool ok = kShape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == kShape[i];
    if (!ok) {
      return Status::InvalidArgument(std::string(what) + ": '" + text +
                                     "' is neither a sequence number nor a UTC time like "
                                     "2026-11-26T10:00:00Z");
    }
  }
  b.time = t;
  return b;
}

Status Ledger::Export(const ExportOptions& options, std::ostream& out) const {
  ARBITER_ASSIGN_OR_RETURN(RangeBound from, ParseRangeBound(options.from, "--from"));
  ARBITER_ASSIGN_OR_RETURN(RangeBound to, ParseRangeBound(options.to, "--to"));
  if (!options.kind.empty() && !ValidKind(options.kind)) {
    return Status::InvalidArgument("--kind '" + options.kind + "' is not a valid kind");
  }
  const DecisionFilter& filter = options.decisions;
  ARBITER_RETURN_IF_ERROR(filter.Validate());
  if (!filter.empty() && !options.kind.empty() && options.kind != "decision") {
    return Status::InvalidArgument(
        "a decision filter (--control, --rule, --decision-id, --subject, --action, "
        "--resource, --decision) selects decisions: it cannot be combined with --kind " +
        options.kind);
  }
  const bool is_bundle = options.format == ExportOptions::Format::kBundle;
  // Bundles always carry what their decisions depend on; jsonl and csv when asked.
  const bool dependencies = is_bundle || options.with_dependencies;
  uint64_t end = Size();  // exclusive
  uint64_t tree_size = 0;
  std::string checkpoint;
  if (is_bundle) {
    auto size = impl_->LatestCheckpointSize();
    if (!size.ok()) return Status::FailedPrecondition("cannot export a bundle: " + size.status().message());
    tree_size = *size;
    end = std::min(end, tree_size);
    ARBITER_ASSIGN_OR_RETURN(checkpoint, impl_->CheckpointAt(tree_size));
    std::string signer;
    ARBITER_RETURN_IF_ERROR(impl_->storage().Get(layout::kMetaSigner, &signer));
    // Every rotation before the checkpoint's size, wherever the range lies: the checkpoint is
    // signed by the key the last of them names. One scan of the entries; a cheap prefix test
    // skips all but key entries.
    nlohmann::json chain = nlohmann::json::array();
    auto scan = impl_->storage().Seek(layout::EntryKey(0));
    for (; scan->Valid() && scan->key().starts_with(layout::kEntryPrefix); scan->Next()) {
      uint64_t seq = layout::GetBE64(scan->key().substr(layout::kEntryPrefix.size()));
      if (seq >= tree_size) break;
      std::string_view raw = scan->value();
      if (!raw.starts_with(bundle::kKeyEntryPrefix)) continue;
      auto view = ParseEntry(raw);
      if (!view.ok()) return EntryCorruption(seq, view.status());
      if (!bundle::IsRotation(view->payload)) continue;
      ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
      chain.push_back(
          {{"seq", seq}, {"entry", std::string(raw)}, {"proof", bundle::ProofJson(path)}});
    }
    ARBITER_RETURN_IF_ERROR(scan->status());
    nlohmann::json header = {{"format", bundle::kFormat},
                             {"version", bundle::kVersion},
                             {"origin", impl_->origin()},
                             {"public_key", signer},
                             {"checkpoint", checkpoint},
                             {"tree_size", tree_size},
                             {"from", options.from},
                             {"to", options.to},
                             {"kind", options.kind},
                             {"filter", bundle::FilterToJson(filter)},
                             {"key_chain", std::move(chain)}};
    out << header.dump() << "\n";
  } else if (options.format == ExportOptions::Format::kCsv) {
    out << "seq,time,kind,entry_hash,decision_id,decision,bundle,payload\n";
  }

  // One entry in the chosen format; `dependency` names a bundle dependency line's kind.
  auto write = [&](uint64_t seq, std::string_view raw, const EntryView& view,
                   std::string_view dependency) -> Status {
    switch (options.format) {
      case ExportOptions::Format::kJsonl:
        out << raw << "\n";
        break;
      case ExportOptions::Format::kCsv: {
        nlohmann::json p = nlohmann::json::parse(view.payload, nullptr, false);
        out << seq << "," << view.time << "," << view.kind << "," << HexEncode(LeafHash(raw))
            << "," << CsvField(JsonString(p, "decision_id")) << ","
            << CsvField(JsonString(p, "decision")) << "," << CsvField(JsonString(p, "bundle"))
            << "," << CsvField(view.payload) << "\n";
        break;
      }
      case ExportOptions::Format::kBundle: {
        ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
        nlohmann::json line = {{"seq", seq}, {"entry", std::string(raw)},
                               {"proof", bundle::ProofJson(path)}};
        if (!dependency.empty()) line["dependency"] = dependency;
        out << line.dump() << "\n";
        break;
      }
    }
    if (!out) return Status::IOError("cannot write the export");
    return Status::Ok();
  };

  uint64_t start = from.set && from.is_seq ? from.seq : 0;
  uint64_t count = 0;
  uint64_t omitted = 0;  // bundle: entries in the range outside the selection
  std::optional<uint64_t> first, last;
  Needs needs;
  auto cursor = impl_->storage().Seek(layout::EntryKey(start));
  for (; cursor->Valid() && cursor->key().starts_with(layout::kEntryPrefix); cursor->Next()) {
    uint64_t seq = layout::GetBE64(cursor->key().substr(layout::kEntryPrefix.size()));
    if (seq >= end) break;
    if (to.set && to.is_seq && seq > to.seq) break;
    std::string_view raw = cursor->value();
    auto view = ParseEntry(raw);
    if (!view.ok()) return EntryCorruption(seq, view.status());
    if (from.set && !from.is_seq && view->time.substr(0, from.time.size()) < from.time) continue;
    if (to.set && !to.is_seq && view->time.substr(0, to.time.size()) > to.time) break;
    if (!first) first = seq;
    last = seq;
    if (!bundle::Selects(options.kind, filter, view->kind, view->payload)) {
      if (!is_bundle) continue;
      // A bundle's range has no holes: an entry outside the selection is named by its hash,
      // so the verifier can prove it is in the tree without seeing it.
      ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
      out << nlohmann::json({{"seq", seq},
                             {"omitted", HexEncode(LeafHash(raw))},
                             {"proof", bundle::ProofJson(path)}})
                 .dump()
          << "\n";
      ++omitted;
      continue;
    }
    ARBITER_RETURN_IF_ERROR(write(seq, raw, *view, {}));
    if (dependencies) needs.Note(*view);
    ++count;
  }
  ARBITER_RETURN_IF_ERROR(cursor->status());

  // The dependencies, in seq order: the first policy entry of each bundle digest and the data
  // entry of each data digest the selected decisions name (found by the ledger's indexes),
  // and the evidence entries naming a selected decision (one scan of the entries from the
  // range's start, skipping all but evidence by their first bytes). Those the range holds in
  // full are not repeated. A digest no entry holds is stated in the end line as unrecorded.
  uint64_t dependency_count = 0;
  nlohmann::json unrecorded_policies = nlohmann::json::array();
  nlohmann::json unrecorded_data = nlohmann::json::array();
  if (dependencies && needs.decisions > 0) {
    std::map<uint64_t, std::string_view> indexed;  // seq → kind: policy and data dependencies
    for (const std::string& digest : needs.policies) {
      if (needs.held_policies.count(digest)) continue;
      ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, FindPolicy(digest));
      if (seq && *seq < end) {
        indexed.emplace(*seq, bundle::kPolicy);
      } else {
        unrecorded_policies.push_back(digest);
      }
    }
    for (const std::string& digest : needs.data) {
      if (needs.held_data.count(digest)) continue;
      ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, FindData(digest));
      if (seq && *seq < end) {
        indexed.emplace(*seq, bundle::kData);
      } else {
        unrecorded_data.push_back(digest);
      }
    }
    auto emit = [&](uint64_t seq, std::string_view raw, std::string_view kind) -> Status {
      auto view = ParseEntry(raw);
      if (!view.ok()) return EntryCorruption(seq, view.status());
      if (view->kind != kind) {
        return Status::Corruption("entry " + std::to_string(seq) + ": the index names it as " +
                                  std::string(kind) + ", but it is a " +
                                  std::string(view->kind) + " entry");
      }
      ARBITER_RETURN_IF_ERROR(write(seq, raw, *view, kind));
      ++dependency_count;
      return Status::Ok();
    };
    auto emit_indexed_before = [&](uint64_t limit) -> Status {
      while (!indexed.empty() && indexed.begin()->first < limit) {
        auto [seq, kind] = *indexed.begin();
        ARBITER_ASSIGN_OR_RETURN(StoredEntry stored, Get(seq));
        ARBITER_RETURN_IF_ERROR(emit(seq, stored.raw, kind));
        indexed.erase(indexed.begin());
      }
      return Status::Ok();
    };
    // Whether the decision with this id is one the export selected (constant memory: the
    // decision index, then its entry).
    auto selected_decision = [&](const std::string& id) -> Result<bool> {
      ARBITER_ASSIGN_OR_RETURN(std::optional<uint64_t> seq, FindDecision(id));
      if (!seq || *seq < *first || *seq > *last) return false;
      ARBITER_ASSIGN_OR_RETURN(StoredEntry stored, Get(*seq));
      auto view = ParseEntry(stored.raw);
      if (!view.ok()) return EntryCorruption(*seq, view.status());
      return bundle::Selects(options.kind, filter, view->kind, view->payload);
    };
    // Evidence the range holds in full (selected by kind) is not repeated.
    const bool evidence_held =
        bundle::Selects(options.kind, filter, bundle::kEvidence, std::string_view());
    auto scan = impl_->storage().Seek(layout::EntryKey(*first));
    for (; scan->Valid() && scan->key().starts_with(layout::kEntryPrefix); scan->Next()) {
      uint64_t seq = layout::GetBE64(scan->key().substr(layout::kEntryPrefix.size()));
      if (seq >= end) break;
      std::string_view raw = scan->value();
      if (!raw.starts_with(bundle::kEvidenceEntryPrefix)) continue;
      if (evidence_held && seq <= *last) continue;
      auto view = ParseEntry(raw);
      if (!view.ok()) return EntryCorruption(seq, view.status());
      nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
      auto ids = p.is_object() ? p.find("decision_ids") : p.end();
      if (!p.is_object() || ids == p.end() || !ids->is_array()) continue;
      bool linked = false;
      for (const auto& id : *ids) {
        if (!id.is_string()) continue;
        ARBITER_ASSIGN_OR_RETURN(linked, selected_decision(id.get<std::string>()));
        if (linked) break;
      }
      if (!linked) continue;
      ARBITER_RETURN_IF_ERROR(emit_indexed_before(seq));
      ARBITER_RETURN_IF_ERROR(emit(seq, raw, bundle::kEvidence));
    }
    ARBITER_RETURN_IF_ERROR(scan->status());
    ARBITER_RETURN_IF_ERROR(emit_indexed_before(UINT64_MAX));
  }

  if (is_bundle) {
    nlohmann::json end_line = {{"end", true},
                               {"count", count},
                               {"omitted", omitted},
                               {"dependencies", dependency_count},
                               {"unrecorded", {{"policy", std::move(unrecorded_policies)},
                                               {"data", std::move(unrecorded_data)}}},
                               {"first", nullptr},
                               {"last", nullptr}};
    if (first) end_line["first"] = *first;
    if (last) end_line["last"] = *last;
    out << end_line.dump() << "\n";
  }
  out.flush();
  if (!out) return Status::IOError("cannot write the export");
  return Status::Ok();
}

}  // namespace arbiter::ledger
