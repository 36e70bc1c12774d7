// The schema model (spec/language.md, "Schema"): entity types with attributes and parents,
// actions with the entity types they apply to and their context. Parsed from
// `*.arbiterschema` text by ParseSchema (dsl/schema_parser.cc).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "dsl/builtins.h"
#include "dsl/frontend.h"

namespace arbiter::dsl {

struct SchemaType;
using SchemaTypePtr = std::shared_ptr<const SchemaType>;

struct SchemaAttribute {
  SchemaTypePtr type;
  bool required = true;
  Span span;
};

// String, Long, Bool, Decimal, Ip, Datetime, Duration, an entity type, Set<T>, or a record.
struct SchemaType {
  BaseType base = BaseType::kUnknown;
  std::string entity;                              // kEntity: the entity type name
  SchemaTypePtr element;                           // kSet
  std::map<std::string, SchemaAttribute> fields;   // kRecord
};

struct EntityTypeDecl {
  std::string name;
  std::vector<std::string> parents;  // `in [Group, Org]`
  std::map<std::string, SchemaAttribute> attributes;
  Span span;
};

struct ActionDecl {
  std::string name;
  std::vector<std::string> subjects;   // empty: applies to no subject type
  std::vector<std::string> resources;
  std::map<std::string, SchemaAttribute> context;
  bool has_context = false;  // false: the context is not described (any attribute allowed)
  Span span;
};

struct Schema {
  std::map<std::string, EntityTypeDecl> entities;
  std::map<std::string, ActionDecl> actions;
};

// Parses schema text (file `file` of the source set). Reports E0401 syntax errors and E04xx
// consistency errors (unknown types, duplicates) into `diagnostics`; the returned schema holds
// what could be understood.
Schema ParseSchema(FileId file, std::string_view text, std::vector<Diagnostic>* diagnostics);

}  // namespace arbiter::dsl
