// What can go wrong talking to a moss server, as one value the client layer
// returns (never throws): the connection, the server's answer (an S3 XML or a
// registry JSON error), the local disk, or a download that fails verification.
#pragma once

#include <string>
#include <string_view>

namespace moss::client {

struct ClientError {
  enum class Kind {
    kTransport,  // could not connect, timed out, connection lost
    kHttp,       // the server answered with an error status
    kLocal,      // a local file could not be read or written
    kIntegrity,  // bytes do not match their SHA-256
    kProtocol,   // an answer the client cannot understand
  };
  Kind kind = Kind::kTransport;
  int status = 0;          // HTTP status for kHttp
  std::string code;        // "SignatureDoesNotMatch", "NoSuchTag"; may be empty (HEAD)
  std::string message;     // the server's message or a description
  std::string request_id;  // the server's request id, when it sent one

  static ClientError transport(std::string message);
  static ClientError local(std::string message);
  static ClientError integrity(std::string message);
  static ClientError protocol(std::string message);

  // "403 SignatureDoesNotMatch: The request signature we calculated does not match..."
  // or the message alone for errors without a status.
  std::string describe() const;
};

// The error an HTTP answer with status >= 300 carries: the S3 XML
// <Error><Code>/<Message>/<RequestId>, the registry's JSON {"error": {...}},
// or, for a body-less answer (HEAD), the status alone.
ClientError error_from_response(int status, std::string_view body,
                                std::string_view request_id_header);

}  // namespace moss::client
