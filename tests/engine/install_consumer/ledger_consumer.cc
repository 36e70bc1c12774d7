// Creates a ledger in the directory argv[1] (which must not exist) with a fresh key, records
// one decision, closes it, then verifies it with the public key. Prints the receipt and the
// verification report; exits 0 when the ledger verifies.
#include <arbiter/ledger.h>

#include <cstdio>
#include <memory>
#include <string>

namespace ledger = arbiter::ledger;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto key = ledger::SigningKey::Generate("consumer");
  if (!key.ok()) return 1;
  ledger::VerifierKey public_key = ledger::VerifierKey::FromSigningKey(*key);
  ledger::LedgerOptions options;
  options.signing_key = std::make_shared<const ledger::SigningKey>(std::move(key).value());
  auto opened = ledger::Ledger::Open(argv[1], options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  ledger::DecisionRecord decision;
  decision.request =
      nlohmann::json::parse(R"({"subject":{"type":"User","id":"alice"},"action":{"name":"read"},)"
                            R"("resource":{"type":"Doc","id":"d1"}})");
  decision.decision = "allow";
  decision.bundle_digest = "sha256:" + std::string(64, '0');
  auto record = decision.ToRecord();
  if (!record.ok()) return 1;
  auto receipt = (*opened)->Append(std::move(record).value());
  if (!receipt.ok()) {
    std::fprintf(stderr, "append: %s\n", receipt.status().ToString().c_str());
    return 1;
  }
  std::printf("receipt: seq %llu, entry_hash %s\n", static_cast<unsigned long long>(receipt->seq),
              receipt->entry_hash.c_str());
  if (!(*opened)->Close().ok()) return 1;
  opened->reset();

  auto reader = ledger::Ledger::OpenReadOnly(argv[1]);
  if (!reader.ok()) return 1;
  ledger::VerifyOptions verify;
  verify.trusted_keys.push_back(public_key);
  ledger::VerifyReport report = (*reader)->Verify(verify);
  std::printf("%s\n", report.ToJson().c_str());
  return report.ok ? 0 : 1;
}
