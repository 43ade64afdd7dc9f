#pragma once
// Route sets of the sandbox, one per file: each vendor style, and the /_sandbox control endpoints.

#include <memory>

#include "gateway/http/router.hpp"
#include "sandbox.hpp"

namespace sandbox {

void add_oda_routes(gw::http::Router& router, Sandbox& sandbox);        // oda_web.cpp
void add_instacart_routes(gw::http::Router& router, Sandbox& sandbox);  // instacart_connect.cpp
void add_kroger_routes(gw::http::Router& router, Sandbox& sandbox);     // kroger_cart.cpp
void add_peppol_routes(gw::http::Router& router, Sandbox& sandbox);     // peppol_ap.cpp
void add_control_routes(gw::http::Router& router, Sandbox& sandbox);    // control.cpp

}  // namespace sandbox
