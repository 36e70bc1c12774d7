// The ledger's private store: the secrets that the record modes (spec/ledger-format.md,
// "Record modes and erasure") keep outside the hashed entries, so that deleting one makes
// data unreadable without changing an entry, a hash, a proof or a checkpoint.
//
// It is a RocksDB directory of its own (by default `<ledger dir>.private`, mode 0700), not a
// prefix of the ledger's store: whoever may read the ledger (auditors, backups, `audit
// export`) need not read it, and erasing from it never touches the ledger's files.
//
// Internal to Arbiter (the CLI, the daemon and the recorder use it); not a public header.
#pragma once

#include <arbiter/status.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace arbiter::ledger {

inline constexpr size_t kSecretSize = 32;
inline constexpr size_t kKeyIdSize = 16;
using KeyId = std::array<uint8_t, kKeyIdSize>;

// 32 secret bytes, wiped (sodium_memzero) when destroyed or overwritten.
class Secret {
 public:
  Secret() = default;
  Secret(const Secret& other) = default;
  Secret& operator=(const Secret& other);
  ~Secret();
  static Secret Random();
  // Nullopt unless `bytes` is exactly kSecretSize long.
  static std::optional<Secret> FromBytes(std::string_view bytes);
  const uint8_t* data() const { return bytes_.data(); }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

 private:
  std::array<uint8_t, kSecretSize> bytes_{};
};

// HMAC-SHA-256 (RFC 2104) of `message` under `key`.
std::array<uint8_t, 32> HmacSha256(const Secret& key, std::string_view message);

// crypto_secretbox_easy (XSalsa20-Poly1305) with a fresh random nonce.
struct SealedBox {
  std::string nonce;       // 24 bytes
  std::string ciphertext;  // plaintext size + 16 (the Poly1305 tag)
};
SealedBox Seal(const Secret& key, std::string_view plaintext);
// Corruption when the nonce has the wrong size or the box does not open (wrong key, damage).
Result<std::string> OpenBox(const Secret& key, std::string_view nonce, std::string_view ciphertext);

struct DataKey {
  KeyId id{};
  Secret key;
};

class PrivacyStore {
 public:
  // Opens the store in `dir`. A writer creates it when missing (the directory mode 0700, the
  // three store secrets written and synced before this returns) and refuses a directory that
  // group or others may access (PermissionDenied). Read-only opens (audit commands) take no
  // lock; a missing store is NotFound. One writer at a time (RocksDB's LOCK).
  static Result<std::unique_ptr<PrivacyStore>> Open(const std::string& dir, bool read_only);
  // A store in memory (tests, scratch ledgers); erasure there is immediate.
  static std::unique_ptr<PrivacyStore> InMemory();
  // The default place for a ledger's store: "<ledger dir>.private".
  static std::string DefaultDir(const std::string& ledger_dir);

  ~PrivacyStore();

  // The store's secrets, fixed when it is created.
  const Secret& commitment_key() const { return commitment_key_; }  // digest-mode salts
  const Secret& mask_key() const { return mask_key_; }              // masked-value digests
  const Secret& subject_key() const { return subject_key_; }        // subject digests

  // The data key of the subject with this digest (HMAC under subject_key(), see the spec);
  // a new random one when it has none. A new key is durable (synced) before this returns.
  // Thread-safe.
  Result<DataKey> SubjectDataKey(std::string_view subject_digest);
  // The data key with this id: NotFound when it was erased (or never existed).
  Result<Secret> DataKeyById(const KeyId& id) const;
  // The id of the subject's data key, or nullopt when it has none.
  Result<std::optional<KeyId>> FindSubjectKey(std::string_view subject_digest) const;
  // Deletes the subject's data key, syncs, and compacts the keys' range so that the key
  // bytes leave the store's files (memtable, WAL, tables). NotFound when it has none.
  Status EraseSubjectKey(std::string_view subject_digest);

  class Backend;
  explicit PrivacyStore(std::unique_ptr<Backend> backend);  // use Open or InMemory

 private:
  Status LoadSecrets(bool create);

  std::unique_ptr<Backend> backend_;
  Secret commitment_key_, mask_key_, subject_key_;
  mutable std::mutex mutex_;  // guards the caches and serialises key creation
  mutable std::unordered_map<std::string, DataKey> by_subject_;
};

}  // namespace arbiter::ledger
