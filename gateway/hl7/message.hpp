#pragma once
// HL7 v2 ER7 ("pipe") codec. A Message is a view over the bytes it was parsed from: parsing only records where each
// segment starts and ends; fields, repetitions, components and subcomponents are located and unescaped when a value
// is read, so reading ten fields of a large message costs ten short scans and no allocation per field.
//
// The separators are whatever MSH-1/MSH-2 (or FHS/BHS) declare; segments may end with CR, LF or CRLF in any mix and
// empty lines are skipped. A batch (FHS/BHS ... BTS/FTS) parses as one Message whose paths address the whole file;
// messages() splits it into its messages.
//
// Editing: set() rewrites only the touched segment; encode() of an unmodified Message returns the input bytes
// exactly, and of a modified one keeps every untouched byte (including the original segment terminators).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/hl7/charset.hpp"
#include "gateway/hl7/delimiters.hpp"
#include "gateway/hl7/path.hpp"

namespace gw::hl7 {

struct ParseOptions {
    // Strict (the default, used for intake) rejects what a lenient read would guess at: NUL bytes, segment names
    // that are not 3 upper-case letters/digits, invalid or inconsistent encoding characters, an MSH with fewer than
    // 12 fields. Lenient mode exists to salvage an MSH for a negative acknowledgement of a broken message.
    bool strict = true;
    // Overrides MSH-18. XML input is decoded before it becomes ER7, so its MSH-18 no longer describes the bytes.
    std::optional<Charset> charset;
};

class Message {
  public:
    // An empty message with no segments, for building messages (ACKs, ORS^O06) with add_segment() and set().
    explicit Message(Delimiters delimiters = {}, Charset charset = Charset::utf8);

    // The bytes this message was parsed from (empty for a built message); unchanged by set().
    std::string_view input() const noexcept { return text_; }
    const Delimiters& delimiters() const noexcept { return delimiters_; }
    // The charset values are decoded from: MSH-18 of the first MSH, or the ParseOptions override.
    Charset charset() const noexcept { return charset_; }
    // False when MSH-18 named a charset the codec does not know (values are then read as UTF-8).
    bool charset_known() const noexcept { return charset_known_; }

    std::size_t segment_count() const noexcept { return segments_.size(); }
    // The segment's current text without its terminator, e.g. "PID|1||123".
    std::string_view segment(std::size_t index) const;
    std::string_view segment_name(std::size_t index) const;
    // Byte offset of the segment in input(); SourceLocation::npos for segments added after parsing.
    std::size_t segment_offset(std::size_t index) const;
    // Index of the `occurrence`-th segment called `name` (1-based), if there is one.
    std::optional<std::size_t> find_segment(std::string_view name, std::uint32_t occurrence = 1) const;

    // The element's text exactly as encoded (escape sequences and separators included, in the wire charset).
    // Empty when the path runs past the end. The view is valid until the next set() on the same segment.
    std::string_view raw(const Path& path) const;
    // The value as README.md defines it, in UTF-8: a leaf is unescaped, an element with deeper separators is
    // returned as encoded; `""` (HL7 null) is returned as those two characters; past the end is "".
    std::string get(const Path& path) const;
    // Same as get(), writing into `out` (cleared first) so a caller can reuse one buffer.
    void get_into(const Path& path, std::string& out) const;
    // Convenience for tools and tests; an invalid path reads as "".
    std::string get(std::string_view path) const;

    // Sets the element at `path` to the UTF-8 `value`, escaped and converted to the message's charset. Missing
    // segments (the next occurrence only), fields, repetitions and components are created. MSH-1/MSH-2 cannot be
    // set (they are the delimiters): that is an invalid_argument Error.
    Result<void> set(const Path& path, std::string_view value);
    // Like set() but `encoded` is written as is, so it may carry separators, e.g. "ACK^O05^ACK" for MSH-9.
    Result<void> set_encoded(const Path& path, std::string_view encoded);
    // Appends an empty segment ("NTE", or "MSH|^~\&" for a header segment) and returns its index.
    std::size_t add_segment(std::string_view name);

    bool modified() const noexcept { return modified_; }
    // The message as ER7: input() when unmodified; otherwise original terminators for original segments and CR for
    // added ones.
    std::string encode() const;
    void encode_to(std::string& out) const;

    // True for FHS/BHS files and for several MSH in one input.
    bool is_batch() const;
    // The messages in this input, each starting at an MSH; a plain message returns one copy of itself. The parts
    // share this message's bytes (and keep them alive when parse() owned them).
    std::vector<Message> messages() const;

  private:
    friend class Parser;
    struct Segment {
        std::uint32_t offset = 0;  // into text_; kAdded for segments created by add_segment()
        std::uint32_t length = 0;
        std::int32_t edited = -1;  // index into edits_ once the segment was changed
    };
    static constexpr std::uint32_t kAdded = 0xFFFFFFFFu;

    bool is_header(std::string_view segment) const noexcept;
    std::optional<std::size_t> locate(const Path& path) const;
    std::string& editable_segment(std::size_t index);
    std::string_view terminator_after(std::size_t index) const;

    std::shared_ptr<const std::string> storage_;  // owner of text_ when parse() took the bytes
    std::string_view text_;
    std::vector<Segment> segments_;
    std::deque<std::string> edits_;  // deque: growing it never moves existing edited segments
    Delimiters delimiters_;
    Charset charset_ = Charset::utf8;
    bool charset_known_ = true;
    bool modified_ = false;
};

// Parses `bytes`, which the Message keeps (no copy per field; one shared buffer).
Result<Message> parse(std::string bytes, const ParseOptions& options = {});
// Parses bytes the caller keeps alive for the Message's lifetime (MLLP read buffers, memory-mapped files).
Result<Message> parse_view(std::string_view bytes, const ParseOptions& options = {});

// True for the names of segments that carry MSH-1/MSH-2-style delimiters: MSH, FHS, BHS.
bool is_header_segment_name(std::string_view name) noexcept;

}  // namespace gw::hl7
