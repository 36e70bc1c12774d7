#include "daemon/policy_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dsl/frontend.h"
#include "dsl/schema.h"

namespace arbiter::daemon {
namespace {

using Fields = std::map<std::string, dsl::SchemaAttribute>;

bool SameType(const dsl::SchemaTypePtr& a, const dsl::SchemaTypePtr& b);

bool SameFields(const Fields& a, const Fields& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.required != ib->second.required ||
        !SameType(ia->second.type, ib->second.type)) {
      return false;
    }
  }
  return true;
}

bool SameType(const dsl::SchemaTypePtr& a, const dsl::SchemaTypePtr& b) {
  if (!a || !b) return a == b;
  return a->base == b->base && a->entity == b->entity && SameType(a->element, b->element) &&
         SameFields(a->fields, b->fields);
}

// An attribute or action name as the schema grammar reads it: bare when it is an identifier,
// quoted otherwise (the parser keeps a quoted name's raw text, so it goes back unchanged).
std::string NameText(const std::string& name) {
  bool ident =
      !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return ident ? name : "\"" + name + "\"";
}

std::string TypeText(const dsl::SchemaTypePtr& type);

std::string FieldsText(const Fields& fields) {
  if (fields.empty()) return "{}";
  std::string out = "{ ";
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it != fields.begin()) out += ", ";
    out += NameText(it->first) + (it->second.required ? ": " : "?: ") + TypeText(it->second.type);
  }
  return out + " }";
}

std::string TypeText(const dsl::SchemaTypePtr& type) {
  if (!type) return "String";  // not reached: every file parsed without errors
  switch (type->base) {
    case dsl::BaseType::kEntity:
      return type->entity;
    case dsl::BaseType::kSet:
      return "Set<" + TypeText(type->element) + ">";
    case dsl::BaseType::kRecord:
      return FieldsText(type->fields);
    default:
      return std::string(dsl::BaseTypeName(type->base));
  }
}

std::string TypeList(const std::vector<std::string>& types) {
  std::string out = "[";
  for (size_t i = 0; i < types.size(); ++i) out += (i ? ", " : "") + types[i];
  return out + "]";
}

std::string ActionText(const dsl::ActionDecl& action) {
  std::string out = "action " + NameText(action.name) +
                    " appliesTo { subject: " + TypeList(action.subjects) +
                    ", resource: " + TypeList(action.resources);
  if (action.has_context) out += ", context: " + FieldsText(action.context);
  return out + " };";
}

bool SameAction(const dsl::ActionDecl& a, const dsl::ActionDecl& b) {
  auto set = [](const std::vector<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end());
  };
  return set(a.subjects) == set(b.subjects) && set(a.resources) == set(b.resources) &&
         a.has_context == b.has_context && SameFields(a.context, b.context);
}

std::string Where(const std::string& path, const dsl::Span& span) {
  return fmt::format("{}:{}:{}", path, span.line, span.column);
}

}  // namespace

Result<std::string> MergeSchemaFiles(const std::vector<std::string>& paths) {
  dsl::Schema merged;
  std::map<std::string, std::string> origin;  // "entity T.attr" / "action a" -> path:line:col
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("cannot read schema '{}'", path));
    std::stringstream buffer;
    buffer << in.rdbuf();
    dsl::SourceSet sources;
    sources.files.push_back({path, buffer.str()});
    std::vector<dsl::Diagnostic> diagnostics;
    dsl::Schema schema = dsl::ParseSchema(0, sources.files[0].text, &diagnostics);
    std::string errors;
    for (const dsl::Diagnostic& d : diagnostics) {
      if (d.severity == dsl::Severity::kError) errors += dsl::FormatDiagnostic(d, sources) + "\n";
    }
    if (!errors.empty()) return Status::InvalidArgument("schema errors:\n" + errors);

    for (const auto& [name, entity] : schema.entities) {
      auto [it, added] = merged.entities.try_emplace(name, entity);
      dsl::EntityTypeDecl& into = it->second;
      for (const auto& [attr, declared] : entity.attributes) {
        std::string key = "entity " + name + "." + attr;
        auto [have, fresh] = into.attributes.try_emplace(attr, declared);
        if (fresh || added) {
          origin.emplace(key, Where(path, declared.span));
          continue;
        }
        if (have->second.required != declared.required ||
            !SameType(have->second.type, declared.type)) {
          return Status::InvalidArgument(
              fmt::format("conflicting schema declarations of attribute `{}` of entity type `{}`: "
                          "{} declares `{}{}: {}`, {} declares `{}{}: {}`",
                          attr, name, origin[key], attr, have->second.required ? "" : "?",
                          TypeText(have->second.type), Where(path, declared.span), attr,
                          declared.required ? "" : "?", TypeText(declared.type)));
        }
      }
      for (const std::string& parent : entity.parents) {
        if (std::find(into.parents.begin(), into.parents.end(), parent) == into.parents.end()) {
          into.parents.push_back(parent);
        }
      }
    }
    for (const auto& [name, action] : schema.actions) {
      std::string key = "action " + name;
      auto [it, added] = merged.actions.try_emplace(name, action);
      if (added) {
        origin.emplace(key, Where(path, action.span));
      } else if (!SameAction(it->second, action)) {
        return Status::InvalidArgument(fmt::format(
            "conflicting schema declarations of action `{}`: {} declares `{}`, {} declares `{}`",
            name, origin[key], ActionText(it->second), Where(path, action.span),
            ActionText(action)));
      }
    }
  }

  std::string text = "// Merged from " + std::to_string(paths.size()) + " schema files.\n";
  for (const auto& [name, entity] : merged.entities) {
    text += "entity " + name;
    if (!entity.parents.empty()) text += " in " + TypeList(entity.parents);
    if (!entity.attributes.empty()) text += " " + FieldsText(entity.attributes);
    text += ";\n";
  }
  for (const auto& [name, action] : merged.actions) text += ActionText(action) + "\n";
  return text;
}

Result<EntityStore> LoadEntityFiles(const std::vector<std::string>& paths) {
  if (paths.empty()) return EntityStore();
  if (paths.size() == 1) return EntityStore::FromFile(paths[0]);
  ARBITER_ASSIGN_OR_RETURN(std::string merged, MergeEntityFiles(paths));
  return EntityStore::FromJson(merged, "<merged entity data>");
}

Result<std::string> MergeEntityFiles(const std::vector<std::string>& paths) {
  nlohmann::json merged = nlohmann::json::array();
  std::map<std::string, nlohmann::json> seen;  // uid → entity, to drop identical duplicates
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("cannot read entity data '{}'", path));
    std::stringstream text;
    text << in.rdbuf();
    // Parse each file alone first so its errors carry its own name and position.
    auto alone = EntityStore::FromJson(text.str(), path);
    if (!alone.ok()) return alone.status();
    nlohmann::json array = nlohmann::json::parse(text.str(), nullptr, false);
    if (!array.is_array()) {
      return Status::InvalidArgument(fmt::format("{}: entity data must be a JSON array", path));
    }
    for (auto& entity : array) {
      std::string uid = entity.is_object() && entity.contains("uid") ? entity["uid"].dump() : "";
      if (auto it = seen.find(uid); !uid.empty() && it != seen.end()) {
        if (it->second == entity) continue;
        return Status::InvalidArgument(
            fmt::format("{}: entity {} differs from its copy in an earlier data file", path, uid));
      }
      if (!uid.empty()) seen.emplace(uid, entity);
      merged.push_back(std::move(entity));
    }
  }
  return merged.dump();
}

PolicyLoad LoadPolicyFiles(const PolicyFiles& files) {
  PolicyLoad load;
  auto entities = LoadEntityFiles(files.data_paths);
  if (!entities.ok()) {
    load.error.status = entities.status();
    return load;
  }
  std::optional<Engine> engine;
  if (!files.bundle_path.empty()) {
    auto loaded = Engine::LoadBundleFile(files.bundle_path);
    if (!loaded.ok()) {
      load.error.status = loaded.status();
      return load;
    }
    engine.emplace(std::move(loaded).value());
  } else {
    CompileOptions options;
    if (files.schema_paths.size() == 1) {
      options.schema_path = files.schema_paths[0];
    } else if (files.schema_paths.size() > 1) {
      auto merged = MergeSchemaFiles(files.schema_paths);
      if (!merged.ok()) {
        load.error.status = merged.status();
        return load;
      }
      options.schema_path =
          "<schema merged from " + std::to_string(files.schema_paths.size()) + " files>";
      options.schema_text = std::move(merged).value();
    }
    CompileResult compiled = Engine::Compile(files.policy_paths, options);
    if (!compiled.ok() || !compiled.engine) {
      load.error.status = compiled.status.ok() ? Status::Internal("no engine") : compiled.status;
      load.error.diagnostics = compiled.diagnostics;
      load.error.formatted = compiled.FormattedDiagnostics();
      return load;
    }
    engine = std::move(compiled.engine);
  }
  load.state = std::make_shared<PolicyState>(
      PolicyState{std::move(*engine), std::move(entities).value(), 0});
  return load;
}

nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"path", d.path},
                   {"line", d.line},
                   {"column", d.column},
                   {"end_line", d.end_line},
                   {"end_column", d.end_column},
                   {"severity", d.severity},
                   {"code", d.code},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace arbiter::daemon
