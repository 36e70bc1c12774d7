// Entity data and requests: accepted shapes, and every malformed input an error with the file
// and position.
#include <catch2/catch.hpp>

#include "tests/engine/test_support.h"

using namespace arbiter;

namespace {
std::string EntityError(const std::string& json) {
  auto s = EntityStore::FromJson(json, "data.json");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == StatusCode::kInvalidArgument);
  return s.status().message();
}
std::string RequestError(const std::string& json) {
  auto r = Request::FromJson(json, "req.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  return r.status().message();
}
}  // namespace

TEST_CASE("entity data loads with ancestors, attributes and both top-level forms") {
  auto s = EntityStore::FromJson(R"({"entities":[
    {"uid":{"type":"A","id":"1"},"parents":[{"type":"B","id":"2"}]},
    {"uid":{"__entity":{"type":"B","id":"2"}},"attrs":{"n":9223372036854775807}}]})");
  REQUIRE(s.ok());
  CHECK(s->size() == 2);
  CHECK(EntityStore().size() == 0);
}

TEST_CASE("malformed entity data names file, line and column") {
  CHECK(EntityError("[{\"uid\":") == "data.json:1:9: invalid JSON: unexpected end of input");
  CHECK(EntityError("{\"x\":1}").starts_with("data.json:1:1: expected an array"));
  CHECK(EntityError("[1]") == "data.json:1:2: an entity must be an object {\"uid\", \"attrs\", \"parents\"}");
  CHECK(EntityError("[{}]") == "data.json:1:2: entity has no \"uid\"");
  CHECK(EntityError("[{\"uid\":{\"type\":\"A\"}}]").starts_with("data.json:1:9: entity reference needs"));
  CHECK(EntityError("[{\"uid\":{\"type\":\"A\",\"id\":\"1\"},\"color\":1}]")
            .starts_with("data.json:1:31: unexpected key \"color\""));
  CHECK(EntityError("[\n {\"uid\":{\"type\":\"A\",\"id\":\"1\"},\n  \"parents\":[{\"type\":\"G\",\"id\":\"x\"}]}]") ==
        "data.json:3:14: parent G::\"x\" of A::\"1\" does not exist");
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"}},{"uid":{"type":"A","id":"1"}}])")
            .find("duplicate entity A::\"1\"") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"parents":[{"type":"A","id":"2"}]},
                        {"uid":{"type":"A","id":"2"},"parents":[{"type":"A","id":"1"}]}])")
            .find("cycle") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"n":9223372036854775808}}])")
            .find("out of the 64-bit range") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"d":1.23456}}])")
            .find("more than 4 fraction digits") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"d":1e5}}])").find("exponent") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"d":null}}])").find("null") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"a":1,"a":2}}])").find("duplicate key") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"i":{"__extn":{"fn":"ip","arg":"1.2.3"}}}}])")
            .find("invalid ip literal") != std::string::npos);
  CHECK(EntityError(R"([{"uid":{"type":"A","id":"1"},"attrs":{"i":{"__extn":{"fn":"nope","arg":"x"}}}}])")
            .find("unknown extension function") != std::string::npos);
  CHECK(EntityError("[] x").find("unexpected text after") != std::string::npos);
  CHECK(EntityError("[\"\\x\"]").find("bad escape") != std::string::npos);
}

TEST_CASE("a missing entity file is NotFound") {
  CHECK(EntityStore::FromFile("/nonexistent/entities.json").status().code() == StatusCode::kNotFound);
}

TEST_CASE("malformed requests name file, line and column") {
  CHECK(RequestError("[]") == "req.json:1:1: a request must be a JSON object");
  CHECK(RequestError("{") .starts_with("req.json:1:2: invalid JSON"));
  CHECK(RequestError(R"({"action":{"name":"r"},"resource":{"type":"D","id":"1"}})") ==
        "req.json:1:1: request has no \"subject\"");
  CHECK(RequestError(R"({"subject":{"type":"U"},"action":{"name":"r"},"resource":{"type":"D","id":"1"}})")
            .find("needs a string \"id\"") != std::string::npos);
  CHECK(RequestError(R"({"subject":{"type":"U","id":"a"},"action":{},"resource":{"type":"D","id":"1"}})")
            .find("\"action\" needs a non-empty string \"name\"") != std::string::npos);
  CHECK(RequestError(R"({"subject":{"type":"U","id":"a"},"action":{"name":"r"},"resource":{"type":"D","id":"1"},"context":[]})")
            .find("\"context\" must be an object") != std::string::npos);
  CHECK(RequestError(R"({"subject":{"type":"U","id":"a"},"action":{"name":"r"},"resource":{"type":"D","id":"1"},"extra":1})") ==
        "req.json:1:89: unexpected key \"extra\" in request");
  CHECK(RequestError("{\"subject\":{\"type\":\"U\",\"id\":\"a\",\"properties\":{\"n\":1.00001}},\n\"action\":{\"name\":\"r\"},\"resource\":{\"type\":\"D\",\"id\":\"1\"}}")
            .starts_with("req.json:1:51: decimal"));
}

TEST_CASE("typed requests") {
  auto r = Request::Make({"User", "alice"}, "read", {"Doc", "d1"}, R"({"n":1})");
  REQUIRE(r.ok());
  Engine e = testing::CompileOrDie("permit p { when subject == User::\"alice\" && context.n == 1 }");
  Decision d;
  REQUIRE(e.Decide(*r, EntityStore(), {}, &d).ok());
  CHECK(d.allow);
  CHECK_FALSE(Request::Make({"User", "a"}, "", {"Doc", "d"}).ok());
  CHECK_FALSE(Request::Make({"User", "a"}, "read", {"Doc", "d"}, "[1]").ok());
}

TEST_CASE("a request shows its parts as parsed") {
  auto r = Request::FromJson(R"({"subject":{"type":"User","id":"al\u0069ce"},
    "action":{"name":"read"},"resource":{"type":"Doc","id":""}})");
  REQUIRE(r.ok());
  CHECK(r->subject().type == "User");
  CHECK(r->subject().id == "alice");  // escapes decoded
  CHECK(r->action() == "read");
  CHECK(r->resource().type == "Doc");
  CHECK(r->resource().id.empty());  // the engine accepts an empty id; AuthZEN callers check
  auto made = Request::Make({"User", "bob"}, "write", {"Doc", "d2"});
  REQUIRE(made.ok());
  CHECK(made->subject().id == "bob");
  CHECK(made->action() == "write");
  CHECK(made->resource().id == "d2");
}

TEST_CASE("DecideJson parses and decides") {
  Engine e = testing::CompileOrDie("permit p { when true }");
  auto d = e.DecideJson(testing::SimpleRequest(), EntityStore());
  REQUIRE(d.ok());
  CHECK(d->allow);
  CHECK_FALSE(e.DecideJson("{", EntityStore()).ok());
}
