// Runs blocking work (fsync, database commits) on a thread pool from a
// coroutine, resuming the coroutine on its own executor afterwards, so the
// network threads never wait for the disk.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace moss {

template <class Fn>
auto offload(boost::asio::thread_pool& pool, Fn fn)
    -> boost::asio::awaitable<std::invoke_result_t<Fn&>> {
  using R = std::invoke_result_t<Fn&>;
  using Box = std::conditional_t<std::is_void_v<R>, bool, std::optional<R>>;
  Box box{};
  std::exception_ptr error;
  co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
      [&](auto handler) {
        auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
        boost::asio::post(pool, [&, handler = std::move(handler), work = std::move(work)]() mutable {
          try {
            if constexpr (std::is_void_v<R>) {
              fn();
            } else {
              box.emplace(fn());
            }
          } catch (...) {
            error = std::current_exception();
          }
          auto ex = work.get_executor();
          boost::asio::post(ex, std::move(handler));
        });
      },
      boost::asio::use_awaitable);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*box);
}

}  // namespace moss
