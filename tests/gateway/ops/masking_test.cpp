// Personal data masked in what the admin API shows to callers without phi-reader.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/ops/masking.hpp"

namespace gw::ops {
namespace {

namespace json = boost::json;

const char* kOrder = R"({
  "gateway_id": "GW-1", "source": {"channel": "hl7_mllp", "control_id": "C1", "placer_order_number": "BK-1"},
  "action": "new", "municipality": {"number": "3201"},
  "recipient": {"reference": "PSN-4711", "name": {"given": "Ingrid", "family": "Johansen"},
                "address": {"street": "Kirkeveien 12 B", "postal_code": "1337", "city": "Sandvika", "country": "NO"},
                "phone": "+4791234567", "access_notes": "Key box code 4411"},
  "delivery": {"date": "2026-11-12", "window_start": "10:00", "window_end": "12:00", "instructions": "Ring twice, Ingrid"},
  "lines": [{"line_number": 1, "gtin": "07038010009457", "description": "Lettmelk 1 l", "quantity": "2",
             "unit": {"code": "EA"}, "substitution_allowed": false, "note": "for Ingrid's coffee"}],
  "ordered_by": {"staff_id": "S-9", "name": "Per Pleier"}, "created_at": "2026-11-11T09:15:00+01:00"})";

TEST(Masking, CareOrderPersonalFieldsAreMaskedAndTheRestIsKept) {
    const auto masked = mask_care_order(json::parse(kOrder));
    const auto text = json::serialize(masked);
    for (const char* secret : {"Ingrid", "Johansen", "Kirkeveien", "1337", "Sandvika", "91234567", "4411",
                               "Ring twice", "coffee", "Pleier"}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked: " << text;
    }
    const auto& r = masked.at("recipient");
    EXPECT_EQ(r.at("reference"), "PSN-4711");  // the pseudonym: searchable, shown
    EXPECT_EQ(r.at("name").at("given"), "I***");
    EXPECT_EQ(r.at("address").at("country"), "NO");
    EXPECT_EQ(masked.at("lines").at(0).at("description"), "Lettmelk 1 l");  // the goods are not personal
    EXPECT_EQ(masked.at("delivery").at("date"), "2026-11-12");
    EXPECT_EQ(masked.at("ordered_by").at("staff_id"), "S-9");
}

TEST(Masking, Hl7KeepsHeaderAndOrderFieldsAndMasksTheRecipient) {
    const std::string hl7 =
        "MSH|^~\\&|GERICA|3201|GROCERY-GW|GW|20261111091500+0100||OMS^O05^OMS_O05|CTRL-1|P|2.5\r"
        "PID|1||PSN-4711^^^BAERUM^PI||Johansen^Ingrid||19440101|F|||Kirkeveien 12 B^^Sandvika^^1337^NO||+4791234567\r"
        "NK1|1|Johansen^Ola|SON|||+4799887766\r"
        "PV1|1|O|SONE-3||||Lege^Lise\r"
        "ORC|NW|BK-1|||||||20261111091500+0100|||S-9^Pleier^Per\r"
        "NTE|1|L|Key box code 4411|ACC\r"
        "RQD|1|7038010009457^TINE Lettmelk 1 l^GTIN||2|EA\r"
        "ZPI|secret custom segment\r";
    const auto masked = mask_hl7_er7(hl7);
    for (const char* secret : {"Johansen", "Ingrid", "Kirkeveien", "Sandvika", "91234567", "Ola", "99887766",
                               "19440101", "Lise", "Pleier", "4411", "secret custom"}) {
        EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " leaked:\n" << masked;
    }
    for (const char* kept : {"MSH|^~\\&|GERICA|3201|GROCERY-GW|GW|20261111091500+0100||OMS^O05^OMS_O05|CTRL-1|P|2.5\r",
                             "PSN-4711^^^BAERUM^PI", "SONE-3", "ORC|NW|BK-1", "S-9^P***^P***", "|ACC\r",
                             "RQD|1|7038010009457^TINE Lettmelk 1 l^GTIN||2|EA\r", "J***^I***"}) {
        EXPECT_NE(masked.find(kept), std::string::npos) << kept << " missing:\n" << masked;
    }
    // Segment structure survives: the same number of segments and fields.
    EXPECT_EQ(std::count(masked.begin(), masked.end(), '\r'), std::count(hl7.begin(), hl7.end(), '\r'));
    EXPECT_EQ(std::count(masked.begin(), masked.end(), '|'), std::count(hl7.begin(), hl7.end(), '|'));
    EXPECT_EQ(mask_raw_message(hl7), masked);
}

TEST(Masking, Hl7XmlKeepsSafeFieldsOnly) {
    const std::string xml =
        "<?xml version=\"1.0\"?><OMS_O05 xmlns=\"urn:hl7-org:v2xml\"><MSH><MSH.10>CTRL-9</MSH.10></MSH>"
        "<PID><PID.3><CX.1>PSN-1</CX.1></PID.3><PID.5><XPN.1><FN.1>Hansen</FN.1></XPN.1><XPN.2>Kari</XPN.2></PID.5>"
        "<PID.11 type=\"home\"><XAD.1>Storgata 1</XAD.1></PID.11></PID>"
        "<ORC><ORC.2><EI.1>BK-9</EI.1></ORC.2></ORC><!-- Kari's note --><NTE><NTE.3><![CDATA[door code 12]]></NTE.3></NTE>"
        "</OMS_O05>";
    const auto masked = mask_raw_message(xml);
    for (const char* secret : {"Hansen", "Kari", "Storgata", "door code", "home"}) {
        EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " leaked: " << masked;
    }
    for (const char* kept : {"CTRL-9", "BK-9", "xmlns=\"urn:hl7-org:v2xml\"", "<FN.1>", "</OMS_O05>"}) {
        EXPECT_NE(masked.find(kept), std::string::npos) << kept << " missing: " << masked;
    }
    // PID-3 holds the pseudonym, but inside PID nothing but PID-1/PID-3 is known safe; in XML only the header and
    // order fields stay readable, which is the safe side.
}

TEST(Masking, PayloadsAreMaskedByShape) {
    const auto care = mask_payload(kOrder);
    EXPECT_EQ(care.find("Johansen"), std::string::npos);
    EXPECT_NE(care.find("PSN-4711"), std::string::npos);
    const auto vendor = mask_payload(R"({"customer":{"firstName":"Kari","lastName":"Hansen","phone":4791234567},
                                         "items":[{"product_id":"SKU-1","quantity":2}],"delivery":{"address":{"line1":"Storgata 1"}}})");
    for (const char* secret : {"Kari", "Hansen", "91234567", "Storgata"}) {
        EXPECT_EQ(vendor.find(secret), std::string::npos) << secret << " leaked: " << vendor;
    }
    EXPECT_NE(vendor.find("SKU-1"), std::string::npos);
    EXPECT_EQ(mask_payload("not json, not hl7: Kari Hansen").find("Kari"), std::string::npos);
    EXPECT_EQ(mask_payload("{broken json Kari").find("Kari"), std::string::npos);
    EXPECT_EQ(mask_payload(""), "");
}

TEST(Masking, QuotedValuesInErrorTextsAreMasked) {
    EXPECT_EQ(mask_quoted(R"(recipient.phone: invalid (input PID-13.1 = "+47 912 34 567"))"),
              R"(recipient.phone: invalid (input PID-13.1 = "+** *** ** *67"))");
    EXPECT_EQ(mask_quoted("the vendor's answer was 500"), "the vendor's answer was 500");
    EXPECT_EQ(mask_quoted("name 'Kari Hansen' too long"), "name 'K*** H***' too long");
}

}  // namespace
}  // namespace gw::ops
