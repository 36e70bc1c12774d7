// Threads for handlers that may block: compiling a policy (the playground, the admin API), a
// synchronous ledger append or checkpoint, reading files. The HTTP server's I/O threads parse,
// route and answer every decision; a handler that holds one of them for a second holds back
// every decision queued behind it. A route opts in with Router::AddBlocking (see router.h);
// its handler then runs here, on one of limits.http_blocking_threads threads, with at most
// limits.http_blocking_queue requests waiting (past that: 503 `busy` with Retry-After: 1).
//
// Using it: run.cc gives the daemon's Router a pool; a guarded route opts in with
// ApiGuard::AddBlocking, which authenticates and authorises on the I/O thread and queues only
// allowed requests here (the playground's evaluate, PUT and GET /v1/policies, the ledger's
// read endpoints). The handler runs on a pool thread with its own copy of the request and
// answers through the Reply as usual. Decisions (AppendAsync, answered from the ledger's
// completion) stay on Add.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/limits.h"
#include "daemon/http_server.h"

namespace arbiter::daemon {

class BlockingPool {
 public:
  explicit BlockingPool(const Limits& limits = kDefaultLimits);
  // Shutdown().
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs handler(req, reply) on a pool thread, on its own copy of the request (moved from
  // `req`), or answers 503 `busy` at once when the queue is full, or 503 `shutting_down`
  // after Shutdown(). Returns at once; safe from any thread.
  void Run(const std::shared_ptr<const Handler>& handler, HttpRequest& req, Reply reply);
  // Requests waiting for a thread (not counting those running).
  size_t queued() const;
  // Answers every waiting request 503 `shutting_down`, lets running handlers finish and joins
  // the threads. Safe to call twice. Call before what the handlers use is destroyed.
  void Shutdown();

 private:
  struct Job {
    std::shared_ptr<const Handler> handler;
    HttpRequest request;
    Reply reply;
  };
  void Work();

  size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace arbiter::daemon
