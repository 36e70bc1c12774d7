// Signed notes and keys against an independent implementation: the key pair and signed
// note from Go's golang.org/x/mod/sumdb/note (note.go package documentation and
// note_test.go), byte for byte.
#include <catch2/catch.hpp>

#include <arbiter/ledger.h>

#include <filesystem>
#include <sys/stat.h>

#include "common/encoding.h"

using namespace arbiter;
using namespace arbiter::ledger;

namespace {

constexpr std::string_view kGoPrivateKey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kGoVerifierKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kGoNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

}  // namespace

TEST_CASE("Go sumdb/note private key parses to the matching verifier key") {
  auto key = SigningKey::Parse(kGoPrivateKey);
  REQUIRE(key.ok());
  CHECK(key->name() == "PeterNeumann");
  CHECK(key->key_id() == 0xc74f20a3);
  CHECK(key->VerifierText() == kGoVerifierKey);
  CHECK(key->PrivateText() == kGoPrivateKey);
}

TEST_CASE("signing reproduces Go's signed note byte for byte") {
  auto key = SigningKey::Parse(kGoPrivateKey);
  REQUIRE(key.ok());
  auto note = SignNote(kGoText, *key);
  REQUIRE(note.ok());
  CHECK(*note == kGoNote);
}

TEST_CASE("opening Go's note with its verifier key") {
  auto vkey = VerifierKey::Parse(kGoVerifierKey);
  REQUIRE(vkey.ok());
  std::vector<VerifierKey> trusted{*vkey};
  auto text = OpenNote(kGoNote, trusted);
  REQUIRE(text.ok());
  CHECK(*text == kGoText);

  std::string tampered(kGoNote);
  tampered.replace(tampered.find("cryptography"), 12, "cryptographY");
  auto bad = OpenNote(tampered, trusted);
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kCorruption);

  auto other = SigningKey::Generate("Other");
  REQUIRE(other.ok());
  std::vector<VerifierKey> others{VerifierKey::FromSigningKey(*other)};
  auto unknown = OpenNote(kGoNote, others);
  CHECK_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(unknown.status().message(), Catch::Contains("PeterNeumann+c74f20a3"));

  CHECK_FALSE(OpenNote(kGoText, trusted).ok());  // no signature lines
}

TEST_CASE("a signature by an unknown key is ignored when a trusted one verifies") {
  auto a = SigningKey::Generate("example.com/a");
  auto b = SigningKey::Generate("example.com/b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto note = SignNote("hello\n", *a);
  REQUIRE(note.ok());
  auto nb = SignNote("hello\n", *b);
  REQUIRE(nb.ok());
  std::string both = *note + nb->substr(nb->find("\n\n") + 2);
  std::vector<VerifierKey> trusted{VerifierKey::FromSigningKey(*a)};
  auto text = OpenNote(both, trusted);
  REQUIRE(text.ok());
  CHECK(*text == "hello\n");
}

TEST_CASE("key names and key text are validated") {
  CHECK_FALSE(SigningKey::Generate("").ok());
  CHECK_FALSE(SigningKey::Generate("has space").ok());
  CHECK_FALSE(SigningKey::Generate("has+plus").ok());
  CHECK_FALSE(SigningKey::Generate("tab\there").ok());
  CHECK_FALSE(VerifierKey::Parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  CHECK_FALSE(VerifierKey::Parse("PeterNeumann+c74f20a3+AhpcQQ==").ok());
  auto priv_as_pub = VerifierKey::Parse(kGoPrivateKey);
  REQUIRE_FALSE(priv_as_pub.ok());
  CHECK_THAT(priv_as_pub.status().message(), Catch::Contains("private key"));
  auto pub_as_priv = SigningKey::Parse(kGoVerifierKey);
  REQUIRE_FALSE(pub_as_priv.ok());
  CHECK_THAT(pub_as_priv.status().message(), Catch::Contains("public verifier key"));
}

TEST_CASE("key files: 0600 private key, verifier pub, no overwrite, clear load errors") {
  auto dir = std::filesystem::temp_directory_path() / ("arbiter-keys-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto key = SigningKey::Generate("arbiter-test");
  REQUIRE(key.ok());
  auto paths = WriteKeyFiles(*key, dir.string());
  REQUIRE(paths.ok());
  struct stat st;
  REQUIRE(::stat(paths->first.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = SigningKey::LoadFile(paths->first);
  REQUIRE(loaded.ok());
  CHECK(loaded->VerifierText() == key->VerifierText());
  auto pub = VerifierKey::LoadFile(paths->second);
  REQUIRE(pub.ok());
  CHECK(pub->Text() == key->VerifierText());
  CHECK(WriteKeyFiles(*key, dir.string()).status().code() == StatusCode::kFailedPrecondition);
  CHECK(SigningKey::LoadFile((dir / "missing.key").string()).status().code() == StatusCode::kNotFound);
  auto wrong = SigningKey::LoadFile(paths->second);  // a .pub where a .key is needed
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.status().message(), Catch::Contains("private key file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoint bodies") {
  CheckpointBody body{"example.com/log", 12, {}};
  body.root[0] = 0xab;
  std::string text = FormatCheckpointBody(body);
  CHECK(text == "example.com/log\n12\nqwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
  auto parsed = ParseCheckpointBody(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->size == 12);
  CHECK(parsed->root == body.root);
  CHECK(ParseCheckpointBody("o\n12\nroot\n").status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(ParseCheckpointBody("o\n012\nqwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").ok());
  CHECK_FALSE(ParseCheckpointBody("o\n12\n").ok());
  CHECK_FALSE(ParseCheckpointBody("o\n12\nqwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").ok());
  CHECK(ParseCheckpointBody("o\n12\nqwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next\n").ok());
}
