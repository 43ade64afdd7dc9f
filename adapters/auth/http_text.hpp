#pragma once
// Small text helpers the schemes share: URLs relative to a vendor's base URL, form and query encoding, base64.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::adapters::auth {

// `path` when it is an absolute http(s) URL, else base_url + path with exactly one '/' between them.
std::string join_url(std::string_view base_url, std::string_view path);

// application/x-www-form-urlencoded (also used for query parameters): unreserved bytes kept, space as '+'.
std::string form_encode(std::string_view text);
std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields);

// `url` with name=value added to its query (before any fragment).
std::string add_query_parameter(std::string_view url, std::string_view name, std::string_view value);

// The path and query of an absolute URL ("/v1/orders?x=1"); "/" when it has none.
std::string path_and_query(std::string_view url);

std::string base64_encode(std::string_view bytes);
std::string hex_encode(std::string_view bytes);

}  // namespace gw::adapters::auth
