#pragma once
// Checked reading of admin API query parameters. Every value is validated before it reaches the store (which binds
// it as an SQL parameter anyway): numbers are numbers, states are known states, times are RFC 3339 or a day, page
// sizes are capped, and a parameter the endpoint does not know is an error rather than silently ignored (a typo
// such as `stat=failed` must not return every order).

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/http/message.hpp"
#include "gateway/store/records.hpp"

namespace gw::ops {

class QueryParams {
  public:
    QueryParams(const http::Params& params, std::initializer_list<std::string_view> allowed);

    // The first problem found (unknown or repeated parameter, bad value), if any. Check it after reading.
    const std::optional<Error>& error() const { return error_; }

    std::string text(std::string_view name, std::size_t max_length = 200);
    std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
    bool flag(std::string_view name);  // "1", "true", "yes" / "0", "false", "no", absent = false
    // RFC 3339 instant, or YYYY-MM-DD meaning that day's start in Europe/Oslo.
    std::optional<store::TimePoint> time(std::string_view name);
    // limit (default `fallback`, values above `max` are capped to it, below 1 an error) and cursor.
    store::PageRequest page(std::size_t fallback, std::size_t max);

  private:
    std::optional<std::string_view> raw(std::string_view name);
    void fail(std::string message);

    const http::Params& params_;
    std::optional<Error> error_;
};

// Start of a Europe/Oslo day ("2026-11-12") as an instant; nullopt if the text is not a valid day.
std::optional<store::TimePoint> oslo_day_start(std::string_view day);

// RFC 3339 UTC with milliseconds: "2026-11-12T09:15:00.123Z".
std::string format_time(store::TimePoint t);

}  // namespace gw::ops
