// Maps method + path to a handler. An unknown path is 404; a known path with the wrong method
// is 405 with an Allow header. Paths are exact, or a prefix ending in '/' for families such as
// /v1/ledger/entries/<seq> and /playground/<file>. A route whose handler may block (a compile,
// a synchronous ledger wait) is added with AddBlocking and runs on the router's BlockingPool,
// off the I/O threads that answer decisions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http_server.h"

namespace arbiter::daemon {

class BlockingPool;

class Router {
 public:
  Router() = default;
  // AddBlocking handlers run on `blocking` (not owned; it must outlive every request routed).
  explicit Router(BlockingPool* blocking) : blocking_(blocking) {}

  void Add(boost::beast::http::verb method, std::string path, Handler handler);
  void AddPrefix(boost::beast::http::verb method, std::string prefix, Handler handler);
  // As Add and AddPrefix, for handlers that may block: they run on the BlockingPool given at
  // construction (inline when there is none, as in tests that do not care).
  void AddBlocking(boost::beast::http::verb method, std::string path, Handler handler);
  void AddPrefixBlocking(boost::beast::http::verb method, std::string prefix, Handler handler);
  // The pool AddBlocking routes run on, or null (then they run inline). For wrappers that
  // must do cheap work (authentication) on the I/O thread before handing the rest over.
  BlockingPool* blocking_pool() const { return blocking_; }
  // Routes `req`; answers 404/405 itself when nothing fits. The target's query string is
  // ignored for matching.
  void Route(HttpRequest& req, Reply reply) const;

 private:
  struct Entry {
    boost::beast::http::verb method;
    Handler handler;
  };
  void Dispatch(const std::vector<Entry>& entries, HttpRequest& req, Reply reply) const;
  Handler OnPool(Handler handler) const;
  BlockingPool* blocking_ = nullptr;
  std::map<std::string, std::vector<Entry>, std::less<>> exact_;
  std::vector<std::pair<std::string, std::vector<Entry>>> prefixes_;
};

// The path part of a request target ("/a/b?x=1" → "/a/b").
std::string_view TargetPath(std::string_view target);
// The value of one query parameter, percent-decoding not applied (numbers and ids only).
std::optional<std::string> QueryParam(std::string_view target, std::string_view name);

}  // namespace arbiter::daemon
