// What the http layer's coroutine sources share: the short names for Asio and
// Beast, and the completion token under which a co_await returns
// (error_code, result...) instead of throwing.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

namespace moss::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

}  // namespace moss::http
