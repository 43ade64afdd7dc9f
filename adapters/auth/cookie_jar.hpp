#pragma once
// The cookies of one vendor session: what Set-Cookie headers gave us, sent back as one Cookie header. One vendor
// means one base URL, so Domain and Path are not tracked; Max-Age <= 0 (and an empty value with Expires, the usual
// way servers delete a cookie) removes it. Not thread-safe: the session scheme guards it.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/httpclient/message.hpp"

namespace gw::adapters::auth {

class CookieJar {
public:
    // Stores or removes the cookie of one Set-Cookie header value.
    void store(std::string_view set_cookie);
    // Every Set-Cookie header of a response.
    void store_all(const httpclient::HttpResponse& response);
    void clear() { cookies_.clear(); }

    std::optional<std::string> get(std::string_view name) const;
    // "a=1; b=2", or "" when empty.
    std::string header() const;

private:
    std::map<std::string, std::string, std::less<>> cookies_;
};

}  // namespace gw::adapters::auth
