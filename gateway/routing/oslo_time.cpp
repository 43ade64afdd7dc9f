#include "gateway/routing/oslo_time.hpp"

#include <fmt/format.h>

namespace gw::routing {

namespace {

using namespace std::chrono;

// 01:00 UTC on the last Sunday of `m` in `y`.
sys_seconds last_sunday_0100_utc(year y, month m) {
    const sys_days last{year_month_day_last{y, month_day_last{m}}};
    const weekday wd{last};
    const sys_days sunday = last - (wd - Sunday);
    return sunday + hours{1};
}

}  // namespace

std::chrono::minutes oslo_offset(system_clock::time_point t) noexcept {
    const auto s = time_point_cast<seconds>(t);
    const year y = year_month_day{floor<days>(s)}.year();
    const bool summer = s >= last_sunday_0100_utc(y, March) && s < last_sunday_0100_utc(y, October);
    return summer ? minutes{120} : minutes{60};
}

std::string oslo_date(system_clock::time_point t) {
    const auto local = floor<days>(t + oslo_offset(t));
    const year_month_day ymd{local};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

}  // namespace gw::routing
