#pragma once
// Content-Encoding decoding (gzip, deflate) with a limit on the decoded size, so a small compressed body cannot
// expand into gigabytes. Internal to gw_httpclient; exposed for its tests.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"

namespace gw::httpclient {

// Decodes `body` as sent with Content-Encoding `encoding` ("gzip", "x-gzip", "deflate", "identity" or empty; a list
// such as "gzip, identity" is decoded right to left). Errors: too_large when the decoded body would exceed
// max_decoded (decoding stops there), protocol_error for corrupt data or an encoding we never asked for.
Result<std::string> decode_content(std::string_view encoding, std::string body, std::uint64_t max_decoded);

// gzip-compresses `data` (tests, the sandbox and benchmarks use it to produce encoded bodies).
std::string gzip_compress(std::string_view data);

}  // namespace gw::httpclient
