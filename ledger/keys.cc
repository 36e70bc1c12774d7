// Ed25519 keys in the signed-note formats (c2sp.org/signed-note, Go's sumdb/note):
//   verifier: <name>+<hex key id>+<base64(0x01 || public key)>
//   private:  PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>
// key id = SHA-256(name || '\n' || 0x01 || public key)[:4], big-endian.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arbiter/ledger.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cerrno>
#include <optional>

#include "common/encoding.h"
#include "common/sha256.h"

namespace arbiter::ledger {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

Status CheckKeyName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("key name is empty");
  for (unsigned char c : name) {
    if (c < 0x21 || c == 0x7f || c == '+') {
      return Status::InvalidArgument("key name '" + std::string(name) +
                                     "' must not contain spaces, '+' or control characters");
    }
  }
  // Unicode spaces in UTF-8 that are not ASCII: U+0085, U+00A0, U+2000..U+200A, U+2028,
  // U+2029, U+202F, U+205F, U+3000, U+1680.
  for (std::string_view bad : {"\xc2\x85", "\xc2\xa0", "\xe2\x80\xa8", "\xe2\x80\xa9",
                               "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xe1\x9a\x80"}) {
    if (name.find(bad) != std::string_view::npos) {
      return Status::InvalidArgument("key name must not contain Unicode spaces");
    }
  }
  for (unsigned c = 0x80; c <= 0x8a; ++c) {
    char seq[3] = {'\xe2', '\x80', static_cast<char>(c)};
    if (name.find(std::string_view(seq, 3)) != std::string_view::npos) {
      return Status::InvalidArgument("key name must not contain Unicode spaces");
    }
  }
  return Status::Ok();
}

uint32_t ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& pub) {
  Sha256 h;
  h.Update(name).Update(uint8_t{'\n'}).Update(kAlgEd25519).Update(std::span<const uint8_t>(pub));
  Sha256Digest d = h.Final();
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) | (uint32_t{d[2]} << 8) | d[3];
}

std::string HexId(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

struct KeyParts {
  std::string name;
  uint32_t id;
  std::vector<uint8_t> key;  // after base64, including the algorithm byte
};

Result<KeyParts> SplitKey(std::string_view text, std::string_view what) {
  auto p1 = text.find('+');
  if (p1 == std::string_view::npos) return Status::InvalidArgument(std::string(what) + ": malformed");
  // The name and id hold no '+'; the base64 key may, so only the first two separate fields.
  auto p2 = text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return Status::InvalidArgument(std::string(what) + ": malformed");
  KeyParts parts;
  parts.name = std::string(text.substr(0, p1));
  ARBITER_RETURN_IF_ERROR(CheckKeyName(parts.name));
  std::string_view hex = text.substr(p1 + 1, p2 - p1 - 1);
  if (hex.size() != 8) return Status::InvalidArgument(std::string(what) + ": key id must be 8 hex digits");
  auto id = HexDecode(hex);
  if (!id) return Status::InvalidArgument(std::string(what) + ": key id is not hex");
  parts.id = (uint32_t{(*id)[0]} << 24) | (uint32_t{(*id)[1]} << 16) | (uint32_t{(*id)[2]} << 8) |
             (*id)[3];
  auto key = Base64Decode(text.substr(p2 + 1));
  if (!key) return Status::InvalidArgument(std::string(what) + ": key is not valid base64");
  parts.key = std::move(*key);
  if (parts.key.size() != 33 || parts.key[0] != kAlgEd25519) {
    return Status::InvalidArgument(std::string(what) +
                                   ": only Ed25519 keys (algorithm 1, 32 bytes) are supported");
  }
  return parts;
}

std::string TrimLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

constexpr off_t kMaxKeyFileBytes = 4096;

struct KeyFileText {
  std::string text;  // trimmed
  mode_t mode = 0;   // permission bits
};

// Opens, checks (with fstat on the open file, so what is checked is what is read) and reads a
// key file. Nothing is read from a file that is not regular or too large, so a FIFO, a device
// or a multi-gigabyte file cannot stall or exhaust the process.
Result<KeyFileText> ReadKeyFile(const std::string& path, std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(std::string(what) + " " + path + " does not exist");
    return Status::IOError("cannot read " + std::string(what) + " " + path + ": " +
                           std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return Status::IOError("cannot stat " + std::string(what) + " " + path + ": " +
                           std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(std::string(what) + " " + path + " is not a regular file");
  }
  if (st.st_size > kMaxKeyFileBytes) {
    return Status::InvalidArgument(std::string(what) + " " + path + " is " +
                                   std::to_string(st.st_size) + " bytes; a key file is at most " +
                                   std::to_string(kMaxKeyFileBytes));
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sodium_memzero(text.data(), text.size());
      return Status::IOError("cannot read " + std::string(what) + " " + path + ": " +
                             std::strerror(errno));
    }
    if (n == 0) break;  // the file shrank meanwhile
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return KeyFileText{TrimLine(std::move(text)), static_cast<mode_t>(st.st_mode & 07777)};
}

// As ssh does: a private key that group or others may access is refused (it may already have
// been read by someone else, and using it hides that).
Status CheckPrivateKeyMode(const std::string& path, mode_t mode, KeyFilePermissions allowed) {
  if (allowed == KeyFilePermissions::kAllowGroupOrOthers || (mode & 077) == 0) {
    return Status::Ok();
  }
  char octal[16];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
  return Status::PermissionDenied("key file " + path + " has mode " + octal +
                                  ": a private key must not be accessible by group or others "
                                  "(chmod 600 " + path + ")");
}

}  // namespace

SigningKey::SigningKey(SigningKey&& other) noexcept
    : name_(std::move(other.name_)),
      key_id_(other.key_id_),
      seed_(other.seed_),
      secret_(other.secret_),
      public_key_(other.public_key_) {
  other.Wipe();
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    Wipe();
    name_ = std::move(other.name_);
    key_id_ = other.key_id_;
    seed_ = other.seed_;
    secret_ = other.secret_;
    public_key_ = other.public_key_;
    other.Wipe();
  }
  return *this;
}

SigningKey::~SigningKey() { Wipe(); }

void SigningKey::Wipe() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(secret_.data(), secret_.size());
}

SigningKey SigningKey::Clone() const {
  SigningKey copy;
  copy.name_ = name_;
  copy.key_id_ = key_id_;
  copy.seed_ = seed_;
  copy.secret_ = secret_;
  copy.public_key_ = public_key_;
  return copy;
}

Result<SigningKey> SigningKey::FromSeed(std::string name, std::span<const uint8_t> seed32) {
  if (!SodiumReady()) return Status::Internal("libsodium failed to initialise");
  ARBITER_RETURN_IF_ERROR(CheckKeyName(name));
  if (seed32.size() != 32) return Status::InvalidArgument("Ed25519 seed must be 32 bytes");
  SigningKey key;
  key.name_ = std::move(name);
  std::copy(seed32.begin(), seed32.end(), key.seed_.begin());
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(), key.seed_.data());
  key.key_id_ = ComputeKeyId(key.name_, key.public_key_);
  return key;
}

Result<SigningKey> SigningKey::Generate(std::string name) {
  if (!SodiumReady()) return Status::Internal("libsodium failed to initialise");
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  auto key = FromSeed(std::move(name), seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Result<SigningKey> SigningKey::Parse(std::string_view text) {
  constexpr std::string_view kPrefix = "PRIVATE+KEY+";
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    if (VerifierKey::Parse(text).ok()) {
      return Status::InvalidArgument(
          "this is a public verifier key; a private key file (NAME.key) is needed to sign");
    }
    return Status::InvalidArgument("not a private key: expected 'PRIVATE+KEY+<name>+<id>+<key>'");
  }
  ARBITER_ASSIGN_OR_RETURN(KeyParts parts, SplitKey(text.substr(kPrefix.size()), "private key"));
  auto seeded = FromSeed(parts.name, std::span<const uint8_t>(parts.key).subspan(1));
  sodium_memzero(parts.key.data(), parts.key.size());
  if (!seeded.ok()) return seeded.status();
  SigningKey key = std::move(seeded).value();
  if (key.key_id() != parts.id) {
    return Status::InvalidArgument("private key: key id " + HexId(parts.id) +
                                   " does not match the key (expected " + HexId(key.key_id()) + ")");
  }
  return key;
}

Result<SigningKey> SigningKey::LoadFile(const std::string& path,
                                        KeyFilePermissions permissions) {
  ARBITER_ASSIGN_OR_RETURN(KeyFileText file, ReadKeyFile(path, "key file"));
  // Only a private key is refused for its mode: a public key given by mistake gets Parse's
  // clearer message.
  if (file.text.starts_with("PRIVATE+KEY+")) {
    Status mode = CheckPrivateKeyMode(path, file.mode, permissions);
    if (!mode.ok()) {
      sodium_memzero(file.text.data(), file.text.size());
      return mode;
    }
  }
  auto key = Parse(file.text);
  sodium_memzero(file.text.data(), file.text.size());
  if (!key.ok()) {
    return Status(key.status().code(), "key file " + path + ": " + key.status().message());
  }
  return key;
}

std::string SigningKey::VerifierText() const {
  std::vector<uint8_t> k{kAlgEd25519};
  k.insert(k.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + HexId(key_id_) + "+" + Base64Encode(k);
}

std::string SigningKey::PrivateText() const {
  std::vector<uint8_t> k{kAlgEd25519};
  k.insert(k.end(), seed_.begin(), seed_.end());
  return "PRIVATE+KEY+" + name_ + "+" + HexId(key_id_) + "+" + Base64Encode(k);
}

std::array<uint8_t, 64> SigningKey::Sign(std::span<const uint8_t> message) const {
  std::array<uint8_t, 64> sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

Result<VerifierKey> VerifierKey::Parse(std::string_view text) {
  if (!SodiumReady()) return Status::Internal("libsodium failed to initialise");
  if (text.substr(0, 12) == "PRIVATE+KEY+") {
    return Status::InvalidArgument(
        "this is a private key; give the public verifier key (NAME.pub) instead");
  }
  ARBITER_ASSIGN_OR_RETURN(KeyParts parts, SplitKey(text, "verifier key"));
  VerifierKey key;
  key.name_ = parts.name;
  std::copy(parts.key.begin() + 1, parts.key.end(), key.public_key_.begin());
  key.key_id_ = ComputeKeyId(key.name_, key.public_key_);
  if (key.key_id_ != parts.id) {
    return Status::InvalidArgument("verifier key: key id " + HexId(parts.id) +
                                   " does not match the key (expected " + HexId(key.key_id_) + ")");
  }
  return key;
}

Result<VerifierKey> VerifierKey::LoadFile(const std::string& path) {
  ARBITER_ASSIGN_OR_RETURN(KeyFileText file, ReadKeyFile(path, "public key file"));
  auto key = Parse(file.text);
  if (!key.ok()) {
    return Status(key.status().code(), "public key file " + path + ": " + key.status().message());
  }
  return key;
}

VerifierKey VerifierKey::FromSigningKey(const SigningKey& signing) {
  VerifierKey key;
  key.name_ = signing.name();
  key.public_key_ = signing.public_key();
  key.key_id_ = signing.key_id();
  return key;
}

std::string VerifierKey::Text() const {
  std::vector<uint8_t> k{kAlgEd25519};
  k.insert(k.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + HexId(key_id_) + "+" + Base64Encode(k);
}

bool VerifierKey::Verify(std::span<const uint8_t> message,
                         std::span<const uint8_t> signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key_.data()) == 0;
}

Result<std::pair<std::string, std::string>> WriteKeyFiles(const SigningKey& key,
                                                          const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  // Key names are often URL-like ("example.com/log"): '/' becomes '_' in the file name.
  std::string base = key.name();
  std::replace(base.begin(), base.end(), '/', '_');
  std::string key_path = (fs::path(dir) / (base + ".key")).string();
  std::string pub_path = (fs::path(dir) / (base + ".pub")).string();
  for (const auto& p : {key_path, pub_path}) {
    if (fs::exists(p, ec)) return Status::FailedPrecondition(p + " already exists; not overwriting");
  }
  // O_EXCL with mode 0600 so the private key is never readable by others, not even briefly.
  int fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + key_path + ": " + std::strerror(errno));
  std::string text = key.PrivateText() + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = (::fchmod(fd, 0600) == 0) && ok;
  ok = (::fsync(fd) == 0) && ok;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok) return Status::IOError("cannot write " + key_path);
  std::ofstream pub(pub_path, std::ios::binary | std::ios::trunc);
  pub << key.VerifierText() << "\n";
  if (!pub.flush()) return Status::IOError("cannot write " + pub_path);
  return std::make_pair(key_path, pub_path);
}

}  // namespace arbiter::ledger
