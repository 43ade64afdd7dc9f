#include "gateway/cli/oslo_day_option.hpp"

#include <chrono>

#include "gateway/model/datetime.hpp"
#include "gateway/routing/oslo_time.hpp"

namespace gw::cli {

Result<std::string> oslo_day(const std::string& at) {
    if (at.empty()) return routing::oslo_date(std::chrono::system_clock::now());
    if (auto date = model::parse_date(at)) return model::to_string(*date);
    if (auto instant = model::parse_timestamp(at)) {
        return routing::oslo_date(
            std::chrono::time_point_cast<std::chrono::system_clock::duration>(instant->to_sys()));
    }
    return make_error(ErrorCode::invalid_argument,
                      "--at '" + at + "' is neither a day (YYYY-MM-DD) nor an RFC 3339 instant (2026-12-01T08:00:00+01:00)");
}

}  // namespace gw::cli
