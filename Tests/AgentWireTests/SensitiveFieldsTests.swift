import AgentWire
import Testing

@Suite struct SensitiveFieldsTests {
    @Test func masksSecretsAtAnyDepth() {
        let body = #"{"sshKey":"-----BEGIN","nested":{"password":"hunter2","keep":"x"},"list":[{"remote_pass":"p"}],"consolePassword":null}"#
        let text = SensitiveFields.masked(Array(body.utf8))
        #expect(!text.contains("hunter2") && !text.contains("BEGIN") && !text.contains("\"p\""))
        #expect(text.contains(#""keep":"x""#))
        #expect(text.contains(#""consolePassword":null"#))
    }

    @Test func nonJSONIsNotEchoed() {
        #expect(SensitiveFields.masked(Array("password=hunter2".utf8)) == "<16 bytes, not JSON>")
    }
}
