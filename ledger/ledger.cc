// The ledger's opening and its public face: Ledger::Open*, Impl::Init (loads the writer's
// state from storage: size, Merkle frontier, last hash and time, latest checkpoint, the
// cached upper subtree levels), and the Ledger methods that forward to the writer.
// The writer (group commit) is in writer.cc, checkpoints and key rotation in
// checkpoints.cc, reads and proofs in reads.cc.
#include <arbiter/ledger.h>

#include <future>

#include "ledger/layout.h"
#include "ledger/ledger_impl.h"

namespace arbiter::ledger {

std::string_view DurabilityName(Durability d) {
  switch (d) {
    case Durability::kSync: return "sync";
    case Durability::kBatch: return "batch";
    case Durability::kNone: return "none";
  }
  return "sync";
}

Result<Durability> ParseDurability(std::string_view name) {
  if (name == "sync") return Durability::kSync;
  if (name == "batch") return Durability::kBatch;
  if (name == "none") return Durability::kNone;
  return Status::InvalidArgument("durability must be sync, batch or none, not '" +
                                 std::string(name) + "'");
}

// ------------------------------------------------------------------------------------------
// Impl: opening.

Status Ledger::Impl::Init(std::shared_ptr<LedgerStorage> storage, LedgerOptions options) {
  storage_ = std::move(storage);
  options_ = std::move(options);
  read_only_ = storage_->read_only() || options_.read_only;
  if (!read_only_) {
    if (options_.signing_key) {
      key_ = options_.signing_key;
    } else if (!options_.key_file.empty()) {
      ARBITER_ASSIGN_OR_RETURN(
          SigningKey k, SigningKey::LoadFile(options_.key_file, options_.key_file_permissions));
      key_ = std::make_shared<const SigningKey>(std::move(k));
    } else {
      return Status::InvalidArgument(
          "a signing key is required to write to the ledger (give --key KEYFILE; create one "
          "with `arbiter keygen`)");
    }
  }
  ARBITER_ASSIGN_OR_RETURN(auto format, GetOptional(*storage_, layout::kMetaFormat));
  if (!format) {
    if (read_only_) return Status::NotFound("not an arbiter ledger (no format marker)");
    if (!options_.create_if_missing) return Status::NotFound("no ledger here and creation is off");
    origin_ = options_.origin.empty() ? key_->name() : options_.origin;
    if (origin_.empty() || origin_.find('\n') != std::string::npos) {
      return Status::InvalidArgument("origin must be one non-empty line");
    }
    std::vector<LedgerStorage::Op> ops = {
        {std::string(layout::kMetaFormat), std::to_string(kFormatVersion)},
        {std::string(layout::kMetaOrigin), origin_},
        {std::string(layout::kMetaSigner), key_->VerifierText()},
        {std::string(layout::kMetaSize), layout::BE64(0)},
    };
    ARBITER_RETURN_IF_ERROR(storage_->Write(ops, true));
  } else {
    int version = 0;
    for (char c : *format) {
      if (c < '0' || c > '9' || version > 100000) return Status::Corruption("ledger format marker is malformed");
      version = version * 10 + (c - '0');
    }
    if (format->empty()) return Status::Corruption("ledger format marker is malformed");
    if (version > kFormatVersion) {
      return Status::Unsupported("ledger format version " + std::to_string(version) +
                                 " is newer than this arbiter supports (" +
                                 std::to_string(kFormatVersion) + "); upgrade arbiter");
    }
    if (version < kFormatVersion) {
      return Status::Unsupported("ledger format version " + std::to_string(version) +
                                 " is older than this arbiter reads (" +
                                 std::to_string(kFormatVersion) +
                                 "); audit it with the arbiter that wrote it");
    }
    ARBITER_ASSIGN_OR_RETURN(auto origin, GetOptional(*storage_, layout::kMetaOrigin));
    if (!origin) return Status::Corruption("ledger has no origin");
    origin_ = *origin;
    if (!read_only_ && !options_.origin.empty() && options_.origin != origin_) {
      return Status::InvalidArgument("ledger origin is '" + origin_ + "', not '" + options_.origin + "'");
    }
    if (!read_only_) {
      ARBITER_ASSIGN_OR_RETURN(auto signer, GetOptional(*storage_, layout::kMetaSigner));
      if (signer && *signer != key_->VerifierText()) {
        return Status::PermissionDenied("the key " + key_->name() +
                                        " does not match this ledger's signing key (" + *signer +
                                        "); use that key, or rotate keys with it");
      }
    }
  }
  if (!read_only_) batch_ = storage_->NewBatch(1 << 20);
  {
    std::lock_guard commit(commit_mu_);  // no writer yet; taken for the annotations' sake
    ARBITER_RETURN_IF_ERROR(LoadWriterState());
  }
  if (!read_only_) writer_ = std::thread([this] { WriterLoop(); });
  return Status::Ok();
}

Ledger::Impl::~Impl() { Close().ok(); }

// ------------------------------------------------------------------------------------------
// Ledger.

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Result<std::unique_ptr<Ledger>> Ledger::OpenWithStorage(std::shared_ptr<LedgerStorage> storage,
                                                        LedgerOptions options) {
  auto impl = std::make_unique<Impl>();
  ARBITER_RETURN_IF_ERROR(impl->Init(std::move(storage), std::move(options)));
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, LedgerOptions options) {
  if (!options.signing_key && options.key_file.empty()) {
    return Status::InvalidArgument(
        "a signing key is required to write to the ledger (give --key KEYFILE; create one with "
        "`arbiter keygen`)");
  }
  if (!options.signing_key) {
    ARBITER_ASSIGN_OR_RETURN(SigningKey k,
                             SigningKey::LoadFile(options.key_file, options.key_file_permissions));
    options.signing_key = std::make_shared<const SigningKey>(std::move(k));
  }
  ARBITER_ASSIGN_OR_RETURN(auto storage,
                           OpenRocksDbStorage(dir, false, options.create_if_missing));
  auto ledger = OpenWithStorage(std::move(storage), std::move(options));
  if (!ledger.ok()) return Status(ledger.status().code(), dir + ": " + ledger.status().message());
  return ledger;
}

Result<std::unique_ptr<Ledger>> Ledger::OpenReadOnly(const std::string& dir) {
  ARBITER_ASSIGN_OR_RETURN(auto storage, OpenRocksDbStorage(dir, true, false));
  LedgerOptions options;
  options.read_only = true;
  auto ledger = OpenWithStorage(std::move(storage), options);
  if (!ledger.ok()) return Status(ledger.status().code(), dir + ": " + ledger.status().message());
  return ledger;
}

Result<Receipt> Ledger::Append(Record record) {
  std::promise<Result<Receipt>> promise;
  auto future = promise.get_future();
  impl_->Enqueue({std::move(record), [&promise](Result<Receipt> r) { promise.set_value(std::move(r)); }});
  return future.get();
}

void Ledger::AppendAsync(Record record, std::function<void(Result<Receipt>)> done) {
  impl_->Enqueue({std::move(record), std::move(done)});
}

Result<Receipt> Ledger::RotateKey(SigningKey new_key) {
  return impl_->RotateKey(std::move(new_key));
}
Result<std::string> Ledger::MakeCheckpoint() { return impl_->MakeCheckpoint(); }
Status Ledger::Close() { return impl_->Close(); }
uint64_t Ledger::Size() const { return impl_->Size(); }
LedgerHealth Ledger::Health() const { return impl_->Health(); }
const std::string& Ledger::origin() const { return impl_->origin(); }

}  // namespace arbiter::ledger
