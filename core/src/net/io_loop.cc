#include "runnel/net/io_loop.h"

#include <pthread.h>

#include "net/connection_impl.h"
#include "net/io_loop_impl.h"
#include "runnel/check.h"

namespace runnel::net {

bool IoLoop::Impl::Register(uint64_t id, std::weak_ptr<Connection::Impl> conn) {
  std::lock_guard lock(mu);
  if (stopping.load()) {
    return false;
  }
  connections.emplace(id, std::move(conn));
  return true;
}

void IoLoop::Impl::Unregister(uint64_t id) {
  std::lock_guard lock(mu);
  connections.erase(id);
}

IoLoop::IoLoop(std::string name, int threads) : impl_(std::make_shared<Impl>()) {
  impl_->work.emplace(impl_->context.get_executor());
  std::string thread_name = (name + "-io").substr(0, 15);
  for (int i = 0; i < std::max(threads, 1); ++i) {
    impl_->threads.emplace_back([impl = impl_.get(), thread_name] {
      pthread_setname_np(pthread_self(), thread_name.c_str());
      // Handlers do not throw (our code does not); run until the work guard is gone and every
      // operation has completed.
      impl->context.run();
    });
  }
}

IoLoop::~IoLoop() { Stop(); }

bool IoLoop::InLoopThread() const { return impl_->context.get_executor().running_in_this_thread(); }

void IoLoop::Stop() {
  RUNNEL_CHECK_MSG(!InLoopThread(), "IoLoop::Stop called from a loop thread");
  std::vector<std::shared_ptr<Connection::Impl>> open;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping.exchange(true)) {
      // Already stopped (or stopping on another thread, which joins).
    }
    for (auto& [id, weak] : impl_->connections) {
      if (auto conn = weak.lock()) {
        open.push_back(std::move(conn));
      }
    }
  }
  for (auto& conn : open) {
    conn->Close(Cancelled("stopping"));
  }
  open.clear();
  impl_->work.reset();
  for (std::thread& t : impl_->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  impl_->threads.clear();
}

}  // namespace runnel::net
