// Ledger::Export (JSON Lines, CSV, self-verifying bundle) and VerifyExportBundle.
// Streams entry by entry: memory use does not grow with the ledger.
#include <arbiter/ledger.h>

#include <istream>
#include <map>
#include <ostream>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

constexpr std::string_view kBundleFormat = "arbiter-ledger-bundle";
// Version 2: every seq of the bundle's range has a line (entries outside a kind filter as
// "omitted" stubs), and the end line states the range, so removed entries are detected.
// Version 3: the header carries the key chain (every rotation before the checkpoint's size,
// with its inclusion proof), so the key the auditor trusted first verifies the bundle.
// Version 2 bundles are still read (as bundles with no rotation).
constexpr int kBundleVersion = 3;
constexpr int kOldestBundleVersion = 2;
constexpr std::string_view kKeyEntryPrefix = "{\"kind\":\"key\",";

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

nlohmann::json ProofJson(const std::vector<Hash>& path) {
  nlohmann::json proof = nlohmann::json::array();
  for (const Hash& h : path) proof.push_back(Base64Encode(h));
  return proof;
}

Result<Hash> HashFromBase64(const nlohmann::json& h) {
  auto bytes = h.is_string() ? Base64Decode(h.get<std::string>()) : std::nullopt;
  if (!bytes || bytes->size() != 32) return Status::Corruption("malformed proof hash");
  Hash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

Result<std::vector<Hash>> ProofFromJson(const nlohmann::json& proof) {
  std::vector<Hash> path;
  if (!proof.is_array()) return Status::Corruption("malformed proof");
  for (const auto& h : proof) {
    ARBITER_ASSIGN_OR_RETURN(Hash hash, HashFromBase64(h));
    path.push_back(hash);
  }
  return path;
}

bool IsRotation(std::string_view payload) {
  nlohmann::json p = nlohmann::json::parse(payload, nullptr, false);
  return StringMember(p, "action") == "rotate";
}

std::string JsonString(const nlohmann::json& p, const char* key) {
  if (!p.is_object() || !p.contains(key)) return "";
  const auto& v = p[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

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
  uint64_t end = Size();  // exclusive
  uint64_t tree_size = 0;
  std::string checkpoint;
  if (options.format == ExportOptions::Format::kBundle) {
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
      if (!raw.starts_with(kKeyEntryPrefix)) continue;
      auto view = ParseEntry(raw);
      if (!view.ok()) {
        return Status::Corruption("entry " + std::to_string(seq) + ": " + view.status().message());
      }
      if (!IsRotation(view->payload)) continue;
      ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
      chain.push_back({{"seq", seq}, {"entry", std::string(raw)}, {"proof", ProofJson(path)}});
    }
    ARBITER_RETURN_IF_ERROR(scan->status());
    nlohmann::json header = {{"format", kBundleFormat},
                             {"version", kBundleVersion},
                             {"origin", impl_->origin()},
                             {"public_key", signer},
                             {"checkpoint", checkpoint},
                             {"tree_size", tree_size},
                             {"from", options.from},
                             {"to", options.to},
                             {"kind", options.kind},
                             {"key_chain", std::move(chain)}};
    out << header.dump() << "\n";
  } else if (options.format == ExportOptions::Format::kCsv) {
    out << "seq,time,kind,entry_hash,decision_id,decision,bundle,payload\n";
  }
  uint64_t start = from.set && from.is_seq ? from.seq : 0;
  uint64_t count = 0;
  uint64_t omitted = 0;  // bundle: entries in the range outside the kind filter
  std::optional<uint64_t> first, last;
  auto cursor = impl_->storage().Seek(layout::EntryKey(start));
  for (; cursor->Valid() && cursor->key().starts_with(layout::kEntryPrefix); cursor->Next()) {
    uint64_t seq = layout::GetBE64(cursor->key().substr(layout::kEntryPrefix.size()));
    if (seq >= end) break;
    if (to.set && to.is_seq && seq > to.seq) break;
    std::string_view raw = cursor->value();
    auto view = ParseEntry(raw);
    if (!view.ok()) {
      return Status::Corruption("entry " + std::to_string(seq) + ": " + view.status().message());
    }
    if (from.set && !from.is_seq && view->time.substr(0, from.time.size()) < from.time) continue;
    if (to.set && !to.is_seq && view->time.substr(0, to.time.size()) > to.time) break;
    Hash leaf = LeafHash(raw);
    if (!options.kind.empty() && view->kind != options.kind) {
      if (options.format != ExportOptions::Format::kBundle) continue;
      // A bundle's range has no holes: an entry outside the filter is named by its hash, so
      // the verifier can prove it is in the tree without seeing it.
      ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
      out << nlohmann::json(
                 {{"seq", seq}, {"omitted", HexEncode(leaf)}, {"proof", ProofJson(path)}})
                 .dump()
          << "\n";
      ++omitted;
      if (!first) first = seq;
      last = seq;
      continue;
    }
    if (!first) first = seq;
    last = seq;
    switch (options.format) {
      case ExportOptions::Format::kJsonl:
        out << raw << "\n";
        break;
      case ExportOptions::Format::kCsv: {
        nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
        out << seq << "," << view->time << "," << view->kind << "," << HexEncode(leaf) << ","
            << CsvField(JsonString(p, "decision_id")) << "," << CsvField(JsonString(p, "decision"))
            << "," << CsvField(JsonString(p, "bundle")) << "," << CsvField(view->payload) << "\n";
        break;
      }
      case ExportOptions::Format::kBundle: {
        ARBITER_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionPath(seq, tree_size));
        nlohmann::json line = {{"seq", seq}, {"entry", std::string(raw)}, {"proof", ProofJson(path)}};
        out << line.dump() << "\n";
        break;
      }
    }
    ++count;
    if (!out) return Status::IOError("cannot write the export");
  }
  ARBITER_RETURN_IF_ERROR(cursor->status());
  if (options.format == ExportOptions::Format::kBundle) {
    nlohmann::json end_line = {{"end", true}, {"count", count}, {"omitted", omitted},
                               {"first", nullptr}, {"last", nullptr}};
    if (first) end_line["first"] = *first;
    if (last) end_line["last"] = *last;
    out << end_line.dump() << "\n";
  }
  out.flush();
  if (!out) return Status::IOError("cannot write the export");
  return Status::Ok();
}

VerifyReport VerifyExportBundle(std::istream& in, std::span<const VerifierKey> trusted) {
  VerifyReport rep;
  auto fail = [&rep](std::optional<uint64_t> seq, std::string problem) {
    rep.ok = false;
    rep.bad_seq = seq;
    rep.problem = std::move(problem);
    return rep;
  };
  std::string line;
  if (!std::getline(in, line)) return fail(std::nullopt, "the bundle is empty");
  nlohmann::json header = nlohmann::json::parse(line, nullptr, false);
  if (header.is_discarded() || StringMember(header, "format") != kBundleFormat) {
    return fail(std::nullopt, "not an arbiter ledger bundle (bad header line)");
  }
  if (!header["version"].is_number_integer() || header["version"].get<int>() > kBundleVersion) {
    return fail(std::nullopt, "bundle version is newer than this arbiter supports (" +
                                  std::to_string(kBundleVersion) + ")");
  }
  if (header["version"].get<int>() < kOldestBundleVersion) {
    return fail(std::nullopt, "bundle version " + header["version"].dump() +
                                  " does not state its range, so missing entries cannot be "
                                  "detected; export it again with this arbiter");
  }
  auto text_field = [&](const char* key) { return StringMember(header, key); };
  auto from = ParseRangeBound(text_field("from"), "bundle header 'from'");
  auto to = ParseRangeBound(text_field("to"), "bundle header 'to'");
  if (!from.ok()) return fail(std::nullopt, from.status().message());
  if (!to.ok()) return fail(std::nullopt, to.status().message());
  const std::string kind = text_field("kind");
  if (!kind.empty() && !ValidKind(kind)) {
    return fail(std::nullopt, "bundle header names an unknown kind '" + kind + "'");
  }
  const int version = header["version"].get<int>();
  // The checkpoint's body is read first, unverified: the key chain's inclusion proofs are
  // checked against its root, and its signature last, with the key the chain ends at.
  auto signed_body = [&]() -> Result<CheckpointBody> {
    std::string note = text_field("checkpoint");
    size_t blank = note.find("\n\n");
    if (blank == std::string::npos) return Status::Corruption("malformed signed note");
    return ParseCheckpointBody(std::string_view(note).substr(0, blank + 1));
  }();
  if (!signed_body.ok()) {
    return fail(std::nullopt, "bundle checkpoint: " + signed_body.status().message());
  }
  const CheckpointBody& unverified = *signed_body;
  nlohmann::json chain = nlohmann::json::array();
  if (version >= 3) {
    auto it = header.find("key_chain");
    if (it == header.end() || !it->is_array()) {
      return fail(std::nullopt, "the bundle header lacks its key chain (key_chain)");
    }
    chain = *it;
  }
  std::vector<VerifierKey> keys(trusted.begin(), trusted.end());
  bool self_keyed = keys.empty();
  if (self_keyed) {
    // No key given: trust the key the chain starts from (or, with no rotation, the bundle's
    // own key), so the chain is still checked link by link.
    std::string first = text_field("public_key");
    if (!chain.empty() && chain[0].is_object() && chain[0]["entry"].is_string()) {
      auto view = ParseEntry(chain[0]["entry"].get_ref<const std::string&>());
      nlohmann::json p = view.ok() ? nlohmann::json::parse(view->payload, nullptr, false)
                                   : nlohmann::json();
      if (p.is_object() && p["old_key"].is_string()) first = p["old_key"].get<std::string>();
    }
    auto key = VerifierKey::Parse(first);
    if (!key.ok()) return fail(std::nullopt, "bundle public key: " + key.status().message());
    keys.push_back(*key);
  }
  std::string trusted_names;
  for (const VerifierKey& key : keys) {
    rep.keys.push_back(key.name());
    trusted_names += (trusted_names.empty() ? "" : ", ") + key.name();
  }
  // The key chain: every rotation before the checkpoint's size, in seq order, each proven in
  // the checkpoint's tree. Rotations before the first one a trusted key signed are passed
  // over (the auditor may trust a later key); from there on each must be signed by the key
  // the previous one named, so a missing, reordered or forged link is named by its seq.
  std::map<uint64_t, Hash> chain_leaves;
  std::optional<uint64_t> passed_over;  // the first rotation no trusted key signed
  bool following = false;
  std::optional<uint64_t> chain_last;
  // Non-const: operator[] on a const json with a missing key is undefined behaviour (found by
  // the ledger fuzz target as a use after free); on this copy it reads a missing member as null.
  for (auto& link : chain) {
    if (!link.is_object() || !link["seq"].is_number_unsigned() || !link["entry"].is_string()) {
      return fail(chain_last, "a key chain link lacks seq or entry");
    }
    const uint64_t seq = link["seq"].get<uint64_t>();
    const std::string where = "key chain: the rotation at seq " + std::to_string(seq);
    if (chain_last && seq <= *chain_last) {
      return fail(seq, where + " is out of order (it follows seq " + std::to_string(*chain_last) +
                           ")");
    }
    if (seq >= unverified.size) {
      return fail(seq, where + " lies beyond the bundle's checkpoint (" +
                           std::to_string(unverified.size) + " entries)");
    }
    const std::string raw = link["entry"].get<std::string>();
    auto view = ParseEntry(raw);
    if (!view.ok()) return fail(seq, where + " is malformed: " + view.status().message());
    if (view->seq != seq) {
      return fail(seq, where + " holds entry " + std::to_string(view->seq));
    }
    if (view->kind != "key" || !IsRotation(view->payload)) {
      return fail(seq, where + " is not a key rotation entry");
    }
    const Hash leaf = LeafHash(raw);
    auto path = ProofFromJson(link["proof"]);
    if (!path.ok()) return fail(seq, where + ": " + path.status().message());
    if (Status st = VerifyInclusion(seq, unverified.size, leaf, *path, unverified.root); !st.ok()) {
      return fail(seq, where + " is not in the signed checkpoint's tree (forged or altered): " +
                           st.message());
    }
    std::vector<VerifierKey> next = keys;
    Status st = ApplyKeyRotation(view->payload, unverified.origin, &next);
    if (st.ok()) {
      keys = std::move(next);
      rep.keys.push_back(keys[0].name());
      following = true;
    } else if (following) {
      nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
      auto from_key = VerifierKey::Parse(StringMember(p, "old_key"));
      return fail(seq, where + " is not signed by " + keys[0].name() +
                           ", the key trusted at that point" +
                           (from_key.ok() ? " (it claims to rotate from " + from_key->name() + ")"
                                          : "") +
                           ": a rotation is missing, reordered or forged (" + st.message() + ")");
    } else if (!passed_over) {
      passed_over = seq;
    }
    chain_leaves[seq] = leaf;
    chain_last = seq;
  }
  auto text = OpenNote(text_field("checkpoint"), keys);
  if (!text.ok()) {
    std::string signer;
    for (const VerifierKey& key : keys) signer += (signer.empty() ? "" : ", ") + key.name();
    if (passed_over) {
      return fail(passed_over,
                  "bundle checkpoint is not signed by a key the trusted key " + trusted_names +
                      " leads to: the key rotation at seq " + std::to_string(*passed_over) +
                      " is not signed by it (wrong key, or the chain lacks its first "
                      "rotations): " + text.status().message());
    }
    return fail(chain_last, "bundle checkpoint is not signed by " + signer +
                                (following ? " (the key the rotation chain from " + trusted_names +
                                                 " ends at; a later rotation is missing?)"
                                           : chain.empty() ? " and the bundle carries no key rotation"
                                                           : "") +
                                ": " + text.status().message());
  }
  auto body = ParseCheckpointBody(*text);
  if (!body.ok()) return fail(std::nullopt, "bundle checkpoint: " + body.status().message());
  if (body->origin != text_field("origin")) {
    return fail(std::nullopt, "bundle checkpoint origin does not match the bundle's origin");
  }
  if (!header["tree_size"].is_number_unsigned() ||
      header["tree_size"].get<uint64_t>() != body->size) {
    return fail(std::nullopt, "the bundle header's tree_size disagrees with its checkpoint (" +
                                  std::to_string(body->size) + ")");
  }
  const uint64_t tree_size = body->size;
  // Which seqs the bundle must hold: with seq bounds (or none) exactly [from, min(to, size-1)];
  // with time bounds the range is what the entries' times select, checked entry by entry.
  const uint64_t want_first = from->set && from->is_seq ? from->seq : 0;
  const bool first_known = !from->set || from->is_seq;
  const uint64_t want_last =
      to->set && to->is_seq ? std::min(to->seq, tree_size - (tree_size > 0)) : tree_size - 1;
  const bool last_known = tree_size > 0 && (!to->set || to->is_seq);

  std::optional<uint64_t> first_seq, last_seq;
  Hash last_leaf{};
  uint64_t count = 0, omitted = 0;
  bool ended = false;
  auto seq_name = [](uint64_t n) { return std::to_string(n); };
  while (std::getline(in, line)) {
    if (ended) return fail(last_seq, "data after the bundle's end line");
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(last_seq, "a bundle line is not JSON");
    if (j.contains("end")) {
      auto number_or_null = [&](const char* key, std::optional<uint64_t> want) {
        const auto& v = j[key];
        return want ? v.is_number_unsigned() && v.get<uint64_t>() == *want : v.is_null();
      };
      if (!j["count"].is_number_unsigned() || j["count"].get<uint64_t>() != count ||
          !j["omitted"].is_number_unsigned() || j["omitted"].get<uint64_t>() != omitted) {
        return fail(last_seq, "bundle end line counts " + j["count"].dump() + " entries and " +
                                  j["omitted"].dump() + " omitted, found " +
                                  std::to_string(count) + " and " + std::to_string(omitted) +
                                  " (lines removed or added)");
      }
      if (!number_or_null("first", first_seq) || !number_or_null("last", last_seq)) {
        return fail(last_seq, "bundle end line states the range " + j["first"].dump() + ".." +
                                  j["last"].dump() + ", but its lines hold " +
                                  (first_seq ? seq_name(*first_seq) : "none") + ".." +
                                  (last_seq ? seq_name(*last_seq) : "none"));
      }
      ended = true;
      continue;
    }
    if (!j["seq"].is_number_unsigned() || !j["proof"].is_array() ||
        !(j["entry"].is_string() || j["omitted"].is_string())) {
      return fail(last_seq, "a bundle entry line lacks seq, entry (or omitted) or proof");
    }
    uint64_t seq = j["seq"].get<uint64_t>();
    if (seq >= tree_size) {
      return fail(seq, "entry " + seq_name(seq) + " lies beyond the bundle's signed checkpoint (" +
                           seq_name(tree_size) + " entries)");
    }
    if (last_seq && seq != *last_seq + 1) {
      if (seq <= *last_seq) {
        return fail(seq, "entry " + seq_name(seq) + " repeats or is out of order (after entry " +
                             seq_name(*last_seq) + ")");
      }
      return fail(*last_seq + 1, "entry " + seq_name(*last_seq + 1) +
                                     " is missing from the bundle (the next line is entry " +
                                     seq_name(seq) + ")");
    }
    if (!last_seq && first_known && seq != want_first) {
      return fail(std::min(seq, want_first),
                  seq > want_first ? "entry " + seq_name(want_first) +
                                         " is missing: the bundle's range starts there"
                                   : "entry " + seq_name(seq) +
                                         " lies before the bundle's stated range");
    }
    if (last_known && seq > want_last) {
      return fail(seq, "entry " + seq_name(seq) + " lies after the bundle's stated range (last " +
                           seq_name(want_last) + ")");
    }
    Hash leaf;
    std::optional<EntryView> view;
    std::string raw;
    if (j["omitted"].is_string()) {
      if (kind.empty()) {
        return fail(seq, "entry " + seq_name(seq) +
                             " is omitted, but the bundle selects every kind");
      }
      auto bytes = HexDecode(j["omitted"].get<std::string>());
      if (!bytes || bytes->size() != leaf.size()) {
        return fail(seq, "entry " + seq_name(seq) + ": malformed omitted entry hash");
      }
      std::copy(bytes->begin(), bytes->end(), leaf.begin());
      if (auto c = chain_leaves.find(seq); c != chain_leaves.end() && c->second != leaf) {
        return fail(seq, "entry " + seq_name(seq) + " is omitted with a hash that differs from "
                             "the key chain's rotation at that seq");
      }
      ++omitted;
    } else {
      raw = j["entry"].get<std::string>();
      auto parsed = ParseEntry(raw);
      if (!parsed.ok()) {
        return fail(seq, "entry " + seq_name(seq) + " is malformed: " + parsed.status().message());
      }
      view = *parsed;
      if (view->seq != seq) {
        return fail(seq, "bundle line for seq " + seq_name(seq) + " holds entry " +
                             seq_name(view->seq));
      }
      if (!kind.empty() && view->kind != kind) {
        return fail(seq, "entry " + seq_name(seq) + " is of kind " + std::string(view->kind) +
                             ", outside the bundle's selection (" + kind + ")");
      }
      if ((from->set && !from->is_seq &&
           view->time.substr(0, from->time.size()) < from->time) ||
          (to->set && !to->is_seq && view->time.substr(0, to->time.size()) > to->time)) {
        return fail(seq, "entry " + seq_name(seq) + "'s time " + std::string(view->time) +
                             " lies outside the bundle's stated range");
      }
      leaf = LeafHash(raw);
      if (version >= 3 && view->kind == "key" && IsRotation(view->payload)) {
        auto c = chain_leaves.find(seq);
        if (c == chain_leaves.end() || c->second != leaf) {
          return fail(seq, "the key rotation at seq " + seq_name(seq) +
                               " is not in the bundle's key chain");
        }
      }
      ++count;
    }
    auto path_or = ProofFromJson(j["proof"]);
    if (!path_or.ok()) return fail(seq, "entry " + seq_name(seq) + ": malformed proof hash");
    const std::vector<Hash>& path = *path_or;
    Status st = VerifyInclusion(seq, tree_size, leaf, path, body->root);
    if (!st.ok()) {
      return fail(seq, "entry " + seq_name(seq) +
                           " is not in the signed checkpoint's tree: " + st.message());
    }
    if (view && last_seq && view->prev != last_leaf) {
      return fail(seq, "hash chain broken between entries " + seq_name(*last_seq) + " and " +
                           seq_name(seq));
    }
    if (!first_seq) first_seq = seq;
    last_seq = seq;
    last_leaf = leaf;
  }
  if (!ended) return fail(last_seq, "the bundle is truncated (no end line)");
  if (last_known && first_known && want_first <= want_last &&
      (!last_seq || *last_seq != want_last)) {
    uint64_t missing = last_seq ? *last_seq + 1 : want_first;
    return fail(missing, "entry " + seq_name(missing) +
                             " is missing: the bundle's range ends at entry " +
                             seq_name(want_last));
  }
  rep.ok = true;
  rep.entries = count;
  rep.checkpoints = 1;
  rep.signed_size = tree_size;
  if (first_seq) {
    rep.note = "entries " + seq_name(*first_seq) + ".." + seq_name(*last_seq) + " complete";
    if (omitted > 0) {
      rep.note += "; " + std::to_string(omitted) +
                  " outside the kind filter are omitted (proven in the tree, their kinds "
                  "not shown)";
    }
  } else {
    rep.note = "the selection is empty";
  }
  if (self_keyed) rep.note += "; checked against the public key inside the bundle, pass --key to pin it";
  return rep;
}

}  // namespace arbiter::ledger
