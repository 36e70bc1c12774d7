// Record modes (spec/ledger-format.md, "Record modes and erasure"): how a decision's
// request is written into its ledger entry, and how a subject's requests are erased.
//
//   full       the canonical request (default; the recorder's fast path, untouched)
//   full+mask  the request with the values at named JSON pointers replaced by keyed digests
//   digest     a salted commitment to the request instead of the request
//   encrypted  the request sealed under its subject's data key
//
// Every secret (salts, mask key, data keys) lives in the ledger's PrivacyStore, outside the
// hashed entries: erasing one never changes an entry, so every hash, proof and checkpoint
// still verifies.
#pragma once

#include <arbiter/ledger.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/privacy_store.h"

namespace arbiter::recorder {

enum class RequestMode { kFull, kDigest, kEncrypted };
std::string_view RequestModeName(RequestMode mode);
// "full" | "digest" | "encrypted", also written "requests=<mode>" (the --record flag).
Result<RequestMode> ParseRequestMode(std::string_view text);

// A mask list file: one JSON pointer per line; blank lines and lines starting with '#' are
// skipped, surrounding spaces trimmed (a pointer cannot start or end with a space then).
Result<std::vector<std::string>> ReadMaskFile(const std::string& path);

class RequestPrivacy {
 public:
  // `mask_paths` are RFC 6901 JSON pointers (non-empty, starting with '/'); only with kFull.
  // The store must outlive this object's uses.
  static Result<std::unique_ptr<RequestPrivacy>> Make(RequestMode mode,
                                                      std::vector<std::string> mask_paths,
                                                      std::shared_ptr<ledger::PrivacyStore> store);

  RequestMode mode() const { return mode_; }
  const std::vector<std::string>& mask_paths() const { return mask_paths_; }
  ledger::PrivacyStore& store() const { return *store_; }

  // Appends the request members of a decision payload for this canonical request:
  // `,"request":..[,"request_masked":[..]]`, `,"request_commitment":".."` or
  // `,"request_encrypted":{..}`. Encrypted mode may create (and sync) the subject's data key.
  Status AppendRequestMembers(std::string_view canonical_request, std::string_view decision_id,
                              std::string* out) const;

 private:
  RequestPrivacy() = default;
  RequestMode mode_ = RequestMode::kFull;
  std::vector<std::string> mask_paths_;
  std::shared_ptr<ledger::PrivacyStore> store_;
};

// The salt of a digest-mode entry: HMAC-SHA-256(commitment key, decision id).
ledger::Secret CommitmentSalt(const ledger::PrivacyStore& store, std::string_view decision_id);
// "sha256:<hex of SHA-256(salt || canonical request)>". `request_json` is canonicalised first.
Result<std::string> RequestCommitment(std::string_view salt, std::string_view request_json);
// "hmac-sha256:<hex of HMAC-SHA-256(subject key, canonical {"id":ID,"type":TYPE})>".
std::string SubjectDigest(const ledger::PrivacyStore& store, std::string_view type,
                          std::string_view id);

// What the private store says about an entry (for `audit show`): for a digest-mode decision
// {"request_salt":"<hex>"}; for an encrypted one {"request":{..}} or {"erased":true}; null
// for any other entry.
Result<nlohmann::json> RevealEntry(const ledger::StoredEntry& entry,
                                   const ledger::PrivacyStore& store);

struct Erasure {
  ledger::Receipt receipt;   // the erasure entry
  std::string subject;       // its subject digest
  std::string key_id;        // hex
  uint64_t entries = 0;      // decision entries sealed under the erased key
};
// Right to erasure: appends an `erasure` entry naming the subject by its digest, the erased
// key id and the number of entries sealed under it; then deletes the data key from the store
// (synced and compacted). NotFound when the subject has no data key. If the deletion fails
// after the entry is appended, running it again appends a second entry and deletes.
Result<Erasure> EraseSubject(ledger::Ledger& ledger, ledger::PrivacyStore& store,
                             std::string_view type, std::string_view id, std::string reason = "");

}  // namespace arbiter::recorder
