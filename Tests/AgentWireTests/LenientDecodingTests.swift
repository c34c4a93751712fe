import AgentWire
import Foundation
import Testing

@Suite struct LenientDecodingTests {
    struct Probe: Codable, Equatable {
        var flag: Bool?
        var count: Int?
        var size: Int64?
        var ratio: Double?
        var name: String?
    }

    @Test func acceptsNativeAndStringScalars() throws {
        let native = try WireJSON.decode(Probe.self, from: Array(#"{"flag":true,"count":3,"size":5,"ratio":0.5}"#.utf8))
        let strings = try WireJSON.decode(Probe.self, from: Array(#"{"flag":"true","count":"3","size":" 5 ","ratio":"0.5"}"#.utf8))
        #expect(native == strings)
        #expect(strings.flag == true && strings.count == 3 && strings.size == 5 && strings.ratio == 0.5)
    }

    @Test func nullAndAbsentAreNil() throws {
        let probe = try WireJSON.decode(Probe.self, from: Array(#"{"flag":null}"#.utf8))
        #expect(probe.flag == nil && probe.count == nil)
    }

    @Test func ignoresUnknownFieldsLikeZStackAddons() throws {
        let body = #"{"hostUuid":"h1","kvmHostAddons":{"a":1},"threadContext":{"api":"x"},"threadContextStack":[],"taskContext":{}}"#
        let cmd = try WireJSON.decode(KVM.ConnectCmd.self, from: Array(body.utf8))
        #expect(cmd.hostUuid == "h1")
    }

    @Test func emptyBodyIsAnEmptyCommand() throws {
        let cmd = try WireJSON.decode(KVM.ConnectCmd.self, from: [UInt8]())
        #expect(cmd == KVM.ConnectCmd())
    }

    @Test(arguments: [
        (#"{"count":"three"}"#, "field 'count': expected an integer, got \"three\""),
        (#"{"flag":"yes"}"#, "field 'flag': expected a boolean, got \"yes\""),
        (#"{"name":12}"#, "field 'name': expected a string"),
        (#"[1,2]"#, "the body must be a JSON object"),
    ])
    func wrongTypesNameTheField(body: String, expected: String) {
        #expect {
            _ = try WireJSON.decode(Probe.self, from: Array(body.utf8))
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func malformedJSONSaysSo() {
        #expect {
            _ = try WireJSON.decode(Probe.self, from: Array(#"{"count": 1"#.utf8))
        } throws: { error in
            "\(error)".hasPrefix("malformed JSON")
        }
    }

    @Test func nilFieldsAreOmittedOnOutput() throws {
        let data = try WireJSON.encode(KVM.PingResponse(hostUuid: "h"))
        #expect(String(decoding: data, as: UTF8.self) == #"{"hostUuid":"h","success":true}"#)
    }
}
