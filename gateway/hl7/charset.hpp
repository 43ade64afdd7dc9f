#pragma once
// Character sets an HL7 v2 message may declare in MSH-18, and conversion of field bytes to and from UTF-8.
// Values leave the codec as UTF-8 whatever the wire charset; bytes that are not valid in the declared charset become
// U+FFFD instead of failing, because a stray byte in a free-text note must not cost the whole order.

#include <optional>
#include <string>
#include <string_view>

namespace gw::hl7 {

enum class Charset {
    utf8,    // "UNICODE UTF-8", "UTF-8", empty: the default when MSH-18 is absent
    ascii,   // "ASCII": read as UTF-8 (a superset), so a mislabelled UTF-8 sender still reads correctly
    latin1,  // "8859/1", "ISO-8859-1", "ISO_IR 100"
    latin9,  // "8859/15", "ISO-8859-15"
    cp1252,  // "WINDOWS-1252", "CP1252": what Norwegian Windows senders actually produce when they say 8859/1
};

// Maps an MSH-18 value (case-insensitive, surrounding blanks ignored) to a Charset; nullopt when unknown.
std::optional<Charset> charset_from_name(std::string_view msh18);

// The MSH-18 name the codec writes for a charset.
std::string_view charset_name(Charset charset) noexcept;

// Appends `bytes`, decoded from `charset`, to `out` as UTF-8. Invalid sequences become U+FFFD.
void append_utf8(std::string_view bytes, Charset charset, std::string& out);

// Appends UTF-8 `text` encoded in `charset` to `out`; characters the charset cannot hold become '?'.
void append_from_utf8(std::string_view text, Charset charset, std::string& out);

// True when every byte is below 0x80, the common case that needs no conversion.
bool is_ascii(std::string_view bytes) noexcept;

}  // namespace gw::hl7
