// Key hygiene (issue 13): private keys do not copy, key files are checked before they are
// read, and a private key that group or others can read is refused, as ssh refuses it.
#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <type_traits>

#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

// Secret material moves; it is never copied by accident (a copy would be one more place the
// seed lives and has to be wiped). Public keys stay copyable values.
static_assert(!std::is_copy_constructible_v<SigningKey>);
static_assert(!std::is_copy_assignable_v<SigningKey>);
static_assert(std::is_nothrow_move_constructible_v<SigningKey>);
static_assert(std::is_nothrow_move_assignable_v<SigningKey>);

namespace {

// The file name is made from the mode (std::string operator+ chains trip GCC 12's -Wrestrict).
std::string WriteKey(const TempDir& dir, const char* prefix, mode_t mode) {
  std::string file(prefix);
  file.append(std::to_string(mode)).append(".key");
  std::string path = (dir.path / file).string();
  std::ofstream(path, std::ios::binary) << TestKey().PrivateText() << "\n";
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

}  // namespace

TEST_CASE("a private key file readable by group or others is refused, naming its mode") {
  TempDir dir("key-mode");
  std::filesystem::create_directories(dir.path);
  for (mode_t mode : {0644, 0640, 0604, 0660, 0606, 0777}) {
    std::string path = WriteKey(dir, "k", mode);
    auto key = SigningKey::LoadFile(path);
    REQUIRE_FALSE(key.ok());
    CHECK(key.status().code() == StatusCode::kPermissionDenied);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    INFO(key.status().message());
    CHECK_THAT(key.status().message(), Catch::Contains(octal));
    CHECK_THAT(key.status().message(), Catch::Contains("chmod 600"));
    // The explicit development switch accepts it.
    auto allowed = SigningKey::LoadFile(path, KeyFilePermissions::kAllowGroupOrOthers);
    REQUIRE(allowed.ok());
    CHECK(allowed->VerifierText() == TestKey().VerifierText());
  }
  for (mode_t mode : {0600, 0400}) {
    auto key = SigningKey::LoadFile(WriteKey(dir, "ok", mode));
    CHECK(key.ok());
  }
}

TEST_CASE("a ledger refuses a key file readable by others") {
  TempDir dir("key-ledger");
  std::filesystem::create_directories(dir.path);
  LedgerOptions options;
  options.key_file = WriteKey(dir, "shared", 0644);
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), options);
  REQUIRE_FALSE(ledger.ok());
  CHECK_THAT(ledger.status().message(), Catch::Contains("0644"));
}

TEST_CASE("public key files may be world-readable") {
  TempDir dir("key-pub");
  std::filesystem::create_directories(dir.path);
  std::string path = (dir.path / "k.pub").string();
  std::ofstream(path) << TestKey().VerifierText() << "\n";
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  CHECK(VerifierKey::LoadFile(path).ok());
}

TEST_CASE("an oversized key file is refused by its size, before it is read") {
  TempDir dir("key-size");
  std::filesystem::create_directories(dir.path);
  for (const char* file : {"big.key", "big.pub"}) {
    std::string path = (dir.path / file).string();
    { std::ofstream(path) << TestKey().PrivateText() << "\n"; }
    // Sparse: 4 GiB on paper, nothing on disk. Reading it first would take the time and memory.
    std::filesystem::resize_file(path, uintmax_t{4} << 30);
    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    auto key = std::string(file) == "big.key" ? SigningKey::LoadFile(path).status()
                                              : VerifierKey::LoadFile(path).status();
    REQUIRE_FALSE(key.ok());
    CHECK(key.code() == StatusCode::kInvalidArgument);
    INFO(key.message());
    CHECK_THAT(key.message(), Catch::Contains("4294967296 bytes"));
  }
}

TEST_CASE("a key path that is not a regular file is refused without reading it") {
  TempDir dir("key-dir");
  std::filesystem::create_directories(dir.path);
  auto key = SigningKey::LoadFile(dir.path.string());
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(key.status().message(), Catch::Contains("not a regular file"));
}

TEST_CASE("key files are written 0600 whatever the umask") {
  TempDir dir("key-umask");
  mode_t old = ::umask(0);
  auto paths = WriteKeyFiles(TestKey(), (dir.path / "keys").string());
  ::umask(old);
  REQUIRE(paths.ok());
  struct stat st;
  REQUIRE(::stat(paths->first.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(SigningKey::LoadFile(paths->first).ok());
}

TEST_CASE("a moved key signs as the original did") {
  SigningKey a = TestKey();
  const std::string verifier = a.VerifierText();
  SigningKey b = std::move(a);
  CHECK(b.VerifierText() == verifier);
  SigningKey c = TestKey("other.example/key");
  c = std::move(b);
  CHECK(c.VerifierText() == verifier);
  auto note = SignNote("hello\n", c);
  REQUIRE(note.ok());
  std::vector<VerifierKey> trusted = Trusted();
  CHECK(OpenNote(*note, trusted).ok());
}
