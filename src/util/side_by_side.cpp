#include "moss/util/side_by_side.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>
#include <thread>

namespace moss {
namespace {

boost::asio::thread_pool& side_pool() {
  // Leaked on purpose: it must outlive every static that might upload at exit.
  static auto* pool =
      new boost::asio::thread_pool(std::max(2u, std::thread::hardware_concurrency()));
  return *pool;
}

}  // namespace

void run_side_by_side(const std::function<void()>& beside, const std::function<void()>& here) {
  std::promise<void> done;
  auto finished = done.get_future();
  boost::asio::post(side_pool(), [&] {
    beside();
    done.set_value();
  });
  here();
  finished.wait();
}

}  // namespace moss
