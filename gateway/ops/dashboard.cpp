#include "gateway/ops/dashboard.hpp"

#include "gateway/http/problem.hpp"
#include "gateway/ops/dashboard_assets.hpp"

namespace gw::ops {

namespace {

http::Response redirect(std::string_view location) {
    http::Response r;
    r.status = http::Status::found;
    r.headers.set(http::beast_http::field::location, location);
    return r;
}

const EmbeddedAsset* find_asset(std::string_view name) {
    for (const auto& asset : embedded_dashboard_assets()) {
        if (asset.name == name) return &asset;
    }
    return nullptr;
}

}  // namespace

std::string_view asset_content_type(std::string_view name) noexcept {
    const auto dot = name.rfind('.');
    const auto ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "json") return "application/json";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    return "application/octet-stream";
}

namespace {

http::Response serve(std::string_view name, const http::Request& request) {
    const auto* asset = find_asset(name);
    if (!asset) return http::make_problem(http::Status::not_found, "no such dashboard file", request.path).to_response();
    http::Response r;
    r.content_type = std::string(asset_content_type(name));
    r.body = std::string(asset->content);
    // Everything the page loads comes from this origin; no inline script, no framing by other sites.
    r.headers.set("Content-Security-Policy",
                  "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
                  "form-action 'none'");
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.headers.set(http::beast_http::field::cache_control, "no-cache");
    return r;
}

}  // namespace

void mount_dashboard(http::Router& router) {
    router.get("/", [](const http::Request&) { return redirect("/dashboard/"); });
    router.get("/dashboard", [](const http::Request&) { return redirect("/dashboard/"); });
    // "/dashboard/" ends in an empty segment, which a {file} parameter does not match.
    router.get("/dashboard/", [](const http::Request& request) { return serve("index.html", request); });
    router.get("/dashboard/{file}", [](const http::Request& request) {
        return serve(request.param("file").value_or(""), request);
    });
}

}  // namespace gw::ops
