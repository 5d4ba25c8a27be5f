// The S3 operations the CLI needs, over one signed connection: single and
// multipart uploads with SHA-256 checksums the server verifies, and GET/HEAD
// with whatever conditional and Range headers the caller adds.
// Not thread-safe: one per thread (parallel part uploads each have their own).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moss/client/signed_client.h"

namespace moss::client {

struct CompletedPart {
  int number = 0;
  std::string etag;             // quoted, as the server sent it
  std::string checksum_sha256;  // base64
};

class S3Client {
 public:
  explicit S3Client(ClientConfig config);

  // CreateBucket; a bucket that already exists and is ours is success.
  Result<void, ClientError> create_bucket(const std::string& bucket);

  // PUT with x-amz-checksum-sha256 (base64 of the body's SHA-256): the server
  // refuses the body (BadDigest) unless it hashes to that. Returns the ETag.
  Result<std::string, ClientError> put_object(const std::string& bucket, const std::string& key,
                                              BodySource& body, const std::string& sha256_base64,
                                              const std::function<void(uint64_t)>& on_sent = {});

  // CreateMultipartUpload with x-amz-checksum-algorithm SHA256: every part
  // must then carry its SHA-256. Returns the upload id.
  Result<std::string, ClientError> create_multipart_upload(const std::string& bucket,
                                                           const std::string& key);
  Result<CompletedPart, ClientError> upload_part(const std::string& bucket, const std::string& key,
                                                 const std::string& upload_id, int number,
                                                 BodySource& body, const std::string& sha256_base64,
                                                 const std::function<void(uint64_t)>& on_sent = {});
  // Parts in ascending order. Returns the object's ETag.
  Result<std::string, ClientError> complete_multipart_upload(
      const std::string& bucket, const std::string& key, const std::string& upload_id,
      const std::vector<CompletedPart>& parts);
  Result<void, ClientError> abort_multipart_upload(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& upload_id);

  const ClientConfig& config() const { return client_.config(); }

  // GET and HEAD return the response whatever its status; the caller decides
  // (a 206, a 200 after If-Range, a 416).
  Result<HttpResponse, ClientError> get_object(const std::string& bucket, const std::string& key,
                                               Headers headers, const SinkChooser& choose_sink);
  Result<HttpResponse, ClientError> head_object(const std::string& bucket, const std::string& key,
                                                Headers headers = {});

 private:
  // The response when its status is 2xx, else its error.
  Result<HttpResponse, ClientError> expect_success(Result<HttpResponse, ClientError> response);

  SignedClient client_;
};

// The body of a CompleteMultipartUpload request.
std::string complete_multipart_upload_xml(const std::vector<CompletedPart>& parts);

}  // namespace moss::client
