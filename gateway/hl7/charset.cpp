#include "gateway/hl7/charset.hpp"

#include <array>
#include <cstdint>

namespace gw::hl7 {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// cp1252 0x80..0x9F; the five undefined positions decode to U+FFFD.
constexpr std::array<char32_t, 32> kCp1252High = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                                  0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

char32_t latin9_to_unicode(unsigned char b) {
    switch (b) {
        case 0xA4:
            return 0x20AC;
        case 0xA6:
            return 0x0160;
        case 0xA8:
            return 0x0161;
        case 0xB4:
            return 0x017D;
        case 0xB8:
            return 0x017E;
        case 0xBC:
            return 0x0152;
        case 0xBD:
            return 0x0153;
        case 0xBE:
            return 0x0178;
        default:
            return b;
    }
}

void put_utf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Decodes one UTF-8 sequence at s[i]; returns its length and sets cp, or returns 0 when the sequence is invalid
// (overlong, surrogate, beyond U+10FFFF or truncated) so the caller substitutes one U+FFFD per bad byte.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

char to_upper_ascii(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_upper_ascii(a[i]) != to_upper_ascii(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<unsigned char> unicode_to_single_byte(char32_t cp, Charset charset) {
    if (cp < 0x80) return static_cast<unsigned char>(cp);
    if (charset == Charset::cp1252) {
        for (std::size_t k = 0; k < kCp1252High.size(); ++k) {
            if (kCp1252High[k] == cp && cp != kReplacement) return static_cast<unsigned char>(0x80 + k);
        }
        if (cp >= 0xA0 && cp <= 0xFF) return static_cast<unsigned char>(cp);
        return std::nullopt;
    }
    if (charset == Charset::latin9) {
        for (unsigned b = 0xA0; b <= 0xFF; ++b) {
            if (latin9_to_unicode(static_cast<unsigned char>(b)) == cp) return static_cast<unsigned char>(b);
        }
        return std::nullopt;
    }
    if (cp >= 0xA0 && cp <= 0xFF) return static_cast<unsigned char>(cp);
    return std::nullopt;
}

}  // namespace

std::optional<Charset> charset_from_name(std::string_view msh18) {
    const auto name = trim(msh18);
    if (name.empty() || iequals(name, "UNICODE UTF-8") || iequals(name, "UTF-8") || iequals(name, "UTF8") ||
        iequals(name, "ISO_IR 192")) {
        return Charset::utf8;
    }
    if (iequals(name, "ASCII") || iequals(name, "US-ASCII")) return Charset::ascii;
    if (iequals(name, "8859/1") || iequals(name, "ISO-8859-1") || iequals(name, "ISO8859-1") ||
        iequals(name, "ISO_IR 100") || iequals(name, "LATIN1")) {
        return Charset::latin1;
    }
    if (iequals(name, "8859/15") || iequals(name, "ISO-8859-15")) return Charset::latin9;
    if (iequals(name, "WINDOWS-1252") || iequals(name, "CP1252") || iequals(name, "WINDOWS1252")) {
        return Charset::cp1252;
    }
    return std::nullopt;
}

std::string_view charset_name(Charset charset) noexcept {
    switch (charset) {
        case Charset::utf8:
            return "UNICODE UTF-8";
        case Charset::ascii:
            return "ASCII";
        case Charset::latin1:
            return "8859/1";
        case Charset::latin9:
            return "8859/15";
        case Charset::cp1252:
            return "WINDOWS-1252";
    }
    return "UNICODE UTF-8";
}

bool is_ascii(std::string_view bytes) noexcept {
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

void append_utf8(std::string_view bytes, Charset charset, std::string& out) {
    if (is_ascii(bytes)) {
        out.append(bytes);
        return;
    }
    out.reserve(out.size() + bytes.size() + bytes.size() / 2);
    if (charset == Charset::utf8 || charset == Charset::ascii) {
        std::size_t i = 0;
        while (i < bytes.size()) {
            char32_t cp = 0;
            const std::size_t len = decode_utf8(bytes, i, cp);
            if (len == 0) {
                put_utf8(kReplacement, out);
                ++i;
            } else {
                out.append(bytes.substr(i, len));
                i += len;
            }
        }
        return;
    }
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out.push_back(c);
        } else if (charset == Charset::cp1252 && b < 0xA0) {
            put_utf8(kCp1252High[b - 0x80], out);
        } else if (charset == Charset::latin9) {
            put_utf8(latin9_to_unicode(b), out);
        } else {
            put_utf8(b, out);
        }
    }
}

void append_from_utf8(std::string_view text, Charset charset, std::string& out) {
    if (charset == Charset::utf8 || charset == Charset::ascii || is_ascii(text)) {
        append_utf8(text, Charset::utf8, out);  // still repairs invalid UTF-8 on the way out
        return;
    }
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        std::size_t len = decode_utf8(text, i, cp);
        if (len == 0) {
            cp = kReplacement;
            len = 1;
        }
        const auto byte = unicode_to_single_byte(cp, charset);
        out.push_back(byte ? static_cast<char>(*byte) : '?');
        i += len;
    }
}

}  // namespace gw::hl7
