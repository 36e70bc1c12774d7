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
#include <sstream>

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

Result<std::string> ReadSmallFile(const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(std::string(what) + " " + path + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + std::string(what) + " " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 4096) return Status::InvalidArgument(path + " is too large to be a key file");
  return TrimLine(std::move(text));
}

}  // namespace

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
  ARBITER_ASSIGN_OR_RETURN(SigningKey key,
                           FromSeed(parts.name, std::span<const uint8_t>(parts.key).subspan(1)));
  if (key.key_id() != parts.id) {
    return Status::InvalidArgument("private key: key id " + HexId(parts.id) +
                                   " does not match the key (expected " + HexId(key.key_id()) + ")");
  }
  return key;
}

Result<SigningKey> SigningKey::LoadFile(const std::string& path) {
  ARBITER_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, "key file"));
  auto key = Parse(text);
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
  ARBITER_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, "public key file"));
  auto key = Parse(text);
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
