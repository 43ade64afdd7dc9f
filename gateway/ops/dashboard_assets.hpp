#pragma once
// The dashboard's static files (gateway/ops/dashboard/), compiled into the binary by embed_assets.cmake.

#include <span>
#include <string_view>

namespace gw::ops {

struct EmbeddedAsset {
    std::string_view name;     // file name: "index.html", "app.js"
    std::string_view content;  // the bytes
};

std::span<const EmbeddedAsset> embedded_dashboard_assets();

// Content-Type for a file name by its extension (html, js, css, svg, json, png, ico; else octet-stream).
std::string_view asset_content_type(std::string_view name) noexcept;

}  // namespace gw::ops
