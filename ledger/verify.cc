// Ledger::Verify: re-hashes every entry in one sequential scan, checks seq numbers, the hash
// chain, every checkpoint's root and signature, and key rotations, stopping at the first
// problem and naming its sequence number.
#include <arbiter/ledger.h>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"
#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

namespace {

constexpr std::string_view kRotationHeader = "arbiter-ledger key rotation\n";

std::string Seq(uint64_t n) { return std::to_string(n); }

}  // namespace

std::string VerifyReport::Summary() const {
  if (ok) {
    std::string s = "ok: " + Seq(entries) + (entries == 1 ? " entry, " : " entries, ") +
                    Seq(checkpoints) + (checkpoints == 1 ? " checkpoint" : " checkpoints") +
                    " verified; latest signed size " + Seq(signed_size);
    if (uint64_t tail = unsigned_entries(); tail > 0) {
      s += "; unsigned tail: " + Seq(tail) + (tail == 1 ? " entry (seq " : " entries (seq ") +
           Seq(signed_size) + (tail == 1 ? "" : ".." + Seq(entries - 1)) +
           ") not yet in a signed checkpoint";
    } else {
      s += ", no unsigned tail";
    }
    if (!keys.empty()) {
      s += "; keys: ";
      for (size_t i = 0; i < keys.size(); ++i) s += (i ? " -> " : "") + keys[i];
    }
    if (consistent_with) {
      s += "; an append-only extension of the saved checkpoint of size " + Seq(*consistent_with);
    }
    if (!note.empty()) s += " (" + note + ")";
    return s;
  }
  std::string s = "FAILED";
  if (bad_seq) s += " at seq " + std::to_string(*bad_seq);
  s += ": " + problem;
  return s;
}

std::string VerifyReport::ToJson() const {
  nlohmann::json j = {{"ok", ok},
                      {"entries", entries},
                      {"checkpoints", checkpoints},
                      {"signed_size", signed_size},
                      {"unsigned_tail", nullptr},
                      {"keys", keys},
                      {"consistent_with", nullptr},
                      {"bad_seq", nullptr},
                      {"bad_checkpoint_size", nullptr},
                      {"problem", problem},
                      {"note", note}};
  if (uint64_t tail = unsigned_entries(); tail > 0) {
    j["unsigned_tail"] = {{"count", tail}, {"first", signed_size}, {"last", entries - 1}};
  }
  if (consistent_with) j["consistent_with"] = *consistent_with;
  if (bad_seq) j["bad_seq"] = *bad_seq;
  if (bad_checkpoint_size) j["bad_checkpoint_size"] = *bad_checkpoint_size;
  return j.dump();
}

// Checks a rotation entry's payload and, when it is valid, replaces the trusted keys.
Status ApplyKeyRotation(std::string_view payload, std::string_view origin,
                        std::vector<VerifierKey>* trusted) {
  nlohmann::json p = nlohmann::json::parse(payload, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return Status::Corruption("key entry payload is not JSON");
  // Other key actions are informational.
  if (StringMember(p, "action") != "rotate") return Status::Ok();
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

namespace {

// Checks a start entry (spec/ledger-format.md, "start") at `seq`: it must point at an earlier
// policy entry with the same bundle and data digests.
Status CheckStartEntry(const Ledger& ledger, uint64_t seq, std::string_view payload) {
  nlohmann::json p = nlohmann::json::parse(payload, nullptr, false);
  if (p.is_discarded() || !p.is_object() || !p["activation"].is_number_unsigned() ||
      !p["bundle"].is_string()) {
    return Status::Corruption("start entry lacks activation or bundle");
  }
  const uint64_t activation = p["activation"].get<uint64_t>();
  if (activation >= seq) {
    return Status::Corruption("start entry points at activation " + Seq(activation) +
                              ", which is not before it");
  }
  auto entry = ledger.Get(activation);
  if (!entry.ok()) {
    return Status::Corruption("start entry's activation " + Seq(activation) +
                              " cannot be read: " + entry.status().message());
  }
  nlohmann::json policy = entry->ToJson();
  if (entry->kind != "policy" || !policy["payload"].is_object()) {
    return Status::Corruption("start entry points at entry " + Seq(activation) +
                              ", which is not a policy activation");
  }
  const nlohmann::json& a = policy["payload"];
  if (StringMember(a, "bundle") != StringMember(p, "bundle") ||
      StringMember(a, "data") != StringMember(p, "data")) {
    return Status::Corruption("start entry's bundle or data digest differs from activation " +
                              Seq(activation) + "'s");
  }
  return Status::Ok();
}

}  // namespace

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
  std::vector<VerifierKey> every_key = trusted;  // for a saved checkpoint signed before a rotation
  Hash latest_root{};
  if (trusted.empty() && !sizes.empty()) {
    return fail(std::nullopt, "no public key given to check checkpoint signatures with");
  }
  for (const VerifierKey& key : trusted) rep.keys.push_back(key.name());
  size_t next_cp = 0;
  while (next_cp < sizes.size() && sizes[next_cp] == 0) ++next_cp;

  MerkleFrontier frontier;
  Hash prev{};
  std::string prev_time;
  // Checks every stored checkpoint of tree size `n` against the first n entries (the
  // frontier). Called once entry n's chain link is checked, so an altered entry n-1 is
  // named as such rather than as a checkpoint mismatch.
  auto checkpoints_ok = [&](uint64_t n) {
    auto bad = [&](std::string problem, uint64_t size) {
      fail(n - 1, std::move(problem), size);
      return false;
    };
    for (; next_cp < sizes.size() && sizes[next_cp] == n; ++next_cp) {
      uint64_t size = sizes[next_cp];
      std::string where = "checkpoint at tree size " + Seq(size);
      auto note = impl_->CheckpointAt(size);
      if (!note.ok()) return bad(where + ": " + note.status().message(), size);
      auto text = OpenNote(*note, trusted);
      if (!text.ok()) return bad(where + ": " + text.status().message(), size);
      auto body = ParseCheckpointBody(*text);
      if (!body.ok()) return bad(where + ": " + body.status().message(), size);
      if (body->size != size) {
        return bad(where + " says it is for size " + Seq(body->size), size);
      }
      if (body->origin != impl_->origin()) {
        return bad(where + " has origin '" + body->origin + "', not '" + impl_->origin() + "'",
                   size);
      }
      if (body->root != frontier.Root()) {
        return bad(where + ": its root hash does not match the entries", size);
      }
      ++rep.checkpoints;
      rep.signed_size = size;
      latest_root = body->root;
    }
    return true;
  };
  // The stored subtree hashes (what proofs are made of), one cursor per level, compared
  // with the recomputed tree as it completes them. The nodes entry i completes are checked
  // after entry i+1's chain link, so a changed entry is named as such.
  struct StoredLevel {
    std::unique_ptr<LedgerStorage::Cursor> cursor;
    uint64_t span = UINT64_MAX;  // the span the cursor is on
    std::string_view hashes;     // its value (valid until the cursor moves)
  };
  std::vector<StoredLevel> stored;  // [level]
  std::vector<MerkleFrontier::Node> completed;
  auto stored_hashes_ok = [&] {
    for (const MerkleFrontier::Node& n : completed) {
      if (n.level == 0) continue;
      const uint64_t last = ((n.index + 1) << n.level) - 1;  // the entry completing it
      auto bad = [&](std::string problem) {
        fail(last, "the stored Merkle hash of entries " + Seq(n.index << n.level) + ".." +
                       Seq(last) + " (level " + std::to_string(n.level) + ", index " +
                       Seq(n.index) + ") " + problem);
        return false;
      };
      if (stored.size() <= static_cast<size_t>(n.level)) stored.resize(n.level + 1);
      StoredLevel& lv = stored[n.level];
      if (lv.span != n.index / layout::kRunSpan) {
        std::string key = layout::SubtreeKey(n.level, n.index);
        if (!lv.cursor) {
          lv.cursor = storage.Seek(key);
        } else {
          lv.cursor->Next();  // a level's spans are met in order
        }
        if (!lv.cursor->Valid() || lv.cursor->key() != key) {
          if (!lv.cursor->status().ok()) {
            return bad("cannot be read: " + lv.cursor->status().ToString());
          }
          return bad("is missing");
        }
        lv.span = n.index / layout::kRunSpan;
        lv.hashes = lv.cursor->value();
      }
      size_t at = (n.index % layout::kRunSpan) * 32;
      if (lv.hashes.size() % 32 != 0 || lv.hashes.size() < at + 32) return bad("is missing");
      if (!std::equal(n.hash.begin(), n.hash.end(),
                      reinterpret_cast<const uint8_t*>(lv.hashes.data() + at))) {
        return bad("differs from the one recomputed from the entries (proofs through it would "
                   "not verify)");
      }
    }
    completed.clear();
    return true;
  };
  auto entries = storage.Seek(layout::kEntryPrefix);
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
    if (view->version > kEntryVersion) {
      return fail(i, "entry " + Seq(i) + " has format version " + std::to_string(view->version) +
                         ", newer than this arbiter supports (" + std::to_string(kEntryVersion) +
                         ")");
    }
    if (view->seq != i) {
      return fail(i, "the entry stored as seq " + Seq(i) + " says it is seq " + Seq(view->seq) +
                         " (entries swapped, moved or replaced)");
    }
    Hash leaf = LeafHash(raw);
    if (view->prev != prev) {
      if (i == 0) return fail(0, "entry 0 must have an all-zero prev hash");
      // Entry i records the hash entry i-1 had when i was appended. Either entry i-1 changed
      // since, or entry i's own prev field did; in the second case entry i+1 no longer
      // records entry i's hash either.
      entries->Next();
      std::optional<EntryView> next;
      if (entries->Valid() && entries->key() == layout::EntryKey(i + 1)) {
        if (auto v = ParseEntry(entries->value()); v.ok()) next = *v;
      }
      if (next && next->prev != leaf) {
        return fail(i, "entry " + Seq(i) + " was altered: its prev hash is not entry " +
                           Seq(i - 1) + "'s, and entry " + Seq(i + 1) +
                           " records a different hash for it");
      }
      return fail(i - 1, "entry " + Seq(i - 1) + " was altered: hash chain broken (entry " +
                             Seq(i) + " records a different hash for it)");
    }
    if (!checkpoints_ok(i) || !stored_hashes_ok()) return rep;
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
      std::string before = trusted.size() == 1 ? trusted[0].Text() : std::string();
      Status st = ApplyKeyRotation(view->payload, impl_->origin(), &trusted);
      if (!st.ok()) return fail(i, "entry " + Seq(i) + ": " + st.message());
      if (trusted.size() == 1 && trusted[0].Text() != before) {
        rep.keys.push_back(trusted[0].name());  // a rotation: the new key signs from here on
        every_key.push_back(trusted[0]);
      }
    }
    if (view->kind == "start") {
      Status st = CheckStartEntry(*this, i, view->payload);
      if (!st.ok()) return fail(i, "entry " + Seq(i) + ": " + st.message());
    }
    frontier.Append(leaf, &completed);
    prev = leaf;
    prev_time.assign(view->time);
    if (options.progress && (i & 0xffff) == 0xffff) options.progress(i + 1, total);
  }
  if (!entries->status().ok()) return fail(i, entries->status().ToString());
  if (i > 0 && (!checkpoints_ok(i) || !stored_hashes_ok())) return rep;
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
  if (rep.checkpoints == 0) {
    return fail(std::nullopt,
                "no signed checkpoint: none of the " + Seq(i) +
                    " entries is covered by a signature yet (the writer signs one every N "
                    "entries or T ms and at shutdown)");
  }
  if (!options.against.empty()) {
    auto saved_text = OpenNote(options.against, every_key);
    if (!saved_text.ok()) {
      return fail(std::nullopt, "saved checkpoint: " + saved_text.status().message());
    }
    auto saved = ParseCheckpointBody(*saved_text);
    if (!saved.ok()) return fail(std::nullopt, "saved checkpoint: " + saved.status().message());
    if (saved->origin != impl_->origin()) {
      return fail(std::nullopt, "the saved checkpoint is of log '" + saved->origin +
                                    "', not '" + impl_->origin() + "'");
    }
    if (saved->size > rep.signed_size) {
      return fail(std::nullopt, "the saved checkpoint is for " + Seq(saved->size) +
                                    " entries, but this ledger's latest signed checkpoint "
                                    "covers only " + Seq(rep.signed_size) +
                                    ": history was truncated or rewritten");
    }
    auto path = ConsistencyPath(saved->size, rep.signed_size);
    if (!path.ok()) return fail(std::nullopt, "consistency proof: " + path.status().message());
    Status st = VerifyConsistency(saved->size, rep.signed_size, *path, saved->root, latest_root);
    if (!st.ok()) {
      return fail(std::nullopt, "the ledger is not an extension of the saved checkpoint of size " +
                                    Seq(saved->size) + " (history rewritten): " + st.message());
    }
    rep.consistent_with = saved->size;
  }
  rep.ok = true;
  return rep;
}

}  // namespace arbiter::ledger
