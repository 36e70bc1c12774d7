// Signed notes (c2sp.org/signed-note): text ending in '\n', a blank line, then signature
// lines "— <name> <base64(key id BE32 || signature)>\n". Ed25519 only.
#include <arbiter/ledger.h>

#include "common/encoding.h"

namespace arbiter::ledger {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr size_t kMaxSignatures = 100;

struct ParsedSignature {
  std::string name;
  uint32_t key_id;
  std::vector<uint8_t> signature;
};

Status CheckNoControl(std::string_view note) {
  for (unsigned char c : note) {
    if (c < 0x20 && c != '\n') return Status::InvalidArgument("note contains a control character");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> SignNote(std::string_view text, const SigningKey& key) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("note text must end in a newline");
  }
  ARBITER_RETURN_IF_ERROR(CheckNoControl(text));
  auto sig = key.Sign(AsBytes(text));
  std::vector<uint8_t> blob(4 + sig.size());
  uint32_t id = key.key_id();
  blob[0] = id >> 24;
  blob[1] = id >> 16;
  blob[2] = id >> 8;
  blob[3] = id;
  std::copy(sig.begin(), sig.end(), blob.begin() + 4);
  std::string note(text);
  note += "\n";
  note += kSigPrefix;
  note += key.name();
  note += " ";
  note += Base64Encode(blob);
  note += "\n";
  return note;
}

Result<std::string> OpenNote(std::string_view note, std::span<const VerifierKey> trusted) {
  ARBITER_RETURN_IF_ERROR(CheckNoControl(note));
  if (note.empty() || note.back() != '\n') return Status::InvalidArgument("note does not end in a newline");
  // The text ends at the last blank line ("\n\n"): signatures follow it.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Status::InvalidArgument("note has no signatures");
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  std::vector<ParsedSignature> parsed;
  while (!sigs.empty()) {
    size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Status::InvalidArgument("malformed note signature line");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0) {
      return Status::InvalidArgument("malformed note signature line");
    }
    auto blob = Base64Decode(line.substr(space + 1));
    if (!blob || blob->size() < 5) return Status::InvalidArgument("malformed note signature");
    ParsedSignature sig;
    sig.name = std::string(line.substr(0, space));
    sig.key_id = (uint32_t{(*blob)[0]} << 24) | (uint32_t{(*blob)[1]} << 16) |
                 (uint32_t{(*blob)[2]} << 8) | (*blob)[3];
    sig.signature.assign(blob->begin() + 4, blob->end());
    parsed.push_back(std::move(sig));
    if (parsed.size() > kMaxSignatures) return Status::InvalidArgument("note has too many signatures");
  }
  if (parsed.empty()) return Status::InvalidArgument("note has no signatures");
  bool verified = false;
  std::string signers;
  for (const auto& sig : parsed) {
    char id[9];
    std::snprintf(id, sizeof id, "%08x", sig.key_id);
    if (!signers.empty()) signers += ", ";
    signers += sig.name + "+" + id;
    for (const auto& key : trusted) {
      if (key.name() != sig.name || key.key_id() != sig.key_id) continue;
      if (!key.Verify(AsBytes(text), sig.signature)) {
        return Status::Corruption("note signature by " + key.name() + "+" + id +
                                  " does not verify");
      }
      verified = true;
    }
  }
  if (!verified) {
    std::string want;
    for (const auto& key : trusted) {
      char id[9];
      std::snprintf(id, sizeof id, "%08x", key.key_id());
      if (!want.empty()) want += ", ";
      want += key.name() + "+" + id;
    }
    return Status::PermissionDenied("note is not signed by a trusted key (signed by " + signers +
                                    "; trusted: " + (want.empty() ? "none" : want) + ")");
  }
  return std::string(text);
}

std::string FormatCheckpointBody(const CheckpointBody& body) {
  return body.origin + "\n" + std::to_string(body.size) + "\n" + Base64Encode(body.root) + "\n";
}

Result<CheckpointBody> ParseCheckpointBody(std::string_view text) {
  CheckpointBody body;
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) return Status::InvalidArgument("checkpoint: last line lacks a newline");
    lines.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) return Status::InvalidArgument("checkpoint: fewer than three lines");
  for (auto l : lines) {
    if (l.empty()) return Status::InvalidArgument("checkpoint: empty line");
  }
  body.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  if (size.size() > 20 || (size.size() > 1 && size[0] == '0')) {
    return Status::InvalidArgument("checkpoint: bad tree size");
  }
  for (char c : size) {
    if (c < '0' || c > '9') return Status::InvalidArgument("checkpoint: bad tree size");
    uint64_t next = body.size * 10 + (c - '0');
    if (next / 10 != body.size) return Status::InvalidArgument("checkpoint: tree size overflows");
    body.size = next;
  }
  auto root = Base64Decode(lines[2]);
  if (!root || root->size() != 32) return Status::InvalidArgument("checkpoint: bad root hash");
  std::copy(root->begin(), root->end(), body.root.begin());
  return body;
}

}  // namespace arbiter::ledger
