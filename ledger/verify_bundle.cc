// VerifyExportBundle: checks an export bundle (ledger/export.cc writes it) without the
// database (spec/ledger-format.md, "Export"). Reads the bundle once, line by line; what it
// keeps grows with the decisions the bundle holds (their ids and the digests they name, to
// check the dependency lines), not with the range.
#include <arbiter/ledger.h>

#include <istream>
#include <map>
#include <set>
#include <tuple>

#include "common/encoding.h"
#include "ledger/bundle_format.h"
#include "ledger/entry.h"
#include "ledger/json_fields.h"

namespace arbiter::ledger {

using bundle::IsRotation;
using bundle::ProofFromJson;

VerifyReport VerifyExportBundle(std::istream& in, std::span<const VerifierKey> trusted) {
  VerifyReport rep;
  auto fail = [&rep](std::optional<uint64_t> seq, std::string problem) {
    rep.ok = false;
    rep.bad_seq = seq;
    rep.problem = std::move(problem);
    return rep;
  };
  std::string line;
  if (!std::getline(in, line)) return fail(std::nullopt, "the bundle is empty");
  nlohmann::json header = nlohmann::json::parse(line, nullptr, false);
  if (header.is_discarded() || StringMember(header, "format") != bundle::kFormat) {
    return fail(std::nullopt, "not an arbiter ledger bundle (bad header line)");
  }
  if (!header["version"].is_number_integer() || header["version"].get<int>() > bundle::kVersion) {
    return fail(std::nullopt, "bundle version is newer than this arbiter supports (" +
                                  std::to_string(bundle::kVersion) + ")");
  }
  if (header["version"].get<int>() < bundle::kOldestVersion) {
    return fail(std::nullopt, "bundle version " + header["version"].dump() +
                                  " does not state its range, so missing entries cannot be "
                                  "detected; export it again with this arbiter");
  }
  auto text_field = [&](const char* key) { return StringMember(header, key); };
  auto from = ParseRangeBound(text_field("from"), "bundle header 'from'");
  auto to = ParseRangeBound(text_field("to"), "bundle header 'to'");
  if (!from.ok()) return fail(std::nullopt, from.status().message());
  if (!to.ok()) return fail(std::nullopt, to.status().message());
  const std::string kind = text_field("kind");
  if (!kind.empty() && !ValidKind(kind)) {
    return fail(std::nullopt, "bundle header names an unknown kind '" + kind + "'");
  }
  const int version = header["version"].get<int>();
  // Version 4 states its decision filter ({} for none); older bundles had none.
  DecisionFilter filter;
  if (version >= 4) {
    auto it = header.find("filter");
    if (it == header.end()) return fail(std::nullopt, "the bundle header lacks its filter");
    auto parsed = bundle::FilterFromJson(*it);
    if (!parsed.ok()) return fail(std::nullopt, parsed.status().message());
    filter = std::move(parsed).value();
  } else if (header.contains("filter")) {
    return fail(std::nullopt, "a version " + std::to_string(version) +
                                  " bundle cannot state a filter (version 4 can)");
  }
  if (!filter.empty() && !kind.empty() && kind != "decision") {
    return fail(std::nullopt, "the bundle header combines a decision filter with the kind '" +
                                  kind + "': a decision filter selects decisions");
  }
  // The checkpoint's body is read first, unverified: the key chain's inclusion proofs are
  // checked against its root, and its signature last, with the key the chain ends at.
  auto signed_body = [&]() -> Result<CheckpointBody> {
    std::string note = text_field("checkpoint");
    size_t blank = note.find("\n\n");
    if (blank == std::string::npos) return Status::Corruption("malformed signed note");
    return ParseCheckpointBody(std::string_view(note).substr(0, blank + 1));
  }();
  if (!signed_body.ok()) {
    return fail(std::nullopt, "bundle checkpoint: " + signed_body.status().message());
  }
  const CheckpointBody& unverified = *signed_body;
  nlohmann::json chain = nlohmann::json::array();
  if (version >= 3) {
    auto it = header.find("key_chain");
    if (it == header.end() || !it->is_array()) {
      return fail(std::nullopt, "the bundle header lacks its key chain (key_chain)");
    }
    chain = *it;
  }
  std::vector<VerifierKey> keys(trusted.begin(), trusted.end());
  bool self_keyed = keys.empty();
  if (self_keyed) {
    // No key given: trust the key the chain starts from (or, with no rotation, the bundle's
    // own key), so the chain is still checked link by link.
    std::string first = text_field("public_key");
    if (!chain.empty() && chain[0].is_object() && chain[0]["entry"].is_string()) {
      auto view = ParseEntry(chain[0]["entry"].get_ref<const std::string&>());
      nlohmann::json p = view.ok() ? nlohmann::json::parse(view->payload, nullptr, false)
                                   : nlohmann::json();
      if (p.is_object() && p["old_key"].is_string()) first = p["old_key"].get<std::string>();
    }
    auto key = VerifierKey::Parse(first);
    if (!key.ok()) return fail(std::nullopt, "bundle public key: " + key.status().message());
    keys.push_back(*key);
  }
  std::string trusted_names;
  for (const VerifierKey& key : keys) {
    rep.keys.push_back(key.name());
    trusted_names += (trusted_names.empty() ? "" : ", ") + key.name();
  }
  // The key chain: every rotation before the checkpoint's size, in seq order, each proven in
  // the checkpoint's tree. Rotations before the first one a trusted key signed are passed
  // over (the auditor may trust a later key); from there on each must be signed by the key
  // the previous one named, so a missing, reordered or forged link is named by its seq.
  std::map<uint64_t, Hash> chain_leaves;
  std::optional<uint64_t> passed_over;  // the first rotation no trusted key signed
  bool following = false;
  std::optional<uint64_t> chain_last;
  // Non-const: operator[] on a const json with a missing key is undefined behaviour (found by
  // the ledger fuzz target as a use after free); on this copy it reads a missing member as null.
  for (auto& link : chain) {
    if (!link.is_object() || !link["seq"].is_number_unsigned() || !link["entry"].is_string()) {
      return fail(chain_last, "a key chain link lacks seq or entry");
    }
    const uint64_t seq = link["seq"].get<uint64_t>();
    const std::string where = "key chain: the rotation at seq " + std::to_string(seq);
    if (chain_last && seq <= *chain_last) {
      return fail(seq, where + " is out of order (it follows seq " + std::to_string(*chain_last) +
                           ")");
    }
    if (seq >= unverified.size) {
      return fail(seq, where + " lies beyond the bundle's checkpoint (" +
                           std::to_string(unverified.size) + " entries)");
    }
    const std::string raw = link["entry"].get<std::string>();
    auto view = ParseEntry(raw);
    if (!view.ok()) return fail(seq, where + " is malformed: " + view.status().message());
    if (view->seq != seq) {
      return fail(seq, where + " holds entry " + std::to_string(view->seq));
    }
    if (view->kind != "key" || !IsRotation(view->payload)) {
      return fail(seq, where + " is not a key rotation entry");
    }
    const Hash leaf = LeafHash(raw);
    auto path = ProofFromJson(link["proof"]);
    if (!path.ok()) return fail(seq, where + ": " + path.status().message());
    if (Status st = VerifyInclusion(seq, unverified.size, leaf, *path, unverified.root); !st.ok()) {
      return fail(seq, where + " is not in the signed checkpoint's tree (forged or altered): " +
                           st.message());
    }
    std::vector<VerifierKey> next = keys;
    Status st = ApplyKeyRotation(view->payload, unverified.origin, &next);
    if (st.ok()) {
      keys = std::move(next);
      rep.keys.push_back(keys[0].name());
      following = true;
    } else if (following) {
      nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
      auto from_key = VerifierKey::Parse(StringMember(p, "old_key"));
      return fail(seq, where + " is not signed by " + keys[0].name() +
                           ", the key trusted at that point" +
                           (from_key.ok() ? " (it claims to rotate from " + from_key->name() + ")"
                                          : "") +
                           ": a rotation is missing, reordered or forged (" + st.message() + ")");
    } else if (!passed_over) {
      passed_over = seq;
    }
    chain_leaves[seq] = leaf;
    chain_last = seq;
  }
  auto text = OpenNote(text_field("checkpoint"), keys);
  if (!text.ok()) {
    std::string signer;
    for (const VerifierKey& key : keys) signer += (signer.empty() ? "" : ", ") + key.name();
    if (passed_over) {
      return fail(passed_over,
                  "bundle checkpoint is not signed by a key the trusted key " + trusted_names +
                      " leads to: the key rotation at seq " + std::to_string(*passed_over) +
                      " is not signed by it (wrong key, or the chain lacks its first "
                      "rotations): " + text.status().message());
    }
    return fail(chain_last, "bundle checkpoint is not signed by " + signer +
                                (following ? " (the key the rotation chain from " + trusted_names +
                                                 " ends at; a later rotation is missing?)"
                                           : chain.empty() ? " and the bundle carries no key rotation"
                                                           : "") +
                                ": " + text.status().message());
  }
  auto body = ParseCheckpointBody(*text);
  if (!body.ok()) return fail(std::nullopt, "bundle checkpoint: " + body.status().message());
  if (body->origin != text_field("origin")) {
    return fail(std::nullopt, "bundle checkpoint origin does not match the bundle's origin");
  }
  if (!header["tree_size"].is_number_unsigned() ||
      header["tree_size"].get<uint64_t>() != body->size) {
    return fail(std::nullopt, "the bundle header's tree_size disagrees with its checkpoint (" +
                                  std::to_string(body->size) + ")");
  }
  const uint64_t tree_size = body->size;
  // Which seqs the bundle must hold: with seq bounds (or none) exactly [from, min(to, size-1)];
  // with time bounds the range is what the entries' times select, checked entry by entry.
  const uint64_t want_first = from->set && from->is_seq ? from->seq : 0;
  const bool first_known = !from->set || from->is_seq;
  const uint64_t want_last =
      to->set && to->is_seq ? std::min(to->seq, tree_size - (tree_size > 0)) : tree_size - 1;
  const bool last_known = tree_size > 0 && (!to->set || to->is_seq);

  std::optional<uint64_t> first_seq, last_seq;
  Hash last_leaf{};
  uint64_t count = 0, omitted = 0;
  bool ended = false;
  // Version 4 dependencies. What the held decisions need (digest → the seq and id of the
  // first decision naming it), what the bundle provides (digest → seq), the held decisions'
  // ids, and the seqs of policy, data and evidence entries the range holds in full (which a
  // dependency line must not repeat).
  struct Need {
    uint64_t seq = 0;
    std::string decision_id;
  };
  std::map<std::string, Need> needed_policies, needed_data;
  std::map<std::string, uint64_t> provided_policies, provided_data;
  std::set<std::string> held_ids;
  std::set<uint64_t> held_dependable;
  std::set<std::string> unrecorded_policies, unrecorded_data;
  std::optional<uint64_t> last_dependency;
  std::map<std::string, uint64_t> dependencies_by_kind;
  uint64_t dependency_count = 0;
  auto seq_name = [](uint64_t n) { return std::to_string(n); };
  while (std::getline(in, line)) {
    if (ended) return fail(last_seq, "data after the bundle's end line");
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(last_seq, "a bundle line is not JSON");
    if (j.contains("end")) {
      auto number_or_null = [&](const char* key, std::optional<uint64_t> want) {
        const auto& v = j[key];
        return want ? v.is_number_unsigned() && v.get<uint64_t>() == *want : v.is_null();
      };
      if (!j["count"].is_number_unsigned() || j["count"].get<uint64_t>() != count ||
          !j["omitted"].is_number_unsigned() || j["omitted"].get<uint64_t>() != omitted) {
        return fail(last_seq, "bundle end line counts " + j["count"].dump() + " entries and " +
                                  j["omitted"].dump() + " omitted, found " +
                                  std::to_string(count) + " and " + std::to_string(omitted) +
                                  " (lines removed or added)");
      }
      if (!number_or_null("first", first_seq) || !number_or_null("last", last_seq)) {
        return fail(last_seq, "bundle end line states the range " + j["first"].dump() + ".." +
                                  j["last"].dump() + ", but its lines hold " +
                                  (first_seq ? seq_name(*first_seq) : "none") + ".." +
                                  (last_seq ? seq_name(*last_seq) : "none"));
      }
      if (version >= 4) {
        if (!j["dependencies"].is_number_unsigned() ||
            j["dependencies"].get<uint64_t>() != dependency_count) {
          return fail(last_dependency ? last_dependency : last_seq,
                      "bundle end line counts " + j["dependencies"].dump() +
                          " dependencies, found " + std::to_string(dependency_count) +
                          " (lines removed or added)");
        }
        auto& unrecorded = j["unrecorded"];
        for (auto [key, into] : {std::pair{"policy", &unrecorded_policies},
                                 std::pair{"data", &unrecorded_data}}) {
          const auto& list = unrecorded.is_object() ? unrecorded[key] : nlohmann::json();
          if (!list.is_array()) {
            return fail(last_seq, std::string("bundle end line lacks unrecorded.") + key);
          }
          for (const auto& digest : list) {
            if (!digest.is_string()) {
              return fail(last_seq, std::string("bundle end line: unrecorded.") + key +
                                        " holds something other than a digest");
            }
            into->insert(digest.get<std::string>());
          }
        }
      }
      ended = true;
      continue;
    }
    if (j.contains("dependency")) {
      // A dependency line: an entry outside the range (or a stub of it) that a held decision
      // needs, proven in the checkpoint's tree, in seq order after the range's lines.
      const std::string dep = StringMember(j, "dependency");
      if (version < 4) {
        return fail(last_seq, "a version " + std::to_string(version) +
                                  " bundle cannot hold dependency lines (version 4 can)");
      }
      if (dep != bundle::kPolicy && dep != bundle::kData && dep != bundle::kEvidence) {
        return fail(last_seq, "a dependency line names an unknown kind " + j["dependency"].dump());
      }
      if (!j["seq"].is_number_unsigned() || !j["proof"].is_array() || !j["entry"].is_string()) {
        return fail(last_dependency ? last_dependency : last_seq,
                    "a dependency line lacks seq, entry or proof");
      }
      const uint64_t seq = j["seq"].get<uint64_t>();
      const std::string where = "the " + dep + " dependency at seq " + seq_name(seq);
      if (seq >= tree_size) {
        return fail(seq, where + " lies beyond the bundle's signed checkpoint (" +
                             seq_name(tree_size) + " entries)");
      }
      if (last_dependency && seq <= *last_dependency) {
        return fail(seq, where + " repeats or is out of order (after the dependency at seq " +
                             seq_name(*last_dependency) + ")");
      }
      if (held_dependable.count(seq)) {
        return fail(seq, where + " repeats entry " + seq_name(seq) +
                             ", which the bundle's range holds");
      }
      const std::string dep_raw = j["entry"].get<std::string>();
      auto dep_view = ParseEntry(dep_raw);
      if (!dep_view.ok()) return fail(seq, where + " is malformed: " + dep_view.status().message());
      if (dep_view->seq != seq) {
        return fail(seq, where + " holds entry " + seq_name(dep_view->seq));
      }
      if (dep_view->kind != dep) {
        return fail(seq, where + " holds a " + std::string(dep_view->kind) + " entry");
      }
      auto dep_path = ProofFromJson(j["proof"]);
      if (!dep_path.ok()) return fail(seq, where + ": malformed proof hash");
      if (Status st = VerifyInclusion(seq, tree_size, LeafHash(dep_raw), *dep_path, body->root);
          !st.ok()) {
        return fail(seq, where + " is not in the signed checkpoint's tree (forged or altered): " +
                             st.message());
      }
      // It must be needed: what a held decision was decided with, or evidence naming one.
      nlohmann::json p = nlohmann::json::parse(dep_view->payload, nullptr, false);
      if (dep == bundle::kEvidence) {
        bool linked = false;
        auto ids = p.is_object() ? p.find("decision_ids") : p.end();
        if (p.is_object() && ids != p.end() && ids->is_array()) {
          for (const auto& id : *ids) {
            linked = linked || (id.is_string() && held_ids.count(id.get<std::string>()) > 0);
          }
        }
        if (!linked) return fail(seq, where + " names no decision the bundle holds");
      } else {
        const bool policy = dep == bundle::kPolicy;
        const std::string digest = StringMember(p, policy ? "bundle" : "data");
        auto& needed = policy ? needed_policies : needed_data;
        auto& provided = policy ? provided_policies : provided_data;
        if (!needed.count(digest)) {
          return fail(seq, where + " (" + digest + ") is not what any decision the bundle holds "
                               "was decided with");
        }
        if (auto had = provided.find(digest); had != provided.end()) {
          return fail(seq, where + " (" + digest + ") is already in the bundle (seq " +
                               seq_name(had->second) + ")");
        }
        provided.emplace(digest, seq);
      }
      last_dependency = seq;
      ++dependency_count;
      ++dependencies_by_kind[dep];
      continue;
    }
    if (!j["seq"].is_number_unsigned() || !j["proof"].is_array() ||
        !(j["entry"].is_string() || j["omitted"].is_string())) {
      return fail(last_seq, "a bundle entry line lacks seq, entry (or omitted) or proof");
    }
    uint64_t seq = j["seq"].get<uint64_t>();
    if (last_dependency) {
      return fail(seq, "entry " + seq_name(seq) + " follows the dependency lines (the range's "
                           "lines come first)");
    }
    if (seq >= tree_size) {
      return fail(seq, "entry " + seq_name(seq) + " lies beyond the bundle's signed checkpoint (" +
                           seq_name(tree_size) + " entries)");
    }
    if (last_seq && seq != *last_seq + 1) {
      if (seq <= *last_seq) {
        return fail(seq, "entry " + seq_name(seq) + " repeats or is out of order (after entry " +
                             seq_name(*last_seq) + ")");
      }
      return fail(*last_seq + 1, "entry " + seq_name(*last_seq + 1) +
                                     " is missing from the bundle (the next line is entry " +
                                     seq_name(seq) + ")");
    }
    if (!last_seq && first_known && seq != want_first) {
      return fail(std::min(seq, want_first),
                  seq > want_first ? "entry " + seq_name(want_first) +
                                         " is missing: the bundle's range starts there"
                                   : "entry " + seq_name(seq) +
                                         " lies before the bundle's stated range");
    }
    if (last_known && seq > want_last) {
      return fail(seq, "entry " + seq_name(seq) + " lies after the bundle's stated range (last " +
                           seq_name(want_last) + ")");
    }
    Hash leaf;
    std::optional<EntryView> view;
    std::string raw;
    if (j["omitted"].is_string()) {
      if (kind.empty() && filter.empty()) {
        return fail(seq, "entry " + seq_name(seq) +
                             " is omitted, but the bundle selects every kind");
      }
      auto bytes = HexDecode(j["omitted"].get<std::string>());
      if (!bytes || bytes->size() != leaf.size()) {
        return fail(seq, "entry " + seq_name(seq) + ": malformed omitted entry hash");
      }
      std::copy(bytes->begin(), bytes->end(), leaf.begin());
      if (auto c = chain_leaves.find(seq); c != chain_leaves.end() && c->second != leaf) {
        return fail(seq, "entry " + seq_name(seq) + " is omitted with a hash that differs from "
                             "the key chain's rotation at that seq");
      }
      ++omitted;
    } else {
      raw = j["entry"].get<std::string>();
      auto parsed = ParseEntry(raw);
      if (!parsed.ok()) {
        return fail(seq, "entry " + seq_name(seq) + " is malformed: " + parsed.status().message());
      }
      view = *parsed;
      if (view->seq != seq) {
        return fail(seq, "bundle line for seq " + seq_name(seq) + " holds entry " +
                             seq_name(view->seq));
      }
      if (!kind.empty() && view->kind != kind) {
        return fail(seq, "entry " + seq_name(seq) + " is of kind " + std::string(view->kind) +
                             ", outside the bundle's selection (" + kind + ")");
      }
      if ((from->set && !from->is_seq &&
           view->time.substr(0, from->time.size()) < from->time) ||
          (to->set && !to->is_seq && view->time.substr(0, to->time.size()) > to->time)) {
        return fail(seq, "entry " + seq_name(seq) + "'s time " + std::string(view->time) +
                             " lies outside the bundle's stated range");
      }
      if (!filter.empty()) {
        if (view->kind != "decision") {
          return fail(seq, "entry " + seq_name(seq) + " is of kind " + std::string(view->kind) +
                               ", outside the bundle's decision filter (it selects decisions)");
        }
        if (!filter.Matches(view->payload)) {
          nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
          return fail(seq, "entry " + seq_name(seq) + ": decision " +
                               StringMember(p, "decision_id") +
                               " does not match the bundle's filter " +
                               bundle::FilterToJson(filter).dump());
        }
      }
      if (version >= 4) {
        if (view->kind == "decision") {
          nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
          std::string id = StringMember(p, "decision_id");
          for (auto [key, needed] : {std::pair{"bundle", &needed_policies},
                                     std::pair{"data", &needed_data}}) {
            if (std::string digest = StringMember(p, key); !digest.empty()) {
              needed->try_emplace(std::move(digest), Need{seq, id});
            }
          }
          held_ids.insert(std::move(id));
        } else if (view->kind == "policy" || view->kind == "data" ||
                   view->kind == "evidence") {
          held_dependable.insert(seq);
          if (view->kind != "evidence") {
            nlohmann::json p = nlohmann::json::parse(view->payload, nullptr, false);
            const bool policy = view->kind == "policy";
            std::string digest = StringMember(p, policy ? "bundle" : "data");
            if (!digest.empty()) {
              (policy ? provided_policies : provided_data).try_emplace(std::move(digest), seq);
            }
          }
        }
      }
      leaf = LeafHash(raw);
      if (version >= 3 && view->kind == "key" && IsRotation(view->payload)) {
        auto c = chain_leaves.find(seq);
        if (c == chain_leaves.end() || c->second != leaf) {
          return fail(seq, "the key rotation at seq " + seq_name(seq) +
                               " is not in the bundle's key chain");
        }
      }
      ++count;
    }
    auto path_or = ProofFromJson(j["proof"]);
    if (!path_or.ok()) return fail(seq, "entry " + seq_name(seq) + ": malformed proof hash");
    const std::vector<Hash>& path = *path_or;
    Status st = VerifyInclusion(seq, tree_size, leaf, path, body->root);
    if (!st.ok()) {
      return fail(seq, "entry " + seq_name(seq) +
                           " is not in the signed checkpoint's tree: " + st.message());
    }
    if (view && last_seq && view->prev != last_leaf) {
      return fail(seq, "hash chain broken between entries " + seq_name(*last_seq) + " and " +
                           seq_name(seq));
    }
    if (!first_seq) first_seq = seq;
    last_seq = seq;
    last_leaf = leaf;
  }
  if (!ended) return fail(last_seq, "the bundle is truncated (no end line)");
  if (last_known && first_known && want_first <= want_last &&
      (!last_seq || *last_seq != want_last)) {
    uint64_t missing = last_seq ? *last_seq + 1 : want_first;
    return fail(missing, "entry " + seq_name(missing) +
                             " is missing: the bundle's range ends at entry " +
                             seq_name(want_last));
  }
  // Completeness of the dependencies: every held decision's policy and data entries are in
  // the bundle, or the end line states that the ledger holds none. (Evidence cannot be
  // proven complete from a bundle: nothing in it commits to which evidence exists.)
  for (auto [what, needed, provided, unrecorded] :
       {std::tuple{"policy", &needed_policies, &provided_policies, &unrecorded_policies},
        std::tuple{"data", &needed_data, &provided_data, &unrecorded_data}}) {
    for (const auto& [digest, need] : *needed) {
      if (provided->count(digest) || unrecorded->count(digest)) continue;
      return fail(need.seq, "decision " + need.decision_id + " (seq " + seq_name(need.seq) +
                                "): its " + what + " entry (" + digest +
                                ") is not in the bundle");
    }
    for (const std::string& digest : *unrecorded) {
      if (provided->count(digest)) {
        return fail(provided->at(digest),
                    std::string("the end line states ") + what + " " + digest +
                        " as not recorded in the ledger, but the bundle holds its entry");
      }
      if (!needed->count(digest)) {
        return fail(std::nullopt, std::string("the end line states ") + what + " " + digest +
                                      " as not recorded, but no decision the bundle holds "
                                      "names it");
      }
    }
  }
  rep.ok = true;
  rep.entries = count;
  rep.checkpoints = 1;
  rep.signed_size = tree_size;
  if (first_seq) {
    rep.note = "entries " + seq_name(*first_seq) + ".." + seq_name(*last_seq) + " complete";
    if (omitted > 0) {
      rep.note += "; " + std::to_string(omitted) +
                  (filter.empty() ? " outside the kind filter" : " outside the decision filter") +
                  " are omitted (proven in the tree, their kinds not shown)";
    }
  } else {
    rep.note = "the selection is empty";
  }
  if (dependency_count > 0) {
    std::string kinds;
    for (const auto& [k, n] : dependencies_by_kind) {
      kinds += (kinds.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    }
    rep.note += "; " + std::to_string(dependency_count) + " " +
                (dependency_count == 1 ? "dependency" : "dependencies") + " (" + kinds +
                ") proven in the tree";
  }
  if (version >= 4 && !held_ids.empty()) {
    rep.note += "; the decisions' policy and data entries are all present";
    if (const size_t n = unrecorded_policies.size() + unrecorded_data.size(); n > 0) {
      rep.note += " but " + std::to_string(n) +
                  " the exporter states are not recorded in the ledger";
    }
    rep.note += " (evidence is as complete as the exporter made it: a bundle cannot prove that)";
  }
  if (self_keyed) rep.note += "; checked against the public key inside the bundle, pass --key to pin it";
  return rep;
}

}  // namespace arbiter::ledger
