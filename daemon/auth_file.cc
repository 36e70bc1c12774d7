#include "daemon/auth_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "common/encoding.h"
#include "common/sha256.h"

namespace arbiter::daemon {

namespace {

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string TokenSha256Hex(std::string_view token) { return HexEncode(Sha256Of(token)); }

PrincipalEntry AdminTokenPrincipal(std::string_view token) {
  return PrincipalEntry{"admin", {"admin"}, TokenSha256Hex(token), ""};
}

Result<std::vector<PrincipalEntry>> ParseAuthFile(std::string_view text, std::string_view source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(
        fmt::format("{}: not valid JSON at byte {}: {}", source, e.byte, e.what()));
  }
  auto bad = [&](std::string message) {
    return Status::InvalidArgument(fmt::format("{}: {}", source, message));
  };
  if (!doc.is_object()) return bad(R"(the auth file must be an object {"principals": [...]})");
  for (const auto& [key, value] : doc.items()) {
    if (key != "principals") return bad(fmt::format("unknown member '{}'", key));
  }
  auto list = doc.find("principals");
  if (list == doc.end() || !list->is_array()) return bad("\"principals\" must be an array");

  std::vector<PrincipalEntry> out;
  std::set<std::string> names, digests, subjects;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& p = (*list)[i];
    std::string where = fmt::format("principal {}", i);
    if (!p.is_object()) return bad(where + " must be an object");
    PrincipalEntry entry;
    for (const auto& [key, value] : p.items()) {
      if (key == "name") {
        if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
          return bad(where + ": name must be a non-empty string");
        }
        entry.name = value.get<std::string>();
        where = fmt::format("principal {} ('{}')", i, entry.name);
      } else if (key == "roles") {
        if (!value.is_array()) return bad(where + ": roles must be an array of strings");
        for (const auto& role : value) {
          if (!role.is_string() || role.get_ref<const std::string&>().empty()) {
            return bad(where + ": roles must be an array of non-empty strings");
          }
          entry.roles.push_back(role.get<std::string>());
        }
      } else if (key == "token_sha256") {
        if (!value.is_string()) return bad(where + ": token_sha256 must be a string");
        entry.token_sha256 = Lower(value.get_ref<const std::string&>());
      } else if (key == "cert_subject") {
        if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
          return bad(where + ": cert_subject must be a non-empty string");
        }
        entry.cert_subject = value.get<std::string>();
      } else {
        return bad(fmt::format("{}: unknown member '{}' (name, roles, token_sha256, "
                               "cert_subject)",
                               where, key));
      }
    }
    if (entry.name.empty()) return bad(where + ": name is required");
    if (entry.name == kAnonymousPrincipal) {
      return bad(fmt::format("{}: the name '{}' is reserved for callers without credentials",
                             where, kAnonymousPrincipal));
    }
    if (!p.contains("roles")) return bad(where + ": roles is required (it may be empty)");
    if (entry.token_sha256.empty() == entry.cert_subject.empty()) {
      return bad(where + ": give exactly one of token_sha256 and cert_subject");
    }
    if (!entry.token_sha256.empty() && !IsLowerHex64(entry.token_sha256)) {
      return bad(where + ": token_sha256 must be 64 hex digits (sha256sum of the token)");
    }
    if (!names.insert(entry.name).second) {
      return bad(fmt::format("{}: the name '{}' is used twice", where, entry.name));
    }
    if (!entry.token_sha256.empty() && !digests.insert(entry.token_sha256).second) {
      return bad(where + ": the same token_sha256 is given twice");
    }
    if (!entry.cert_subject.empty() && !subjects.insert(entry.cert_subject).second) {
      return bad(where + ": the same cert_subject is given twice");
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::vector<PrincipalEntry>> LoadAuthFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read auth file '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseAuthFile(text.str(), path);
}

}  // namespace arbiter::daemon
