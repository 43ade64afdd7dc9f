#pragma once
// Serves the live dashboard (gateway/ops/dashboard/, compiled into the binary) under /dashboard/, with / and
// /dashboard redirecting there. The files are public (they hold no data); everything they show comes from the
// admin API with the operator's token, which the page keeps in the tab's sessionStorage only.

#include "gateway/http/router.hpp"

namespace gw::ops {

void mount_dashboard(http::Router& router);

}  // namespace gw::ops
