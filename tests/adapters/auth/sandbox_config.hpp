#pragma once
// The grocer-sandbox config the auth tests run against (tests/sandbox/README.md).

#include <string>

namespace gw::adapters::auth::testing {

inline std::string sandbox_yaml() {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 11
vendors:
  oda-web:
    username: care
    password: pw
    session_ttl: 10m
    max_in_flight: 8
  instacart-connect:
    client_id: gw
    client_secret: s3cret
    token_ttl: 1h
    slot_hold: 5m
  kroger-cart:
    client_id: gw
    client_secret: s3cret
)";
}

}  // namespace gw::adapters::auth::testing
