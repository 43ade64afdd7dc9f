#include "gateway/httpclient/content_decoding.hpp"

#include <array>
#include <vector>

#include <boost/beast/core/string.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include "gateway/httpclient/failure.hpp"

namespace gw::httpclient {

namespace {

enum class Wrapper { auto_gzip_or_zlib, raw };

// One inflate pass. `window_bits` 15+32 detects gzip or zlib headers; -15 is raw deflate (some servers send that
// for "deflate" despite RFC 9110).
Result<std::string> inflate_all(std::string_view in, Wrapper wrapper, std::uint64_t max_decoded) {
    z_stream zs{};
    int bits = wrapper == Wrapper::raw ? -15 : 15 + 32;
    if (inflateInit2(&zs, bits) != Z_OK) {
        return make_failure(FailureKind::protocol_error, "cannot initialise zlib");
    }
    struct Guard {
        z_stream* z;
        ~Guard() { inflateEnd(z); }
    } guard{&zs};

    std::string out;
    std::array<unsigned char, 16 * 1024> chunk{};
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    for (;;) {
        zs.next_out = chunk.data();
        zs.avail_out = static_cast<uInt>(chunk.size());
        int rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            return make_failure(FailureKind::protocol_error,
                                fmt::format("corrupt compressed body: {}", zs.msg ? zs.msg : "inflate failed"));
        }
        auto produced = chunk.size() - zs.avail_out;
        if (out.size() + produced > max_decoded) {
            return make_failure(FailureKind::too_large,
                                fmt::format("decoded response body is larger than {} bytes", max_decoded));
        }
        out.append(reinterpret_cast<const char*>(chunk.data()), produced);
        if (rc == Z_STREAM_END) return out;
        if (produced == 0 && (rc == Z_BUF_ERROR || zs.avail_in == 0)) {
            return make_failure(FailureKind::protocol_error, "compressed body is truncated");
        }
    }
}

Result<std::string> decode_one(std::string_view coding, std::string body, std::uint64_t max_decoded) {
    if (coding.empty() || boost::beast::iequals(coding, "identity")) {
        if (body.size() > max_decoded) {
            return make_failure(FailureKind::too_large,
                                fmt::format("decoded response body is larger than {} bytes", max_decoded));
        }
        return body;
    }
    if (boost::beast::iequals(coding, "gzip") || boost::beast::iequals(coding, "x-gzip")) {
        return inflate_all(body, Wrapper::auto_gzip_or_zlib, max_decoded);
    }
    if (boost::beast::iequals(coding, "deflate")) {
        auto zlib = inflate_all(body, Wrapper::auto_gzip_or_zlib, max_decoded);
        if (zlib || failure_kind(zlib.error()) == FailureKind::too_large) return zlib;
        return inflate_all(body, Wrapper::raw, max_decoded);
    }
    return make_failure(FailureKind::protocol_error,
                        fmt::format("unsupported Content-Encoding '{}' (we asked for gzip or deflate)", coding));
}

}  // namespace

Result<std::string> decode_content(std::string_view encoding, std::string body, std::uint64_t max_decoded) {
    std::vector<std::string_view> codings;
    while (!encoding.empty()) {
        auto comma = encoding.find(',');
        auto item = encoding.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (!item.empty()) codings.push_back(item);
        if (comma == std::string_view::npos) break;
        encoding.remove_prefix(comma + 1);
    }
    if (codings.empty()) return decode_one({}, std::move(body), max_decoded);
    for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
        auto decoded = decode_one(*it, std::move(body), max_decoded);
        if (!decoded) return decoded;
        body = std::move(*decoded);
    }
    return body;
}

std::string gzip_compress(std::string_view data) {
    z_stream zs{};
    deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

}  // namespace gw::httpclient
