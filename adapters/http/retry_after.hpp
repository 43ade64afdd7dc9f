#pragma once
// Retry-After (RFC 9110 10.2.3): delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"; the
// obsolete RFC 850 and asctime forms too). The grocer's wish becomes DeliveryOutcome::retry_after.

#include <chrono>
#include <optional>
#include <string_view>

namespace gw::adapters::http {

// How long to wait from `now`. A date in the past is zero; an unreadable value is nullopt (ignored, never an
// error: the delivery engine's own backoff applies). Delta-seconds are capped at one day, so a typo cannot park an
// order for years.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// An HTTP-date as seconds since the Unix epoch; nullopt when it is none of the three forms.
std::optional<std::int64_t> parse_http_date(std::string_view value);

}  // namespace gw::adapters::http
