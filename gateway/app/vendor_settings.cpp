#include "gateway/app/vendor_settings.hpp"

#include <algorithm>

namespace gw::app {

adapters::VendorSettings vendor_settings(const config::VendorSection& v) {
    adapters::VendorSettings s;
    s.name = v.name;
    s.folder = v.folder;
    s.base_url = v.base_url;
    s.secrets = v.secrets;
    s.params = v.params;
    s.http.tls = v.tls;
    s.http.proxy = v.proxy;
    s.http.max_connections_per_host = static_cast<std::size_t>(std::max(v.delivery.concurrency, 1));
    s.http.total_timeout = v.delivery.operation_timeout;
    return s;
}

delivery::DestinationSpec destination_spec(const config::VendorSection& v, std::shared_ptr<adapters::Adapter> a) {
    delivery::DestinationSpec d;
    d.destination = "vendor:" + v.name;
    d.vendor = v.name;
    d.adapter = std::move(a);
    d.retry.max_attempts = v.delivery.max_attempts;
    d.retry.max_age = v.delivery.max_age;
    d.retry.backoff = {v.delivery.backoff_initial, v.delivery.backoff_max};
    d.concurrency = v.delivery.concurrency;
    d.lease = v.delivery.lease;
    d.operation_timeout = v.delivery.operation_timeout;
    d.rate_per_second = v.delivery.rate_per_second;
    d.burst = v.delivery.burst;
    d.breaker_failures = v.delivery.breaker_failures;
    d.breaker_open_for = v.delivery.breaker_open_for;
    return d;
}

}  // namespace gw::app
