// Ledger::Export (JSON Lines, CSV, self-verifying bundle) and VerifyExportBundle.
// Streams entry by entry: memory use does not grow with the ledger.
#include <arbiter/ledger.h>

#include <istream>
#include <ostream>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

constexpr std::string_view kBundleFormat = "arbiter-ledger-bundle";
constexpr int kBundleVersion = 1;

struct Bound {
  bool set = false;
  bool is_seq = false;
  uint64_t seq = 0;
  std::string time;
};

Result<Bound> ParseBound(const std::string& text, std::string_view what) {
  Bound b;
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

}  // namespace

Status Ledger::Export(const ExportOptions& options, std::ostream& out) const {
  ARBITER_ASSIGN_OR_RETURN(Bound from, ParseBound(options.from, "--from"));
  ARBITER_ASSIGN_OR_RETURN(Bound to, ParseBound(options.to, "--to"));
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
    nlohmann::json header = {{"format", kBundleFormat},
                             {"version", kBundleVersion},
                             {"origin", impl_->origin()},
                             {"public_key", signer},
                             {"checkpoint", checkpoint},
                             {"tree_size", tree_size},
                             {"from", options.from},
                             {"to", options.to},
                             {"kind", options.kind}};
    out << header.dump() << "\n";
  } else if (options.format == ExportOptions::Format::kCsv) {
    out << "seq,time,kind,entry_hash,decision_id,decision,bundle,payload\n";
  }
  uint64_t start = from.set && from.is_seq ? from.seq : 0;
  uint64_t count = 0;
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
    if (!options.kind.empty() && view->kind != options.kind) continue;
    Hash leaf = LeafHash(raw);
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
        nlohmann::json line = {{"seq", seq}, {"entry", std::string(raw)}};
        nlohmann::json proof = nlohmann::json::array();
        for (const Hash& h : path) proof.push_back(Base64Encode(h));
        line["proof"] = std::move(proof);
        out << line.dump() << "\n";
        break;
      }
    }
    ++count;
    if (!out) return Status::IOError("cannot write the export");
  }
  ARBITER_RETURN_IF_ERROR(cursor->status());
  if (options.format == ExportOptions::Format::kBundle) {
    out << nlohmann::json({{"end", true}, {"count", count}}).dump() << "\n";
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
  if (header.is_discarded() || !header.is_object() || header.value("format", "") != kBundleFormat) {
    return fail(std::nullopt, "not an arbiter ledger bundle (bad header line)");
  }
  if (!header["version"].is_number_integer() || header["version"].get<int>() > kBundleVersion) {
    return fail(std::nullopt, "bundle version is newer than this arbiter supports (" +
                                  std::to_string(kBundleVersion) + ")");
  }
  std::vector<VerifierKey> keys(trusted.begin(), trusted.end());
  bool self_keyed = keys.empty();
  if (self_keyed) {
    auto key = VerifierKey::Parse(header.value("public_key", ""));
    if (!key.ok()) return fail(std::nullopt, "bundle public key: " + key.status().message());
    keys.push_back(*key);
  }
  auto text = OpenNote(header.value("checkpoint", ""), keys);
  if (!text.ok()) return fail(std::nullopt, "bundle checkpoint: " + text.status().message());
  auto body = ParseCheckpointBody(*text);
  if (!body.ok()) return fail(std::nullopt, "bundle checkpoint: " + body.status().message());
  if (body->origin != header.value("origin", "")) {
    return fail(std::nullopt, "bundle checkpoint origin does not match the bundle's origin");
  }
  std::optional<uint64_t> last_seq;
  Hash last_leaf{};
  uint64_t count = 0;
  bool ended = false;
  while (std::getline(in, line)) {
    if (ended) return fail(last_seq, "data after the bundle's end line");
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(last_seq, "a bundle line is not JSON");
    if (j.contains("end")) {
      if (!j["count"].is_number_unsigned() || j["count"].get<uint64_t>() != count) {
        return fail(last_seq, "bundle end line counts " + j["count"].dump() + " entries, found " +
                                  std::to_string(count) + " (entries removed or added)");
      }
      ended = true;
      continue;
    }
    if (!j["seq"].is_number_unsigned() || !j["entry"].is_string() || !j["proof"].is_array()) {
      return fail(last_seq, "a bundle entry line lacks seq, entry or proof");
    }
    uint64_t seq = j["seq"].get<uint64_t>();
    std::string raw = j["entry"].get<std::string>();
    if (last_seq && seq <= *last_seq) return fail(seq, "bundle entries out of order at seq " + std::to_string(seq));
    auto view = ParseEntry(raw);
    if (!view.ok()) return fail(seq, "entry " + std::to_string(seq) + " is malformed: " + view.status().message());
    if (view->seq != seq) {
      return fail(seq, "bundle line for seq " + std::to_string(seq) + " holds entry " +
                           std::to_string(view->seq));
    }
    std::vector<Hash> path;
    for (const auto& h : j["proof"]) {
      auto bytes = h.is_string() ? Base64Decode(h.get<std::string>()) : std::nullopt;
      if (!bytes || bytes->size() != 32) return fail(seq, "entry " + std::to_string(seq) + ": malformed proof hash");
      Hash hash;
      std::copy(bytes->begin(), bytes->end(), hash.begin());
      path.push_back(hash);
    }
    Hash leaf = LeafHash(raw);
    Status st = VerifyInclusion(seq, body->size, leaf, path, body->root);
    if (!st.ok()) {
      return fail(seq, "entry " + std::to_string(seq) +
                           " is not in the signed checkpoint's tree: " + st.message());
    }
    if (last_seq && *last_seq + 1 == seq && view->prev != last_leaf) {
      return fail(seq, "hash chain broken between entries " + std::to_string(*last_seq) + " and " +
                           std::to_string(seq));
    }
    last_seq = seq;
    last_leaf = leaf;
    ++count;
  }
  if (!ended) return fail(last_seq, "the bundle is truncated (no end line)");
  rep.ok = true;
  rep.entries = count;
  rep.checkpoints = 1;
  if (self_keyed) rep.problem = "checked against the public key inside the bundle; pass --key to pin it";
  return rep;
}

}  // namespace arbiter::ledger
