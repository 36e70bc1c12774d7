// The private store (spec/ledger-format.md, "Record modes and erasure"). Keys:
//   m/format            "1"
//   m/commitment_key    32 bytes    m/mask_key 32 bytes    m/subject_key 32 bytes
//   s/<subject digest>  the subject's data key id (16 bytes)
//   k/<key id>          the data key (32 bytes)
#include "ledger/privacy_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <system_error>
#include <vector>

namespace arbiter::ledger {

namespace {

constexpr std::string_view kFormatKey = "m/format";
constexpr std::string_view kFormat = "1";
constexpr std::string_view kCommitmentKey = "m/commitment_key";
constexpr std::string_view kMaskKey = "m/mask_key";
constexpr std::string_view kSubjectKey = "m/subject_key";

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string SubjectRow(std::string_view digest) { return "s/" + std::string(digest); }
std::string KeyRow(const KeyId& id) {
  return "k/" + std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::IOError(msg);
}

}  // namespace

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) bytes_ = other.bytes_;
  return *this;
}

Secret::~Secret() { sodium_memzero(bytes_.data(), bytes_.size()); }

Secret Secret::Random() {
  (void)SodiumReady();
  Secret s;
  randombytes_buf(s.bytes_.data(), s.bytes_.size());
  return s;
}

std::optional<Secret> Secret::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSecretSize) return std::nullopt;
  Secret s;
  std::copy(bytes.begin(), bytes.end(), s.bytes_.begin());
  return s;
}

std::array<uint8_t, 32> HmacSha256(const Secret& key, std::string_view message) {
  (void)SodiumReady();
  std::array<uint8_t, 32> out{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), kSecretSize);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof state);
  return out;
}

SealedBox Seal(const Secret& key, std::string_view plaintext) {
  (void)SodiumReady();
  static_assert(crypto_secretbox_KEYBYTES == kSecretSize);
  SealedBox box;
  box.nonce.resize(crypto_secretbox_NONCEBYTES);
  randombytes_buf(box.nonce.data(), box.nonce.size());
  box.ciphertext.resize(plaintext.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(box.ciphertext.data()),
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        reinterpret_cast<const unsigned char*>(box.nonce.data()), key.data());
  return box;
}

Result<std::string> OpenBox(const Secret& key, std::string_view nonce, std::string_view ciphertext) {
  (void)SodiumReady();
  if (nonce.size() != crypto_secretbox_NONCEBYTES) {
    return Status::Corruption("sealed request: the nonce is not 24 bytes");
  }
  if (ciphertext.size() < crypto_secretbox_MACBYTES) {
    return Status::Corruption("sealed request: the ciphertext is shorter than its tag");
  }
  std::string plain(ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 reinterpret_cast<const unsigned char*>(ciphertext.data()),
                                 ciphertext.size(),
                                 reinterpret_cast<const unsigned char*>(nonce.data()),
                                 key.data()) != 0) {
    return Status::Corruption("sealed request does not open with its data key (damaged)");
  }
  return plain;
}

// What the store is kept in. Put and Erase are durable (synced) when they return.
class PrivacyStore::Backend {
 public:
  virtual ~Backend() = default;
  virtual Status Get(std::string_view key, std::string* value) const = 0;
  virtual Status Put(const std::vector<std::pair<std::string, std::string>>& rows) = 0;
  // Deletes the keys and makes sure their values are gone from the store's files.
  virtual Status Erase(const std::vector<std::string>& keys) = 0;
  virtual bool read_only() const = 0;
};

namespace {

class MemoryBackend final : public PrivacyStore::Backend {
 public:
  ~MemoryBackend() override {
    for (auto& [k, v] : rows_) sodium_memzero(v.data(), v.size());
  }
  Status Get(std::string_view key, std::string* value) const override {
    std::lock_guard lock(mutex_);
    auto it = rows_.find(std::string(key));
    if (it == rows_.end()) return Status::NotFound("no such row");
    *value = it->second;
    return Status::Ok();
  }
  Status Put(const std::vector<std::pair<std::string, std::string>>& rows) override {
    std::lock_guard lock(mutex_);
    for (const auto& [k, v] : rows) rows_[k] = v;
    return Status::Ok();
  }
  Status Erase(const std::vector<std::string>& keys) override {
    std::lock_guard lock(mutex_);
    for (const auto& k : keys) {
      auto it = rows_.find(k);
      if (it == rows_.end()) continue;
      sodium_memzero(it->second.data(), it->second.size());
      rows_.erase(it);
    }
    return Status::Ok();
  }
  bool read_only() const override { return false; }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> rows_;
};

class RocksBackend final : public PrivacyStore::Backend {
 public:
  RocksBackend(std::unique_ptr<rocksdb::DB> db, bool read_only)
      : db_(std::move(db)), read_only_(read_only) {}
  ~RocksBackend() override { db_->Close().PermitUncheckedError(); }
  Status Get(std::string_view key, std::string* value) const override {
    return FromRocks(db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), value),
                     "private store read");
  }
  Status Put(const std::vector<std::pair<std::string, std::string>>& rows) override {
    if (read_only_) return Status::FailedPrecondition("the private store is open read-only");
    rocksdb::WriteBatch batch;
    for (const auto& [k, v] : rows) batch.Put(k, v).PermitUncheckedError();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Write(wo, &batch), "private store write");
  }
  Status Erase(const std::vector<std::string>& keys) override {
    if (read_only_) return Status::FailedPrecondition("the private store is open read-only");
    rocksdb::WriteBatch batch;
    for (const auto& k : keys) batch.Delete(k).PermitUncheckedError();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    ARBITER_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "private store erase"));
    // Flush the memtable (so the WAL that held the value becomes obsolete and is deleted),
    // then rewrite every table overlapping the keys down to the bottom level, where the
    // deletion drops both the tombstone and the value.
    ARBITER_RETURN_IF_ERROR(
        FromRocks(db_->Flush(rocksdb::FlushOptions()), "private store flush"));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    for (const auto& k : keys) {
      rocksdb::Slice key(k);
      ARBITER_RETURN_IF_ERROR(
          FromRocks(db_->CompactRange(co, &key, &key), "private store compaction"));
    }
    return FromRocks(db_->FlushWAL(true), "private store WAL sync");
  }
  bool read_only() const override { return read_only_; }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_;
};

}  // namespace

PrivacyStore::PrivacyStore(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
PrivacyStore::~PrivacyStore() = default;

std::string PrivacyStore::DefaultDir(const std::string& ledger_dir) {
  std::string dir = ledger_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + ".private";
}

std::unique_ptr<PrivacyStore> PrivacyStore::InMemory() {
  auto store = std::make_unique<PrivacyStore>(std::make_unique<MemoryBackend>());
  Status st = store->LoadSecrets(true);
  (void)st;  // cannot fail in memory
  return store;
}

Result<std::unique_ptr<PrivacyStore>> PrivacyStore::Open(const std::string& dir, bool read_only) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(dir, ec);
  if (!exists) {
    if (read_only) return Status::NotFound("no private store at " + dir);
    if (!fs::create_directories(dir, ec) && ec) {
      return Status::IOError("cannot create the private store " + dir + ": " + ec.message());
    }
    if (::chmod(dir.c_str(), 0700) != 0) {
      return Status::IOError("cannot make the private store " + dir + " mode 0700");
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(dir + " is not a directory");
  }
  if (!read_only && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied("the private store " + dir + " has mode " + mode +
                                    ": it holds data keys, so it must be accessible to its "
                                    "owner only (chmod 700)");
  }
  rocksdb::Options options;
  options.create_if_missing = !read_only;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, &raw)
                                : rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::string text = s.ToString();
    if (!read_only && s.IsIOError() && text.find("lock") != std::string::npos) {
      return Status::FailedPrecondition("the private store " + dir +
                                        " is open for writing by another process (stop the "
                                        "daemon first): " + text);
    }
    return FromRocks(s, "cannot open the private store " + dir);
  }
  auto store = std::make_unique<PrivacyStore>(
      std::make_unique<RocksBackend>(std::unique_ptr<rocksdb::DB>(raw), read_only));
  ARBITER_RETURN_IF_ERROR(store->LoadSecrets(!read_only));
  return store;
}

Status PrivacyStore::LoadSecrets(bool create) {
  std::string format;
  Status st = backend_->Get(kFormatKey, &format);
  if (st.code() == StatusCode::kNotFound) {
    if (!create) return Status::Corruption("the private store has no format marker");
    commitment_key_ = Secret::Random();
    mask_key_ = Secret::Random();
    subject_key_ = Secret::Random();
    std::vector<std::pair<std::string, std::string>> rows = {
        {std::string(kCommitmentKey), std::string(commitment_key_.view())},
        {std::string(kMaskKey), std::string(mask_key_.view())},
        {std::string(kSubjectKey), std::string(subject_key_.view())},
        {std::string(kFormatKey), std::string(kFormat)}};
    Status put = backend_->Put(rows);
    for (auto& [k, v] : rows) sodium_memzero(v.data(), v.size());
    return put;
  }
  ARBITER_RETURN_IF_ERROR(st);
  if (format != kFormat) {
    return Status::Unsupported("the private store has format " + format + "; this build reads " +
                               std::string(kFormat));
  }
  for (auto [name, secret] : {std::pair{kCommitmentKey, &commitment_key_},
                              std::pair{kMaskKey, &mask_key_},
                              std::pair{kSubjectKey, &subject_key_}}) {
    std::string bytes;
    ARBITER_RETURN_IF_ERROR(backend_->Get(name, &bytes));
    auto parsed = Secret::FromBytes(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    if (!parsed) return Status::Corruption("the private store's " + std::string(name) + " is damaged");
    *secret = *parsed;
  }
  return Status::Ok();
}

Result<std::optional<KeyId>> PrivacyStore::FindSubjectKey(std::string_view subject_digest) const {
  std::string id;
  Status st = backend_->Get(SubjectRow(subject_digest), &id);
  if (st.code() == StatusCode::kNotFound) return std::optional<KeyId>();
  ARBITER_RETURN_IF_ERROR(st);
  if (id.size() != kKeyIdSize) return Status::Corruption("the private store's subject row is damaged");
  KeyId out;
  std::copy(id.begin(), id.end(), out.begin());
  return std::optional<KeyId>(out);
}

Result<DataKey> PrivacyStore::SubjectDataKey(std::string_view subject_digest) {
  std::lock_guard lock(mutex_);
  std::string row = SubjectRow(subject_digest);
  if (auto it = by_subject_.find(row); it != by_subject_.end()) return it->second;
  DataKey key;
  ARBITER_ASSIGN_OR_RETURN(std::optional<KeyId> id, FindSubjectKey(subject_digest));
  if (id) {
    key.id = *id;
    std::string bytes;
    ARBITER_RETURN_IF_ERROR(backend_->Get(KeyRow(key.id), &bytes));
    auto parsed = Secret::FromBytes(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    if (!parsed) return Status::Corruption("the private store's data key row is damaged");
    key.key = *parsed;
  } else {
    randombytes_buf(key.id.data(), key.id.size());
    key.key = Secret::Random();
    std::vector<std::pair<std::string, std::string>> rows = {
        {KeyRow(key.id), std::string(key.key.view())},
        {row, std::string(reinterpret_cast<const char*>(key.id.data()), key.id.size())}};
    Status put = backend_->Put(rows);
    sodium_memzero(rows[0].second.data(), rows[0].second.size());
    ARBITER_RETURN_IF_ERROR(put);
  }
  // A bound on the cache; clearing it only costs reads.
  if (by_subject_.size() >= 100000) by_subject_.clear();
  by_subject_.emplace(std::move(row), key);
  return key;
}

Result<Secret> PrivacyStore::DataKeyById(const KeyId& id) const {
  std::string bytes;
  Status st = backend_->Get(KeyRow(id), &bytes);
  if (st.code() == StatusCode::kNotFound) return Status::NotFound("the data key was erased");
  ARBITER_RETURN_IF_ERROR(st);
  auto parsed = Secret::FromBytes(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  if (!parsed) return Status::Corruption("the private store's data key row is damaged");
  return *parsed;
}

Status PrivacyStore::EraseSubjectKey(std::string_view subject_digest) {
  std::lock_guard lock(mutex_);
  ARBITER_ASSIGN_OR_RETURN(std::optional<KeyId> id, FindSubjectKey(subject_digest));
  if (!id) return Status::NotFound("the subject has no data key (never recorded encrypted, or erased)");
  std::string row = SubjectRow(subject_digest);
  by_subject_.erase(row);
  return backend_->Erase({KeyRow(*id), row});
}

}  // namespace arbiter::ledger
