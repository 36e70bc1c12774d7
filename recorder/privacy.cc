#include "recorder/privacy.h"

#include <algorithm>
#include <fstream>

#include "common/canonical_json.h"
#include "common/encoding.h"
#include "common/json_string.h"
#include "common/sha256.h"

namespace arbiter::recorder {

namespace {

constexpr std::string_view kSealAlg = "xsalsa20poly1305";

// Canonical text of a JSON value: the fast canonicaliser, nlohmann for what it leaves.
Result<std::string> Canonical(std::string_view json) {
  std::string out;
  switch (CanonicalizeJson(json, &out)) {
    case CanonicalJsonResult::kOk:
      return out;
    case CanonicalJsonResult::kInvalid:
      return Status::InvalidArgument("the request is not valid JSON");
    case CanonicalJsonResult::kUnsupported:
      break;
  }
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded()) return Status::InvalidArgument("the request is not valid JSON");
  return ledger::CanonicalJson(parsed);
}

std::string Hex(std::span<const uint8_t> bytes) { return HexEncode(bytes); }

Status AppendMasked(const RequestPrivacy& privacy, std::string_view canonical_request,
                    std::string* out) {
  nlohmann::json request = nlohmann::json::parse(canonical_request, nullptr, false);
  if (request.is_discarded()) return Status::InvalidArgument("the request is not valid JSON");
  std::vector<std::string> masked;
  for (const std::string& path : privacy.mask_paths()) {
    try {
      nlohmann::json::json_pointer pointer(path);
      if (!request.contains(pointer)) continue;
      nlohmann::json& value = request.at(pointer);
      ARBITER_ASSIGN_OR_RETURN(std::string canon, ledger::CanonicalJson(value));
      value = nlohmann::json{
          {"masked", "hmac-sha256:" + Hex(ledger::HmacSha256(privacy.store().mask_key(), canon))}};
      masked.push_back(path);
    } catch (const nlohmann::json::exception&) {
      continue;  // e.g. "/items/x" where items is an array: nothing there to mask
    }
  }
  ARBITER_ASSIGN_OR_RETURN(std::string canon, ledger::CanonicalJson(request));
  *out += ",\"request\":";
  *out += canon;
  if (!masked.empty()) {
    std::sort(masked.begin(), masked.end());
    *out += ",\"request_masked\":[";
    for (size_t i = 0; i < masked.size(); ++i) {
      if (i) out->push_back(',');
      AppendJsonString(out, masked[i]);
    }
    out->push_back(']');
  }
  return Status::Ok();
}

Status AppendEncrypted(const RequestPrivacy& privacy, std::string_view canonical_request,
                       std::string* out) {
  nlohmann::json request = nlohmann::json::parse(canonical_request, nullptr, false);
  const nlohmann::json* subject = nullptr;
  if (request.is_object()) {
    auto it = request.find("subject");
    if (it != request.end() && it->is_object()) subject = &*it;
  }
  if (subject == nullptr || !subject->contains("type") || !(*subject)["type"].is_string() ||
      !subject->contains("id") || !(*subject)["id"].is_string()) {
    return Status::InvalidArgument(
        "encrypted record mode needs the request's subject.type and subject.id (strings): "
        "the data key is the subject's");
  }
  std::string digest = SubjectDigest(privacy.store(), (*subject)["type"].get<std::string>(),
                                     (*subject)["id"].get<std::string>());
  ARBITER_ASSIGN_OR_RETURN(ledger::DataKey key, privacy.store().SubjectDataKey(digest));
  ledger::SealedBox box = ledger::Seal(key.key, canonical_request);
  *out += ",\"request_encrypted\":{\"alg\":\"";
  *out += kSealAlg;
  *out += "\",\"ciphertext\":\"" + Base64Encode(AsBytes(box.ciphertext)) + "\",\"key_id\":\"" +
          Hex(key.id) + "\",\"nonce\":\"" + Base64Encode(AsBytes(box.nonce)) + "\"}";
  return Status::Ok();
}

std::optional<ledger::KeyId> ParseKeyId(std::string_view hex) {
  auto bytes = HexDecode(hex);
  if (!bytes || bytes->size() != ledger::kKeyIdSize) return std::nullopt;
  ledger::KeyId id;
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

}  // namespace

std::string_view RequestModeName(RequestMode mode) {
  switch (mode) {
    case RequestMode::kFull:
      return "full";
    case RequestMode::kDigest:
      return "digest";
    case RequestMode::kEncrypted:
      return "encrypted";
  }
  return "full";
}

Result<RequestMode> ParseRequestMode(std::string_view text) {
  if (text.starts_with("requests=")) text.remove_prefix(9);
  if (text == "full") return RequestMode::kFull;
  if (text == "digest") return RequestMode::kDigest;
  if (text == "encrypted") return RequestMode::kEncrypted;
  return Status::InvalidArgument("record mode must be requests=full, requests=digest or "
                                 "requests=encrypted, not '" + std::string(text) + "'");
}

Result<std::vector<std::string>> ReadMaskFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read the mask file " + path);
  std::vector<std::string> paths;
  for (std::string line; std::getline(in, line);) {
    size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    size_t end = line.find_last_not_of(" \t\r");
    paths.push_back(line.substr(begin, end - begin + 1));
  }
  if (in.bad()) return Status::IOError("error reading the mask file " + path);
  return paths;
}

Result<std::unique_ptr<RequestPrivacy>> RequestPrivacy::Make(
    RequestMode mode, std::vector<std::string> mask_paths,
    std::shared_ptr<ledger::PrivacyStore> store) {
  if (store == nullptr) return Status::InvalidArgument("record modes need a private store");
  if (!mask_paths.empty() && mode != RequestMode::kFull) {
    return Status::InvalidArgument(
        "masks apply to requests=full (digest and encrypted modes hide the whole request)");
  }
  for (const std::string& path : mask_paths) {
    if (path.empty()) {
      return Status::InvalidArgument("a mask path of \"\" would hide the whole request: use "
                                     "requests=digest");
    }
    try {
      nlohmann::json::json_pointer pointer(path);
      (void)pointer;
    } catch (const nlohmann::json::exception&) {
      return Status::InvalidArgument("mask path '" + path +
                                     "' is not a JSON pointer (RFC 6901: /a/b, ~0 for ~, ~1 for /)");
    }
  }
  std::sort(mask_paths.begin(), mask_paths.end());
  mask_paths.erase(std::unique(mask_paths.begin(), mask_paths.end()), mask_paths.end());
  std::unique_ptr<RequestPrivacy> p(new RequestPrivacy());
  p->mode_ = mode;
  p->mask_paths_ = std::move(mask_paths);
  p->store_ = std::move(store);
  return p;
}

Status RequestPrivacy::AppendRequestMembers(std::string_view canonical_request,
                                            std::string_view decision_id,
                                            std::string* out) const {
  switch (mode_) {
    case RequestMode::kFull:
      if (!mask_paths_.empty()) return AppendMasked(*this, canonical_request, out);
      *out += ",\"request\":";
      *out += canonical_request;
      return Status::Ok();
    case RequestMode::kDigest: {
      ledger::Secret salt = CommitmentSalt(*store_, decision_id);
      ARBITER_ASSIGN_OR_RETURN(std::string commitment,
                               RequestCommitment(salt.view(), canonical_request));
      *out += ",\"request_commitment\":\"" + commitment + "\"";
      return Status::Ok();
    }
    case RequestMode::kEncrypted:
      return AppendEncrypted(*this, canonical_request, out);
  }
  return Status::Internal("unknown record mode");
}

ledger::Secret CommitmentSalt(const ledger::PrivacyStore& store, std::string_view decision_id) {
  auto mac = ledger::HmacSha256(store.commitment_key(), decision_id);
  auto salt = *ledger::Secret::FromBytes(
      std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  std::fill(mac.begin(), mac.end(), 0);
  return salt;
}

Result<std::string> RequestCommitment(std::string_view salt, std::string_view request_json) {
  ARBITER_ASSIGN_OR_RETURN(std::string canon, Canonical(request_json));
  Sha256 h;
  h.Update(salt).Update(canon);
  return "sha256:" + HexEncode(h.Final());
}

std::string SubjectDigest(const ledger::PrivacyStore& store, std::string_view type,
                          std::string_view id) {
  std::string message = "{\"id\":";
  AppendJsonString(&message, id);
  message += ",\"type\":";
  AppendJsonString(&message, type);
  message += "}";
  return "hmac-sha256:" + HexEncode(ledger::HmacSha256(store.subject_key(), message));
}

Result<nlohmann::json> RevealEntry(const ledger::StoredEntry& entry,
                                   const ledger::PrivacyStore& store) {
  if (entry.kind != "decision") return nlohmann::json();
  nlohmann::json parsed = entry.ToJson();
  const nlohmann::json& payload = parsed.contains("payload") ? parsed["payload"] : parsed;
  if (!payload.is_object()) return nlohmann::json();
  if (payload.contains("request_commitment") && payload.contains("decision_id") &&
      payload["decision_id"].is_string()) {
    ledger::Secret salt = CommitmentSalt(store, payload["decision_id"].get<std::string>());
    return nlohmann::json{{"request_salt", HexEncode(AsBytes(salt.view()))}};
  }
  auto sealed = payload.find("request_encrypted");
  if (sealed == payload.end() || !sealed->is_object()) return nlohmann::json();
  auto field = [&](const char* name) -> std::string {
    auto it = sealed->find(name);
    return it != sealed->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (field("alg") != kSealAlg) {
    return Status::Unsupported("sealed request with algorithm '" + field("alg") + "'");
  }
  auto id = ParseKeyId(field("key_id"));
  auto nonce = Base64Decode(field("nonce"));
  auto ciphertext = Base64Decode(field("ciphertext"));
  if (!id || !nonce || !ciphertext) return Status::Corruption("malformed request_encrypted");
  auto key = store.DataKeyById(*id);
  if (key.status().code() == StatusCode::kNotFound) return nlohmann::json{{"erased", true}};
  ARBITER_RETURN_IF_ERROR(key.status());
  ARBITER_ASSIGN_OR_RETURN(
      std::string plain,
      ledger::OpenBox(*key,
                      std::string_view(reinterpret_cast<const char*>(nonce->data()), nonce->size()),
                      std::string_view(reinterpret_cast<const char*>(ciphertext->data()),
                                       ciphertext->size())));
  nlohmann::json request = nlohmann::json::parse(plain, nullptr, false);
  if (request.is_discarded()) return Status::Corruption("the opened request is not JSON");
  return nlohmann::json{{"request", std::move(request)}};
}

Result<Erasure> EraseSubject(ledger::Ledger& ledger, ledger::PrivacyStore& store,
                             std::string_view type, std::string_view id, std::string reason) {
  Erasure erasure;
  erasure.subject = SubjectDigest(store, type, id);
  ARBITER_ASSIGN_OR_RETURN(std::optional<ledger::KeyId> key_id,
                           store.FindSubjectKey(erasure.subject));
  if (!key_id) {
    return Status::NotFound("subject has no data key: nothing recorded encrypted for it, or "
                            "it was erased already");
  }
  erasure.key_id = HexEncode(*key_id);
  // The entries sealed under the key: a scan, since erasure is rare and the entry is the record.
  const std::string needle = "\"key_id\":\"" + erasure.key_id + "\"";
  const uint64_t size = ledger.Size();
  for (uint64_t seq = 0; seq < size; ++seq) {
    ARBITER_ASSIGN_OR_RETURN(ledger::StoredEntry entry, ledger.Get(seq));
    if (entry.kind == "decision" && entry.raw.find(needle) != std::string::npos) ++erasure.entries;
  }
  nlohmann::json payload = {{"entries", erasure.entries},
                            {"key_id", erasure.key_id},
                            {"subject", erasure.subject}};
  if (!reason.empty()) payload["reason"] = std::move(reason);
  ARBITER_ASSIGN_OR_RETURN(ledger::Record record, ledger::MakeRecord("erasure", payload));
  ARBITER_ASSIGN_OR_RETURN(erasure.receipt, ledger.Append(std::move(record)));
  Status erased = store.EraseSubjectKey(erasure.subject);
  if (!erased.ok()) {
    return Status::IOError("the erasure entry is at seq " + std::to_string(erasure.receipt.seq) +
                           " but the data key was not deleted (" + erased.message() +
                           "); run the erasure again");
  }
  return erasure;
}

}  // namespace arbiter::recorder
