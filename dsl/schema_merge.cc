// Several schema files merged into one (dsl/schema_merge.h).
#include "dsl/schema_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dsl/frontend.h"
#include "dsl/schema.h"

namespace arbiter::dsl {
namespace {

using Fields = std::map<std::string, SchemaAttribute>;

bool SameType(const SchemaTypePtr& a, const SchemaTypePtr& b);

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

bool SameType(const SchemaTypePtr& a, const SchemaTypePtr& b) {
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

std::string TypeText(const SchemaTypePtr& type);

std::string FieldsText(const Fields& fields) {
  if (fields.empty()) return "{}";
  std::string out = "{ ";
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it != fields.begin()) out += ", ";
    out += NameText(it->first) + (it->second.required ? ": " : "?: ") + TypeText(it->second.type);
  }
  return out + " }";
}

std::string TypeText(const SchemaTypePtr& type) {
  if (!type) return "String";  // not reached: every file parsed without errors
  switch (type->base) {
    case BaseType::kEntity:
      return type->entity;
    case BaseType::kSet:
      return "Set<" + TypeText(type->element) + ">";
    case BaseType::kRecord:
      return FieldsText(type->fields);
    default:
      return std::string(BaseTypeName(type->base));
  }
}

std::string TypeList(const std::vector<std::string>& types) {
  std::string out = "[";
  for (size_t i = 0; i < types.size(); ++i) out += (i ? ", " : "") + types[i];
  return out + "]";
}

std::string ActionText(const ActionDecl& action) {
  std::string out = "action " + NameText(action.name) +
                    " appliesTo { subject: " + TypeList(action.subjects) +
                    ", resource: " + TypeList(action.resources);
  if (action.has_context) out += ", context: " + FieldsText(action.context);
  return out + " };";
}

bool SameAction(const ActionDecl& a, const ActionDecl& b) {
  auto set = [](const std::vector<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end());
  };
  return set(a.subjects) == set(b.subjects) && set(a.resources) == set(b.resources) &&
         a.has_context == b.has_context && SameFields(a.context, b.context);
}

std::string Where(const std::string& path, const Span& span) {
  return fmt::format("{}:{}:{}", path, span.line, span.column);
}

}  // namespace

Result<std::string> MergeSchemaFiles(const std::vector<std::string>& paths) {
  Schema merged;
  std::map<std::string, std::string> origin;  // "entity T.attr" / "action a" -> path:line:col
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("cannot read schema '{}'", path));
    std::stringstream buffer;
    buffer << in.rdbuf();
    SourceSet sources;
    sources.files.push_back({path, buffer.str()});
    std::vector<Diagnostic> diagnostics;
    Schema schema = ParseSchema(0, sources.files[0].text, &diagnostics);
    std::string errors;
    for (const Diagnostic& d : diagnostics) {
      if (d.severity == Severity::kError) errors += FormatDiagnostic(d, sources) + "\n";
    }
    if (!errors.empty()) return Status::InvalidArgument("schema errors:\n" + errors);

    for (const auto& [name, entity] : schema.entities) {
      auto [it, added] = merged.entities.try_emplace(name, entity);
      EntityTypeDecl& into = it->second;
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

}  // namespace arbiter::dsl
