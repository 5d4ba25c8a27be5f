#include "moss/client/s3_client.h"

#include <pugixml.hpp>

namespace moss::client {

S3Client::S3Client(ClientConfig config) : client_(std::move(config)) {}

Result<HttpResponse, ClientError> S3Client::expect_success(
    Result<HttpResponse, ClientError> response) {
  if (!response) return response;
  if (response->status < 200 || response->status >= 300) {
    return fail(error_from_response(response->status, response->body,
                                    response->header("x-amz-request-id")));
  }
  return response;
}

Result<void, ClientError> S3Client::create_bucket(const std::string& bucket) {
  SignedCall call{"PUT", bucket_path(bucket)};
  auto response = expect_success(client_.send(call));
  if (!response && response.error().code != "BucketAlreadyOwnedByYou")
    return fail(response.error());
  return {};
}

Result<std::string, ClientError> S3Client::put_object(
    const std::string& bucket, const std::string& key, BodySource& body,
    const std::string& sha256_base64, const std::function<void(uint64_t)>& on_sent) {
  SignedCall call{"PUT", object_path(bucket, key)};
  call.headers.emplace_back("x-amz-checksum-sha256", sha256_base64);
  call.body = &body;
  call.on_body_sent = on_sent;
  auto response = expect_success(client_.send(call));
  if (!response) return fail(response.error());
  return std::string(response->header("etag"));
}

Result<std::string, ClientError> S3Client::create_multipart_upload(const std::string& bucket,
                                                                   const std::string& key) {
  SignedCall call{"POST", object_path(bucket, key), {{"uploads", ""}}};
  call.headers.emplace_back("x-amz-checksum-algorithm", "SHA256");
  auto response = expect_success(client_.send(call));
  if (!response) return fail(response.error());
  pugi::xml_document doc;
  doc.load_buffer(response->body.data(), response->body.size());
  std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (upload_id.empty()) {
    return fail(ClientError::protocol("CreateMultipartUpload answered without an UploadId"));
  }
  return upload_id;
}

Result<CompletedPart, ClientError> S3Client::upload_part(
    const std::string& bucket, const std::string& key, const std::string& upload_id, int number,
    BodySource& body, const std::string& sha256_base64,
    const std::function<void(uint64_t)>& on_sent) {
  SignedCall call{"PUT",
                  object_path(bucket, key),
                  {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}}};
  call.headers.emplace_back("x-amz-checksum-sha256", sha256_base64);
  call.body = &body;
  call.on_body_sent = on_sent;
  auto response = expect_success(client_.send(call));
  if (!response) return fail(response.error());
  return CompletedPart{number, std::string(response->header("etag")), sha256_base64};
}

std::string complete_multipart_upload_xml(const std::vector<CompletedPart>& parts) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& part : parts) {
    // ETags and base64 hold no XML-special characters but quotes, which are
    // fine in element content.
    xml += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" + part.etag +
           "</ETag>";
    if (!part.checksum_sha256.empty()) {
      xml += "<ChecksumSHA256>" + part.checksum_sha256 + "</ChecksumSHA256>";
    }
    xml += "</Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

Result<std::string, ClientError> S3Client::complete_multipart_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts) {
  StringSource body(complete_multipart_upload_xml(parts));
  SignedCall call{"POST", object_path(bucket, key), {{"uploadId", upload_id}}};
  call.headers.emplace_back("Content-Type", "application/xml");
  call.body = &body;
  auto response = expect_success(client_.send(call));
  if (!response) return fail(response.error());
  // S3 may answer 200 and still report an error in the body.
  pugi::xml_document doc;
  doc.load_buffer(response->body.data(), response->body.size());
  if (doc.child("Error")) {
    return fail(error_from_response(500, response->body, response->header("x-amz-request-id")));
  }
  std::string etag = doc.child("CompleteMultipartUploadResult").child_value("ETag");
  if (etag.empty()) {
    return fail(ClientError::protocol("CompleteMultipartUpload answered without an ETag"));
  }
  return etag;
}

Result<void, ClientError> S3Client::abort_multipart_upload(const std::string& bucket,
                                                           const std::string& key,
                                                           const std::string& upload_id) {
  SignedCall call{"DELETE", object_path(bucket, key), {{"uploadId", upload_id}}};
  auto response = expect_success(client_.send(call));
  if (!response) return fail(response.error());
  return {};
}

Result<HttpResponse, ClientError> S3Client::get_object(const std::string& bucket,
                                                       const std::string& key, Headers headers,
                                                       const SinkChooser& choose_sink) {
  SignedCall call{"GET", object_path(bucket, key)};
  call.headers = std::move(headers);
  return client_.send(call, choose_sink);
}

Result<HttpResponse, ClientError> S3Client::head_object(const std::string& bucket,
                                                        const std::string& key, Headers headers) {
  SignedCall call{"HEAD", object_path(bucket, key)};
  call.headers = std::move(headers);
  return client_.send(call);
}

}  // namespace moss::client
