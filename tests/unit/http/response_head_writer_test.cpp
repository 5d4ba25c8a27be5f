// append_response_head writes the bytes Beast's own serializer writes, and
// refuses (appending nothing) a head that would split the response.
#include "http/response_head_writer.h"

#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace moss::http {
namespace {

namespace bhttp = boost::beast::http;

std::string serialized_by_beast(const ResponseHead& head) {
  bhttp::response<bhttp::empty_body> response(head);
  bhttp::response_serializer<bhttp::empty_body> serializer(response);
  serializer.split(true);
  std::string out;
  boost::system::error_code ec;
  while (!ec && !serializer.is_header_done()) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      out += boost::beast::buffers_to_string(buffers);
      serializer.consume(boost::beast::buffer_bytes(buffers));
    });
  }
  EXPECT_FALSE(ec) << ec.message();
  return out;
}

ResponseHead head_of(bhttp::status status, unsigned version = 11) {
  ResponseHead head;
  head.result(status);
  head.version(version);
  return head;
}

TEST(ResponseHeadWriter, WritesWhatBeastsSerializerWrites) {
  std::vector<ResponseHead> heads;
  heads.push_back(head_of(bhttp::status::ok));
  heads.back().set(bhttp::field::content_length, "4096");
  heads.back().set(bhttp::field::etag, "\"d41d8cd98f00b204e9800998ecf8427e\"");
  heads.back().set("x-amz-meta-Model", "llama 3\tq4");  // a tab is allowed
  heads.back().set(bhttp::field::server, "");
  heads.push_back(head_of(bhttp::status::partial_content));
  heads.back().set(bhttp::field::content_range, "bytes 0-9/100");
  heads.push_back(head_of(bhttp::status::not_found, 10));
  heads.back().set(bhttp::field::connection, "close");
  heads.push_back(head_of(bhttp::status::insufficient_storage));
  heads.back().reason("Custom Reason");
  heads.push_back(head_of(bhttp::status::switching_protocols));
  for (const auto& head : heads) {
    std::string out;
    append_response_head(out, head);
    EXPECT_EQ(out, serialized_by_beast(head));
  }
}

TEST(ResponseHeadWriter, AppendsAfterWhatTheBufferHolds) {
  std::string out = "earlier";
  append_response_head(out, head_of(bhttp::status::no_content));
  EXPECT_EQ(out, "earlierHTTP/1.1 204 No Content\r\n\r\n");
}

TEST(ResponseHeadWriter, AControlCharacterInAValueIsRefusedWithNothingAppended) {
  const std::vector<std::string> values = {"a\r\nSet-Cookie: x=1", "a\nb", "a\rb",
                                           std::string("nul\0x", 5), "del\x7f"};
  for (const auto& value : values) {
    ResponseHead head = head_of(bhttp::status::ok);
    head.set(bhttp::field::content_type, "text/plain");
    head.set("x-amz-meta-note", value);
    std::string out = "kept";
    EXPECT_THROW(append_response_head(out, head), std::invalid_argument) << value;
    EXPECT_EQ(out, "kept");
    EXPECT_THROW(refuse_unsafe_fields(head), std::invalid_argument);
  }
  ResponseHead fine = head_of(bhttp::status::ok);
  fine.set("x-amz-meta-note", "tab\tis fine");
  EXPECT_NO_THROW(refuse_unsafe_fields(fine));
}

}  // namespace
}  // namespace moss::http
