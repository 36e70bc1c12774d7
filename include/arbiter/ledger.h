// The audit ledger: an append-only, hash-chained, RFC 6962 Merkle-tree log of decisions,
// evidence, policy activations and key rotations, with C2SP signed checkpoints.
// The byte format is specified in spec/ledger-format.md; this header is the whole public API.
//
// Threading: a Ledger may be used from any number of threads. Appends from many threads are
// group-committed by one writer thread (one storage write and one WAL sync per group).
// Nothing here throws.
#pragma once

#include <arbiter/status.h>

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace arbiter::ledger {

// The ledger's storage format version (the `m/format` marker: key layout and what is
// stored) that this build writes and the newest it reads.
inline constexpr int kFormatVersion = 2;
// The entry encoding version (each entry's "v" field) that this build writes and the
// newest it reads. Independent of kFormatVersion: entry bytes, hence every hash, proof and
// checkpoint, are the same in both storage formats.
inline constexpr int kEntryVersion = 1;

using Hash = std::array<uint8_t, 32>;

// ---------------------------------------------------------------------------------------
// Keys and signed notes (c2sp.org/signed-note, Ed25519, signature type 0x01).

// Whether a private key file may be readable or writable by group or others. ssh refuses
// such a file; so does Arbiter, unless a development setup says otherwise.
enum class KeyFilePermissions { kOwnerOnly, kAllowGroupOrOthers };

// An Ed25519 signing key with its note key name. Key files hold PrivateText(), the same
// "PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>" line Go's sumdb/note uses.
// A key moves but does not copy (Clone() makes the one explicit copy); its secret is wiped
// (sodium_memzero) when it is destroyed or moved from.
class SigningKey {
 public:
  SigningKey() = default;
  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();
  SigningKey Clone() const;

  // A fresh random key. The name must be a valid note key name (non-empty, no spaces,
  // no '+', no control characters).
  static Result<SigningKey> Generate(std::string name);
  static Result<SigningKey> FromSeed(std::string name, std::span<const uint8_t> seed32);
  static Result<SigningKey> Parse(std::string_view private_text);
  // Reads a key file written by WriteKeyFiles / `arbiter keygen`. Refused before reading: a
  // path that is not a regular file, a file over 4096 bytes, and (PermissionDenied, naming
  // the mode) a file group or others may read or write, unless `permissions` allows it.
  static Result<SigningKey> LoadFile(
      const std::string& path, KeyFilePermissions permissions = KeyFilePermissions::kOwnerOnly);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  // "<name>+<8 hex key id>+<base64(0x01 || public key)>"
  std::string VerifierText() const;
  std::string PrivateText() const;
  std::array<uint8_t, 64> Sign(std::span<const uint8_t> message) const;

 private:
  void Wipe();

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> secret_{};
  std::array<uint8_t, 32> public_key_{};
};

// A public Ed25519 note verifier key.
class VerifierKey {
 public:
  static Result<VerifierKey> Parse(std::string_view verifier_text);
  // Reads a .pub file (one verifier line). A private key file is rejected with a clear error,
  // as is a path that is not a regular file or a file over 4096 bytes (before reading it).
  static Result<VerifierKey> LoadFile(const std::string& path);
  static VerifierKey FromSigningKey(const SigningKey& key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  std::string Text() const;
  bool Verify(std::span<const uint8_t> message, std::span<const uint8_t> signature) const;

 private:
  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// Writes DIR/NAME.key (mode 0600, PrivateText) and DIR/NAME.pub (VerifierText), with any '/'
// in NAME written as '_'. Refuses to overwrite existing files. Returns the two paths.
Result<std::pair<std::string, std::string>> WriteKeyFiles(const SigningKey& key,
                                                          const std::string& dir);

// Signs `text` (which must end in '\n') as a signed note with one signature line.
Result<std::string> SignNote(std::string_view text, const SigningKey& key);
// Returns the note text if at least one signature by a key in `trusted` verifies and no
// signature by a trusted key fails; signatures by unknown keys are ignored (per the spec).
Result<std::string> OpenNote(std::string_view note, std::span<const VerifierKey> trusted);

// ---------------------------------------------------------------------------------------
// Checkpoints (c2sp.org/tlog-checkpoint).

struct CheckpointBody {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
};
std::string FormatCheckpointBody(const CheckpointBody& body);
Result<CheckpointBody> ParseCheckpointBody(std::string_view text);

// ---------------------------------------------------------------------------------------
// Records: what callers append. The ledger adds seq, time and the previous hash.

// `payload` is the canonical JSON text of a JSON object (sorted keys, no whitespace; see
// spec/ledger-format.md). Build records with MakeRecord or the typed records below, which
// guarantee that. `kind` is lowercase [a-z][a-z0-9_-]*.
struct Record {
  std::string kind;
  std::string payload;
  std::string decision_id;  // decision records only: indexed for HasDecision
  // Set by DecisionRecord when it generated a random id: skips the duplicate-id lookup.
  bool fresh_decision_id = false;
  // Policy records: the bundle digest, indexed for FindPolicy; data records: the data
  // digest, indexed for FindData. Empty for other kinds.
  std::string content_digest;
};
Result<Record> MakeRecord(std::string kind, const nlohmann::json& payload);
// Canonical JSON text of a value (throws nothing; invalid UTF-8 is an error).
Result<std::string> CanonicalJson(const nlohmann::json& value);
// A new decision id: a UUIDv7 (RFC 9562) in its 36-character text form. Ids made by one
// process strictly increase, so the ledger's decision index grows at its end.
std::string NewDecisionId();

// One decision. JSON shapes follow `arbiter eval` output (contracts.md).
struct DecisionRecord {
  std::string decision_id;  // empty: NewDecisionId() assigns one
  nlohmann::json request;   // the AuthZEN request body
  bool request_digest_only = false;  // store "request_digest" (sha256 of canonical request)
  std::string decision;              // "allow" | "deny"
  bool fail_closed = false;          // Decision::fail_closed; recorded only when true
  nlohmann::json reasons = nlohmann::json::array();
  nlohmann::json obligations = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  std::string bundle_digest;  // "sha256:<hex>"
  std::string principal;      // who asked (the daemon's authenticated caller); empty: omitted
  // The `@control` values of the rules that decided (Engine::Controls); empty: omitted.
  std::vector<std::string> controls;
  std::string data_digest;  // "sha256:<hex>" of the entity data decided against; empty: omitted
  Result<Record> ToRecord() const;
};

// Evidence about earlier decisions: an approval, a correction by a domain expert, a model
// evaluation report's digest.
struct EvidenceRecord {
  std::vector<std::string> decision_ids;
  std::string type;    // "approval", "correction", "evaluation_report", ...
  std::string author;  // who submitted it (the daemon: the authenticated principal)
  std::string claimed_author;  // who the submitter says wrote it; empty: omitted
  // The roles `author` holds, as the daemon checked them (its auth file): what an obligation
  // that requires evidence from a role is discharged by. Empty: omitted (not checked).
  std::vector<std::string> author_roles;
  nlohmann::json body = nlohmann::json::object();
  std::string digest;  // optional "sha256:<hex>" of an external document
  Result<Record> ToRecord() const;
};

// A policy bundle activation.
struct PolicyRecord {
  std::string bundle_digest;  // "sha256:<hex>"
  struct Source {
    std::string path;
    std::string digest;  // "sha256:<hex>"
    // The source text; recorded when known (compiled from text, not loaded from a bundle),
    // and then its SHA-256 must equal `digest`.
    std::optional<std::string> text = std::nullopt;
  };
  std::vector<Source> sources;
  std::string activated_by;  // who activated it (user, "arbiter eval", "daemon reload")
  std::string reason;        // optional
  std::string data_digest;   // optional "sha256:<hex>" of the entity data activated with it
  // The bundle's bytes (recorded as base64), whose digest (spec/bytecode.md) is
  // `bundle_digest`: what replay decides with. Empty: not recorded (entries written before it was).
  std::string bundle_bytes;
  Result<Record> ToRecord() const;
};

// Entity data, content-addressed (spec/ledger-format.md, "data"): recorded once per distinct
// content, before the first activation or decision that names its digest, so that the ledger
// alone holds what every decision was decided against.
struct DataRecord {
  // The entity data as a JSON array of entities, in any formatting; recorded canonically.
  std::string entities_json;
  Result<Record> ToRecord() const;
};
// "sha256:<hex>" of entity JSON text in canonical form (so formatting does not count): the
// digest decisions, activations and data entries name. An error when it is not JSON.
Result<std::string> EntityDataDigest(std::string_view entities_json);

// A daemon start that found the policies and data in force unchanged: it points at the
// policy entry (activation) still in force instead of recording the same activation again.
struct StartRecord {
  uint64_t activation_seq = 0;  // the policy entry in force
  std::string bundle_digest;    // "sha256:<hex>": that entry's bundle
  std::string data_digest;      // "sha256:<hex>" of the entity data; empty: none (omitted)
  std::string version;          // the arbiter version that started
  Result<Record> ToRecord() const;
};

struct Receipt {
  uint64_t seq = 0;
  std::string entry_hash;  // hex RFC 6962 leaf hash of the entry
  std::string decision_id;
};

// An entry as stored.
struct StoredEntry {
  uint64_t seq = 0;
  std::string kind;
  std::string time;     // RFC 3339 UTC, microseconds
  std::string raw;      // the exact canonical bytes
  Hash entry_hash{};    // SHA-256(0x00 || raw)
  nlohmann::json ToJson() const;  // the parsed entry plus "entry_hash"
};

// ---------------------------------------------------------------------------------------
// Storage: RocksDB for real use, memory for tests and the playground's scratch ledger.

// Ordered key-value store with atomic batches. Implementations are thread-safe.
class LedgerStorage {
 public:
  struct Op {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  // Puts and deletes that Write applies atomically. Made by NewBatch of the storage that
  // writes it; the data is copied in, so arguments need not outlive the call. Not
  // thread-safe.
  class Batch {
   public:
    virtual ~Batch() = default;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    // Appends `value` to the key's stored value (a Put when there is none).
    virtual void Append(std::string_view key, std::string_view value) = 0;
    virtual void Delete(std::string_view key) = 0;
    // Empties the batch, keeping its memory for reuse.
    virtual void Clear() = 0;
    virtual bool empty() const = 0;
  };
  class Cursor {
   public:
    virtual ~Cursor() = default;
    virtual bool Valid() const = 0;
    virtual std::string_view key() const = 0;
    virtual std::string_view value() const = 0;
    virtual void Next() = 0;
    virtual Status status() const = 0;
  };
  virtual ~LedgerStorage() = default;
  // An empty batch with room for about `reserve_bytes` of keys and values.
  virtual std::unique_ptr<Batch> NewBatch(size_t reserve_bytes) const = 0;
  // Applies `batch` (from this storage's NewBatch) atomically; with sync, returns only
  // after it is durable. The batch is left as it was.
  virtual Status Write(const Batch& batch, bool sync) = 0;
  // The same for a list of ops (tests and one-off writes).
  Status Write(const std::vector<Op>& ops, bool sync);
  virtual Status SyncWal() = 0;
  // Called by the ledger's writer after a failed Write or SyncWal, and again until it
  // succeeds: makes the store usable again, holding what was written before the failure
  // (a batch whose Write failed is either wholly there or not at all) and durable. Reads
  // meanwhile may fail or wait. The default does nothing (stores that keep no log).
  virtual Status Reopen() { return Status::Ok(); }
  // NotFound when absent.
  virtual Status Get(std::string_view key, std::string* value) const = 0;
  // Several Gets at once (one status per key); stores may batch them.
  virtual std::vector<Status> MultiGet(const std::vector<std::string>& keys,
                                       std::vector<std::string>* values) const;
  // Keys >= start in order.
  virtual std::unique_ptr<Cursor> Seek(std::string_view start) const = 0;
  virtual bool read_only() const = 0;
};
std::shared_ptr<LedgerStorage> NewMemoryStorage();
// Opens (creating when allowed) a RocksDB store. A second writer gets FailedPrecondition.
Result<std::shared_ptr<LedgerStorage>> OpenRocksDbStorage(const std::string& dir, bool read_only,
                                                          bool create_if_missing);

// ---------------------------------------------------------------------------------------
// The ledger.

enum class Durability {
  kSync,   // an append returns after its group's WAL sync (default)
  kBatch,  // an append returns after the write reaches the OS; the WAL is synced every
           // batch_sync_interval_ms (a power loss may lose that window; kill -9 loses nothing)
  kNone,   // never synced by the ledger
};
std::string_view DurabilityName(Durability d);
Result<Durability> ParseDurability(std::string_view name);

struct LedgerOptions {
  Durability durability = Durability::kSync;
  uint64_t checkpoint_every_entries = 1000;  // 0: never by count
  uint64_t checkpoint_every_ms = 1000;       // 0: never by time
  uint64_t batch_sync_interval_ms = 10;
  // The checkpoint origin line; empty: the signing key's name. Fixed when the ledger is
  // created; a later different value is an error.
  std::string origin;
  // The signing key, or a file to load it from. One of them is required to write. Copies of
  // the options share the one key (its secret is not duplicated).
  std::shared_ptr<const SigningKey> signing_key;
  std::string key_file;
  // Development only: accept a key_file that group or others can read.
  KeyFilePermissions key_file_permissions = KeyFilePermissions::kOwnerOnly;
  bool create_if_missing = true;
  // Open for reading only (audit commands): no key needed, appends fail.
  bool read_only = false;
  // After a storage error the ledger refuses writes and tries to recover (reopen the store)
  // every this many milliseconds (spec/ledger-format.md, "Faults").
  uint64_t recovery_interval_ms = 1000;
};

// Whether the ledger can be written (spec/ledger-format.md, "Faults").
struct LedgerHealth {
  // False after a storage error (disk full, I/O error, failed sync) until a recovery
  // succeeds; every append, checkpoint and rotation fails meanwhile with `error`.
  bool failed = false;
  std::string error;            // the storage error that failed it, while failed
  uint64_t write_failures = 0;  // storage errors since open
  uint64_t recoveries = 0;      // recoveries since open
  // Group commit since open: storage writes that committed appends (each one WAL sync in
  // `sync` durability) and the appends they committed; their ratio is the mean group size.
  uint64_t commit_groups = 0;
  uint64_t committed_appends = 0;
};

struct VerifyOptions {
  // Keys trusted to sign checkpoints (key rotation entries add their new key as verify goes).
  std::vector<VerifierKey> trusted_keys;
  // Also parse each payload and check it is canonical JSON (slower).
  bool deep = false;
  // Called now and then with (entries checked, entries total).
  std::function<void(uint64_t, uint64_t)> progress;
  // A checkpoint saved earlier (a C2SP signed note, as a witness keeps it). When set, verify
  // also proves that the ledger is an append-only extension of it: a consistency proof from
  // its size to the latest checkpoint, checked against both roots.
  std::string against;
};

struct VerifyReport {
  bool ok = false;
  uint64_t entries = 0;       // entries checked
  uint64_t checkpoints = 0;   // checkpoints whose root and signature were checked
  // The tree size of the latest signed checkpoint checked: entries [0, signed_size) are
  // covered by a signature, the rest (the unsigned tail) only by the hash chain.
  uint64_t signed_size = 0;
  uint64_t unsigned_entries() const { return entries > signed_size ? entries - signed_size : 0; }
  // The names of the keys trusted along the way: the ones given, then each rotation's new key.
  std::vector<std::string> keys;
  // With VerifyOptions::against: the saved checkpoint's size, once proven consistent.
  std::optional<uint64_t> consistent_with;
  std::optional<uint64_t> bad_seq;              // first bad sequence number
  std::optional<uint64_t> bad_checkpoint_size;  // when a checkpoint is what is wrong
  std::string problem;        // what is wrong, for a human (empty when ok)
  std::string note;           // when ok: what else a human should know (e.g. a bundle's range)
  std::string Summary() const;  // one line
  // The same as one JSON object (spec/ledger-format.md, "Verification report").
  std::string ToJson() const;
};

// One bound of an entry range, as `audit export --from/--to` take it: a sequence number (all
// digits) or a UTC time prefix ("2026-11-26", "2026-11-26T10:00:00Z"); inclusive.
struct RangeBound {
  bool set = false;     // false: unbounded (empty text)
  bool is_seq = false;
  uint64_t seq = 0;
  std::string time;     // the prefix an entry's time is compared with (no trailing 'Z')
};
// `what` names the bound in the error ("--from").
Result<RangeBound> ParseRangeBound(const std::string& text, std::string_view what);

// Which decisions an audit looks at (`audit export`, `audit report`): a decision entry
// matches when it matches every member that is set; within a list member, any value. Values
// compare exactly (spec/ledger-format.md, "Decision filters"). Entities are written
// `Type::"id"`, `Type::id`, or a bare `id` (any type); a request recorded only as a digest,
// commitment or ciphertext matches no subject, action or resource filter.
struct DecisionFilter {
  std::vector<std::string> controls;      // one of the entry's `controls`
  std::vector<std::string> rules;         // the qualified id of one of its `reasons`
  std::vector<std::string> decision_ids;  // its `decision_id`
  std::string subject;
  std::string action;                     // the action's name
  std::string resource;
  std::string decision;                   // "allow" | "deny"; empty: either
  bool empty() const;
  // `payload` is a decision entry's payload (canonical JSON text). False for anything that
  // is not a decision payload.
  bool Matches(std::string_view payload) const;
  // Checks the values (an entity that cannot be read, a decision that is neither allow nor
  // deny): InvalidArgument naming the flag.
  Status Validate() const;
};

struct ExportOptions {
  enum class Format { kJsonl, kCsv, kBundle };
  Format format = Format::kJsonl;
  // Each bound is a sequence number (all digits) or an RFC 3339 time prefix; inclusive.
  std::string from;
  std::string to;
  std::string kind;  // empty: all kinds
  // Decisions of the range outside the filter are left out like entries outside `kind`
  // (in a bundle, as stubs). With a filter set, only decisions are selected: `kind` must be
  // empty or "decision" (else InvalidArgument), as must the filter's values (Validate).
  DecisionFilter decisions;
  // The entries the selected decisions depend on, wherever they lie (the policy and data
  // entries they were decided with, the evidence linked to them): a bundle (version 4)
  // always carries them, each with its inclusion proof, so replay and verification run on
  // the bundle alone. For jsonl and csv, set this to write them after the selection, in seq
  // order (spec/ledger-format.md, "Export").
  bool with_dependencies = false;
};

class Ledger {
 public:
  // Opens DIR as the single writer, creating it if allowed.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir, LedgerOptions options);
  // Opens DIR for reading only (audit commands); appends fail.
  static Result<std::unique_ptr<Ledger>> OpenReadOnly(const std::string& dir);
  // Any storage (NewMemoryStorage() for tests and scratch ledgers). Read-only when the
  // storage is or options.read_only is set.
  static Result<std::unique_ptr<Ledger>> OpenWithStorage(std::shared_ptr<LedgerStorage> storage,
                                                          LedgerOptions options);
  ~Ledger();  // Close()
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends and waits until the entry is committed (durable in kSync mode).
  Result<Receipt> Append(Record record);
  // Appends; `done` runs on the ledger's writer thread once the entry is committed (durable
  // in kSync mode) or failed. It must be quick and must not call Append (use AppendAsync).
  void AppendAsync(Record record, std::function<void(Result<Receipt>)> done);

  // Appends a key entry naming `new_key`, signed by the current key, then signs all later
  // checkpoints with `new_key` (the ledger takes it over).
  Result<Receipt> RotateKey(SigningKey new_key);
  // Signs and stores a checkpoint of the current tree now (if it grew since the last one).
  Result<std::string> MakeCheckpoint();
  // Flushes pending appends, writes a final checkpoint, stops the writer. Idempotent.
  Status Close();

  // Failed or not, and why; counts of failures and recoveries. Any thread, never blocks on
  // the writer.
  LedgerHealth Health() const;

  // Committed entries.
  uint64_t Size() const;
  const std::string& origin() const;
  // The seq of the decision with this id, or nullopt.
  Result<std::optional<uint64_t>> FindDecision(std::string_view decision_id) const;
  Result<bool> HasDecision(std::string_view decision_id) const;
  // The seq of the first policy (bundle activation) entry for this bundle digest, or nullopt.
  Result<std::optional<uint64_t>> FindPolicy(std::string_view bundle_digest) const;
  // The seq of the data entry holding the entity data with this digest, or nullopt.
  Result<std::optional<uint64_t>> FindData(std::string_view data_digest) const;
  Result<StoredEntry> Get(uint64_t seq) const;
  // The RFC 6962 root of the first `size` entries.
  Result<Hash> RootAt(uint64_t size) const;
  // The latest signed checkpoint note; NotFound when none has been made yet.
  Result<std::string> LatestCheckpoint() const;
  // The signed checkpoint of exactly this tree size; NotFound if none was stored.
  Result<std::string> CheckpointAt(uint64_t size) const;
  // Sizes of all stored checkpoints, ascending.
  Result<std::vector<uint64_t>> CheckpointSizes() const;
  // RFC 6962 audit path for leaf `seq` in the tree of `size` entries (leaf's sibling first).
  Result<std::vector<Hash>> InclusionPath(uint64_t seq, uint64_t size) const;
  Result<std::vector<Hash>> ConsistencyPath(uint64_t old_size, uint64_t new_size) const;
  // c2sp.org/tlog-proof@v1 text for `seq` against the stored checkpoint of `size` (default:
  // the latest checkpoint).
  Result<std::string> InclusionProof(uint64_t seq, std::optional<uint64_t> size = {}) const;
  // Consistency proof text (spec/ledger-format.md) from `old_size` to the latest checkpoint.
  Result<std::string> ConsistencyProof(uint64_t old_size) const;

  // Re-hashes everything; see VerifyReport.
  VerifyReport Verify(const VerifyOptions& options) const;
  // Streams entries to `out` in constant memory.
  Status Export(const ExportOptions& options, std::ostream& out) const;

  class Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a file written by Export with Format::kBundle without the database. When
// `trusted` is empty, the key inside the bundle is used (and the summary says so).
VerifyReport VerifyExportBundle(std::istream& in, std::span<const VerifierKey> trusted);

// ---------------------------------------------------------------------------------------
// RFC 6962 Merkle tree hashing and proof checking (usable without a ledger).

Hash LeafHash(std::string_view entry);
Hash NodeHash(const Hash& left, const Hash& right);
// Root of a list of leaf hashes (reference implementation, O(n)).
Hash RootFromLeafHashes(std::span<const Hash> leaves);
Hash EmptyRoot();  // SHA-256("")
// RFC 9162 section 2.1.3.2. Roots and leaf hash are byte strings so that malformed inputs
// can be rejected rather than unrepresentable.
Status VerifyInclusion(uint64_t index, uint64_t size, std::span<const uint8_t> leaf_hash,
                       std::span<const Hash> path, std::span<const uint8_t> root);
// RFC 9162 section 2.1.4.2. size1 == 0 is rejected (a proof from the empty tree proves
// nothing); equal sizes need an empty proof and equal roots.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> path,
                         std::span<const uint8_t> root1, std::span<const uint8_t> root2);

// Parses c2sp.org/tlog-proof@v1 text.
struct TlogProof {
  uint64_t index = 0;
  std::vector<Hash> path;
  std::string checkpoint;  // the signed note, verbatim
  std::string extra;       // decoded extra data, if any
};
Result<TlogProof> ParseTlogProof(std::string_view text);
// Checks a tlog proof for `entry` (raw bytes) against trusted keys; returns the checkpoint.
Result<CheckpointBody> VerifyTlogProof(std::string_view proof_text, std::string_view entry,
                                       std::span<const VerifierKey> trusted);

}  // namespace arbiter::ledger
