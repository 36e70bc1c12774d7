#include "daemon/blocking_pool.h"

#include <exception>

#include "daemon/log.h"
#include "daemon/responses.h"

namespace arbiter::daemon {

namespace {

HttpResponse Unavailable(std::string_view code, std::string_view message) {
  HttpResponse res = ErrorResponse(503, code, message);
  res.set(boost::beast::http::field::retry_after, "1");
  return res;
}

}  // namespace

BlockingPool::BlockingPool(const Limits& limits)
    : capacity_(limits.http_blocking_queue) {
  unsigned count = std::max(1u, limits.http_blocking_threads);
  for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { Work(); });
}

BlockingPool::~BlockingPool() { Shutdown(); }

void BlockingPool::Run(const std::shared_ptr<const Handler>& handler, HttpRequest& req,
                       Reply reply) {
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
    if (!stopping && queue_.size() < capacity_) {
      queue_.push_back(Job{handler, std::move(req), std::move(reply)});
      ready_.notify_one();
      return;
    }
  }
  if (stopping) return reply(Unavailable("shutting_down", "the server is shutting down"));
  reply(Unavailable("busy", "too many slow requests are waiting; retry later"));
}

size_t BlockingPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void BlockingPool::Work() {
  for (;;) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    // An exception would end this thread; answer as the server does for a throwing handler.
    // (If the handler had answered already, the Reply drops this second answer.)
    try {
      (*job.handler)(job.request, job.reply);
    } catch (const std::exception& e) {
      LogError("a blocking handler threw: {}", e.what());
      job.reply(ErrorResponse(500, "internal", "internal error"));
    } catch (...) {
      LogError("a blocking handler threw a non-exception");
      job.reply(ErrorResponse(500, "internal", "internal error"));
    }
  }
}

void BlockingPool::Shutdown() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    dropped.swap(queue_);
  }
  ready_.notify_all();
  for (auto& job : dropped) {
    job.reply(Unavailable("shutting_down", "the server is shutting down"));
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace arbiter::daemon
