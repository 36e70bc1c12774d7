// c2sp.org/tlog-proof@v1 parsing and checking.
#include <arbiter/ledger.h>

#include "common/encoding.h"

namespace arbiter::ledger {

Result<TlogProof> ParseTlogProof(std::string_view text) {
  auto next_line = [&text](std::string_view* line) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) return false;
    *line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    return true;
  };
  TlogProof proof;
  std::string_view line;
  if (!next_line(&line) || line != "c2sp.org/tlog-proof@v1") {
    return Status::InvalidArgument("not a c2sp.org/tlog-proof@v1 proof");
  }
  if (!next_line(&line)) return Status::InvalidArgument("tlog proof is truncated");
  if (line.starts_with("extra ")) {
    auto extra = Base64Decode(line.substr(6));
    if (!extra) return Status::InvalidArgument("tlog proof: extra data is not base64");
    proof.extra.assign(extra->begin(), extra->end());
    if (!next_line(&line)) return Status::InvalidArgument("tlog proof is truncated");
  }
  if (!line.starts_with("index ")) return Status::InvalidArgument("tlog proof: missing index line");
  std::string_view digits = line.substr(6);
  if (digits.empty() || digits.size() > 19 || (digits.size() > 1 && digits[0] == '0') ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status::InvalidArgument("tlog proof: bad index");
  }
  proof.index = std::stoull(std::string(digits));
  for (;;) {
    if (!next_line(&line)) return Status::InvalidArgument("tlog proof is truncated");
    if (line.empty()) break;
    auto h = Base64Decode(line);
    if (!h || h->size() != 32) return Status::InvalidArgument("tlog proof: bad hash line");
    Hash hash;
    std::copy(h->begin(), h->end(), hash.begin());
    proof.path.push_back(hash);
  }
  proof.checkpoint = std::string(text);
  return proof;
}

Result<CheckpointBody> VerifyTlogProof(std::string_view proof_text, std::string_view entry,
                                       std::span<const VerifierKey> trusted) {
  ARBITER_ASSIGN_OR_RETURN(TlogProof proof, ParseTlogProof(proof_text));
  ARBITER_ASSIGN_OR_RETURN(std::string text, OpenNote(proof.checkpoint, trusted));
  ARBITER_ASSIGN_OR_RETURN(CheckpointBody body, ParseCheckpointBody(text));
  Hash leaf = LeafHash(entry);
  ARBITER_RETURN_IF_ERROR(VerifyInclusion(proof.index, body.size, leaf, proof.path, body.root));
  return body;
}

}  // namespace arbiter::ledger
