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

    @Test func passwordsInsideURLsAreMasked() {
        let text = SensitiveFields.masked(Array(#"{"url":"sftp://root:p%40ss@10.0.0.9:22/images/a.qcow2","plain":"http://h/x"}"#.utf8))
        #expect(text.contains(#"sftp://root:*****@10.0.0.9:22/images/a.qcow2"#))
        #expect(!text.contains("p%40ss"))
        #expect(text.contains(#""plain":"http://h/x""#))
    }

    @Test func nonJSONIsNotEchoed() {
        #expect(SensitiveFields.masked(Array("password=hunter2".utf8)) == "<16 bytes, not JSON>")
    }
}
