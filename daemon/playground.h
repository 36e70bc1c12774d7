// The playground's server side (contracts.md): its static page, the stdlib examples, and
// evaluation of pasted policies against a scratch in-memory ledger that is never the
// production one.
#pragma once

#include <arbiter/ledger.h>

#include <memory>
#include <string>

#include "daemon/router.h"

namespace arbiter::daemon {

struct PlaygroundOptions {
  std::string page_dir;    // the playground/ folder (index.html and its files)
  std::string stdlib_dir;  // stdlib-policies/, for the examples
};

class Playground {
 public:
  static Result<std::unique_ptr<Playground>> Create(PlaygroundOptions options);
  void AddRoutes(Router& router);
  // Closes the scratch ledger.
  void Close();

 private:
  explicit Playground(PlaygroundOptions options) : options_(std::move(options)) {}
  void HandleExamples(HttpRequest& req, Reply reply);
  void HandleEvaluate(HttpRequest& req, Reply reply);
  void HandleCheckpoint(HttpRequest& req, Reply reply);
  void HandleProof(HttpRequest& req, Reply reply);

  PlaygroundOptions options_;
  std::unique_ptr<ledger::Ledger> scratch_;
};

}  // namespace arbiter::daemon
