// Ledger::Verify: re-hashes every entry, checks seq numbers, the hash chain, the stored leaf
// hashes, every checkpoint's root and signature, and key rotations, stopping at the first
// problem and naming its sequence number.
#include <arbiter/ledger.h>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

constexpr std::string_view kRotationHeader = "arbiter-ledger key rotation\n";

std::string Seq(uint64_t n) { return std::to_string(n); }

}  // namespace

std::string VerifyReport::Summary() const {
  if (ok) {
    return "ok: " + std::to_string(entries) + " entries, " + std::to_string(checkpoints) +
           " checkpoints verified";
  }
  std::string s = "FAILED";
  if (bad_seq) s += " at seq " + std::to_string(*bad_seq);
  s += ": " + problem;
  return s;
}

// Checks a rotation entry's payload and, when it is valid, replaces the trusted keys.
Status ApplyKeyRotation(std::string_view payload, std::string_view origin,
                        std::vector<VerifierKey>* trusted) {
  nlohmann::json p = nlohmann::json::parse(payload, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return Status::Corruption("key entry payload is not JSON");
  if (p.value("action", "") != "rotate") return Status::Ok();  // other key actions: informational
  if (!p.contains("note") || !p["note"].is_string() || !p.contains("new_key") ||
      !p["new_key"].is_string()) {
    return Status::Corruption("key rotation lacks note or new_key");
  }
  std::string new_key = p["new_key"].get<std::string>();
  auto text = OpenNote(p["note"].get<std::string>(), *trusted);
  if (!text.ok()) return Status::Corruption("key rotation is not signed by a trusted key: " + text.status().message());
  if (*text != std::string(kRotationHeader) + std::string(origin) + "\n" + new_key + "\n") {
    return Status::Corruption("key rotation note does not name the entry's new key for this origin");
  }
  ARBITER_ASSIGN_OR_RETURN(VerifierKey key, VerifierKey::Parse(new_key));
  trusted->assign({key});
  return Status::Ok();
}

VerifyReport Ledger::Verify(const VerifyOptions& options) const {
  VerifyReport rep;
  auto fail = [&rep](std::optional<uint64_t> seq, std::string problem,
                     std::optional<uint64_t> checkpoint = {}) {
    rep.ok = false;
    rep.bad_seq = seq;
    rep.bad_checkpoint_size = checkpoint;
    rep.problem = std::move(problem);
    return rep;
  };
  const LedgerStorage& storage = impl_->storage();
  std::string meta;
  uint64_t recorded = 0;
  if (storage.Get(layout::kMetaSize, &meta).ok()) recorded = layout::GetBE64(meta);
  // A live ledger keeps growing: check what was committed when verify started.
  const uint64_t limit = impl_->read_only() ? UINT64_MAX : Size();
  auto sizes_or = impl_->CheckpointSizes();
  if (!sizes_or.ok()) return fail(std::nullopt, sizes_or.status().ToString());
  std::vector<uint64_t> sizes = std::move(*sizes_or);
  std::vector<VerifierKey> trusted = options.trusted_keys;
  if (trusted.empty() && !sizes.empty()) {
    return fail(std::nullopt, "no public key given to check checkpoint signatures with");
  }
  size_t next_cp = 0;
  while (next_cp < sizes.size() && sizes[next_cp] == 0) ++next_cp;

  MerkleFrontier frontier;
  Hash prev{};
  std::string prev_time;
  auto entries = storage.Seek(layout::kEntryPrefix);
  auto leaves = storage.Seek(layout::HashKey(0, 0));
  const uint64_t total = impl_->read_only() ? recorded : limit;
  uint64_t i = 0;
  for (; i < limit && entries->Valid() && entries->key().starts_with(layout::kEntryPrefix);
       ++i, entries->Next()) {
    uint64_t stored_seq = layout::GetBE64(entries->key().substr(layout::kEntryPrefix.size()));
    if (stored_seq != i) {
      return fail(i, "entry " + Seq(i) + " is missing (the next stored entry is " +
                         Seq(stored_seq) + ")");
    }
    std::string_view raw = entries->value();
    auto view = ParseEntry(raw);
    if (!view.ok()) return fail(i, "entry " + Seq(i) + " is malformed: " + view.status().message());
    if (view->version > kFormatVersion) {
      return fail(i, "entry " + Seq(i) + " has format version " + std::to_string(view->version) +
                         ", newer than this arbiter supports (" + std::to_string(kFormatVersion) +
                         ")");
    }
    if (view->seq != i) {
      return fail(i, "the entry stored as seq " + Seq(i) + " says it is seq " + Seq(view->seq) +
                         " (entries swapped, moved or replaced)");
    }
    Hash leaf = LeafHash(raw);
    if (!leaves->Valid() || leaves->key() != layout::HashKey(0, i)) {
      return fail(i, "the stored hash of entry " + Seq(i) + " is missing");
    }
    std::string_view stored = leaves->value();
    if (stored.size() != 32 || !std::equal(leaf.begin(), leaf.end(),
                                           reinterpret_cast<const uint8_t*>(stored.data()))) {
      return fail(i, "entry " + Seq(i) +
                         " was altered: its hash differs from the one stored when it was appended");
    }
    leaves->Next();
    if (view->prev != prev) {
      // Entry i-1's bytes match its stored hash but not what entry i recorded when it was
      // appended: entry i-1 was rewritten together with its stored hash.
      if (i == 0) return fail(0, "entry 0 must have an all-zero prev hash");
      return fail(i - 1, "hash chain broken: entry " + Seq(i) + " records a different hash for entry " +
                             Seq(i - 1) + " (entry " + Seq(i - 1) + " was rewritten)");
    }
    if (view->time < prev_time) {
      return fail(i, "entry " + Seq(i) + "'s time " + std::string(view->time) +
                         " is before entry " + Seq(i - 1) + "'s");
    }
    if (options.deep) {
      nlohmann::json payload = nlohmann::json::parse(view->payload, nullptr, false);
      auto canon = payload.is_discarded() ? Result<std::string>(Status::Corruption("unparsable"))
                                          : CanonicalJson(payload);
      if (!canon.ok() || *canon != view->payload) {
        return fail(i, "entry " + Seq(i) + "'s payload is not canonical JSON");
      }
    }
    if (view->kind == "key") {
      Status st = ApplyKeyRotation(view->payload, impl_->origin(), &trusted);
      if (!st.ok()) return fail(i, "entry " + Seq(i) + ": " + st.message());
    }
    frontier.Append(leaf);
    prev = leaf;
    prev_time.assign(view->time);

    for (; next_cp < sizes.size() && sizes[next_cp] == i + 1; ++next_cp) {
      uint64_t size = sizes[next_cp];
      std::string where = "checkpoint at tree size " + Seq(size);
      auto note = impl_->CheckpointAt(size);
      if (!note.ok()) return fail(i, where + ": " + note.status().message(), size);
      auto text = OpenNote(*note, trusted);
      if (!text.ok()) return fail(i, where + ": " + text.status().message(), size);
      auto body = ParseCheckpointBody(*text);
      if (!body.ok()) return fail(i, where + ": " + body.status().message(), size);
      if (body->size != size) {
        return fail(i, where + " says it is for size " + Seq(body->size), size);
      }
      if (body->origin != impl_->origin()) {
        return fail(i, where + " has origin '" + body->origin + "', not '" + impl_->origin() + "'",
                    size);
      }
      if (body->root != frontier.Root()) {
        return fail(i, where + ": its root hash does not match the entries", size);
      }
      ++rep.checkpoints;
    }
    if (options.progress && (i & 0xffff) == 0xffff) options.progress(i + 1, total);
  }
  if (!entries->status().ok()) return fail(i, entries->status().ToString());
  rep.entries = i;
  if (options.progress) options.progress(i, total);
  if (next_cp < sizes.size()) {
    return fail(i, "ledger truncated: checkpoint at tree size " + Seq(sizes[next_cp]) +
                       " covers entries from " + Seq(i) + " on, which are missing",
                sizes[next_cp]);
  }
  if (i < recorded) {
    return fail(i, "ledger truncated: it records " + Seq(recorded) + " entries but only " + Seq(i) +
                       " are present");
  }
  if (impl_->read_only() && i > recorded) {
    return fail(recorded, "entries " + Seq(recorded) + ".." + Seq(i - 1) +
                              " lie beyond the ledger's recorded size " + Seq(recorded));
  }
  rep.ok = true;
  return rep;
}

}  // namespace arbiter::ledger
