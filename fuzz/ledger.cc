// Fuzz target `ledger`: the ledger's decoders on untrusted bytes — entry envelopes
// (ledger/entry.cc) and stored entries as JSON, checkpoint bodies and signed notes
// (ledger/note.cc), key text, c2sp tlog proofs (ledger/tlog_proof.cc, merkle.cc) and export
// bundles (ledger/verify_bundle.cc; the corpus holds a version 4 bundle with a decision
// filter, stubs and dependency lines). Every input goes to every decoder. Where a decoder
// accepts, the target checks the round trip the format promises (re-encoding gives the same bytes; a
// note this key signed opens), so a wrong answer is found as well as a crash.
#include <arbiter/ledger.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz/fuzz_target.h"
#include "ledger/entry.h"

namespace al = arbiter::ledger;

namespace {

const al::SigningKey& FuzzKey() {
  static const al::SigningKey key = [] {
    std::array<uint8_t, 32> seed{};
    seed.fill(7);
    auto k = al::SigningKey::FromSeed("fuzz.example/ledger", seed);
    if (!k.ok()) std::abort();
    return std::move(k).value();
  }();
  return key;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

void Entries(std::string_view input) {
  auto entry = al::ParseEntry(input);
  // Entries of other versions parse (so verify can name the version it cannot read) but have
  // no encoding here to compare with.
  if (entry.ok() && entry->version == al::kEntryVersion) {
    std::string again;
    al::EncodeEntry(entry->kind, entry->payload, entry->prev, entry->seq, entry->time, &again);
    Require(again == input);  // one canonical encoding
  }
  al::StoredEntry stored;
  stored.raw = std::string(input);
  stored.entry_hash = al::LeafHash(input);
  (void)stored.ToJson();
}

void Notes(std::string_view input) {
  const al::VerifierKey verifier = al::VerifierKey::FromSigningKey(FuzzKey());
  (void)al::OpenNote(input, {&verifier, 1});
  (void)al::ParseCheckpointBody(input);
  auto signed_note = al::SignNote(input, FuzzKey());
  if (signed_note.ok()) {
    auto opened = al::OpenNote(*signed_note, {&verifier, 1});
    Require(opened.ok() && *opened == input);
  }
  (void)al::VerifierKey::Parse(input);
  (void)al::SigningKey::Parse(input);
}

// A proof whose checkpoint the target re-signs, so the inclusion check itself is reached.
void Proofs(std::string_view input) {
  const al::VerifierKey verifier = al::VerifierKey::FromSigningKey(FuzzKey());
  (void)al::VerifyTlogProof(input, "entry", {&verifier, 1});
  auto proof = al::ParseTlogProof(input);
  if (!proof.ok()) return;
  std::string_view note = proof->checkpoint;
  std::string_view body_text = note.substr(0, note.find("\n\n") + 1);
  auto body = al::ParseCheckpointBody(body_text);
  if (!body.ok()) return;
  (void)al::VerifyInclusion(proof->index, body->size, al::LeafHash("entry"), proof->path,
                            body->root);
  (void)al::VerifyConsistency(proof->index, body->size, proof->path, body->root, body->root);
  auto resigned = al::SignNote(al::FormatCheckpointBody(*body), FuzzKey());
  if (!resigned.ok()) return;
  std::string text = std::string(input.substr(0, input.size() - note.size())) + *resigned;
  (void)al::VerifyTlogProof(text, "entry", {&verifier, 1});
}

void Bundles(std::string_view input) {
  std::istringstream in{std::string(input)};
  (void)al::VerifyExportBundle(in, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Entries(input);
  Notes(input);
  Proofs(input);
  Bundles(input);
  return 0;
}
