// The names the S3 layer uses for the transport's contract (moss/http/exchange.h):
// inside moss::s3, `http::` is Beast's HTTP vocabulary (verbs, statuses, fields).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "moss/http/exchange.h"

namespace moss::s3 {

namespace http = boost::beast::http;
using boost::asio::awaitable;

using Exchange = ::moss::http::Exchange;
using RequestHead = ::moss::http::RequestHead;
using ResponseHead = ::moss::http::ResponseHead;

}  // namespace moss::s3
