#include "gateway/log/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace gw::log {
namespace {

// Captures what write() sends to stderr by pointing fd 2 at a temporary file for the duration of a test.
class StderrCapture {
public:
    StderrCapture() {
        std::fflush(stderr);
        saved_ = ::dup(2);
        file_ = std::tmpfile();
        ::dup2(::fileno(file_), 2);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        std::rewind(file_);
        std::string out;
        char buf[4096];
        while (auto n = std::fread(buf, 1, sizeof buf, file_)) out.append(buf, n);
        return out;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    int saved_ = -1;
    std::FILE* file_ = nullptr;
};

TEST(Mask, NamesKeepOnlyInitials) {
    EXPECT_EQ(mask_always("Kari Nordmann"), "K*** N***");
    EXPECT_EQ(mask_always("Ørjan Ås"), "Ø*** Å***");
}

TEST(Mask, AddressesHideStreetAndNumber) {
    const auto masked = mask_always("Eikeveien 3B, 1369 Stabekk");
    EXPECT_EQ(masked.find("Eikeveien"), std::string::npos) << masked;
    EXPECT_EQ(masked.find("Stabekk"), std::string::npos) << masked;
    EXPECT_EQ(masked.find("1369"), std::string::npos) << masked;
}

TEST(Mask, PhoneNumbersKeepOnlyTheLastTwoDigits) {
    const auto masked = mask_always("+47 912 34 567");
    EXPECT_EQ(masked.find("912"), std::string::npos) << masked;
    EXPECT_EQ(masked.substr(masked.size() - 2), "67") << masked;
}

TEST(Mask, ConfigCanTurnMaskingOffButMaskAlwaysStillMasks) {
    Options o;
    o.mask_personal_data = false;
    init(o);
    EXPECT_EQ(mask("Kari Nordmann"), "Kari Nordmann");
    EXPECT_EQ(mask_always("Kari Nordmann"), "K*** N***");
    init(Options{});
    EXPECT_EQ(mask("Kari Nordmann"), "K*** N***");
}

TEST(Write, OneJsonObjectPerLineWithEscapedFields) {
    init(Options{});
    StderrCapture capture;
    info("order.received", {{"correlation_id", "abc123"}, {"note", "line1\n\"quoted\""}, {"lines", 3}});
    const auto out = capture.text();
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find("\"event\":\"order.received\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"correlation_id\":\"abc123\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"note\":\"line1\\n\\\"quoted\\\"\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"lines\":\"3\""), std::string::npos) << out;
}

TEST(Write, LevelsBelowTheConfiguredOneAreDropped) {
    Options o;
    o.level = Level::warn;
    init(o);
    StderrCapture capture;
    info("dropped");
    warn("kept");
    const auto out = capture.text();
    init(Options{});
    EXPECT_EQ(out.find("dropped"), std::string::npos);
    EXPECT_NE(out.find("kept"), std::string::npos);
}

TEST(Level, ParsesNames) {
    EXPECT_EQ(parse_level("debug"), Level::debug);
    EXPECT_EQ(parse_level("warning"), Level::warn);
    EXPECT_FALSE(parse_level("loud"));
}

TEST(CorrelationId, SixteenHexCharsAndDistinct) {
    const auto a = new_correlation_id();
    const auto b = new_correlation_id();
    EXPECT_EQ(a.size(), 16u);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace gw::log
